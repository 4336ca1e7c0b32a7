"""Clinical review: an instructor's change goes live only after a reviewer approves it."""

import pytest
from wagtail.models import WorkflowState

from core.roles import WORKFLOW_NAME, clinical_review_workflow
from courses.models import LessonPage

pytestmark = pytest.mark.django_db


def edit_form(lesson: LessonPage, title: str, action: str) -> dict:
    """The lesson edit form as the admin posts it, with a new title."""
    citations = list(lesson.citations.all())
    data = {
        "title": title,
        "slug": lesson.slug,
        "summary": lesson.summary,
        "estimated_minutes": lesson.estimated_minutes,
        "body-count": "1",
        "body-0-type": "text",
        "body-0-value": '{"blocks":[{"key":"a","type":"unstyled","text":"Edited text.","depth":0,"inlineStyleRanges":[],"entityRanges":[]}],"entityMap":{}}',
        "body-0-deleted": "",
        "body-0-order": "0",
        "body-0-id": "",
        "competencies": [c.pk for c in lesson.competencies.all()],
        "citations-TOTAL_FORMS": str(len(citations)),
        "citations-INITIAL_FORMS": str(len(citations)),
        "citations-MIN_NUM_FORMS": "1",
        "citations-MAX_NUM_FORMS": "1000",
        "comments-TOTAL_FORMS": "0",
        "comments-INITIAL_FORMS": "0",
        "comments-MIN_NUM_FORMS": "0",
        "comments-MAX_NUM_FORMS": "1000",
        action: "1",
    }
    for i, citation in enumerate(citations):
        data.update(
            {
                f"citations-{i}-id": citation.pk,
                f"citations-{i}-source": citation.source_id,
                f"citations-{i}-passage": citation.passage,
                f"citations-{i}-ORDER": str(i + 1),
                f"citations-{i}-DELETE": "",
            }
        )
    return data


def test_the_course_tree_has_the_clinical_review_workflow(tree, roles):
    workflow = clinical_review_workflow()
    assert workflow is not None and workflow.name == WORKFLOW_NAME
    assert tree.lessons[0].get_workflow() == workflow


def test_instructor_cannot_publish_directly(client, tree, instructor):
    lesson = tree.lessons[0]
    client.force_login(instructor)
    response = client.post(
        f"/admin/pages/{lesson.pk}/edit/", edit_form(lesson, "Sneaky title", "action-publish")
    )
    assert response.status_code in (200, 302, 403)
    lesson.refresh_from_db()
    assert lesson.title != "Sneaky title"


def test_change_goes_live_only_after_reviewer_approves(client, tree, instructor, reviewer):
    lesson = tree.lessons[0]
    original_title = lesson.title

    client.force_login(instructor)
    response = client.post(
        f"/admin/pages/{lesson.pk}/edit/", edit_form(lesson, "Reviewed title", "action-submit")
    )
    assert response.status_code == 302, response.content[:2000]

    lesson.refresh_from_db()
    state = WorkflowState.objects.get(
        object_id=str(lesson.pk), status=WorkflowState.STATUS_IN_PROGRESS
    )
    assert lesson.title == original_title, "the live page must not change before approval"
    assert original_title.encode() in client.get(lesson.url).content

    client.force_login(reviewer)
    task_state = state.current_task_state
    response = client.post(
        f"/admin/pages/workflow/action/{lesson.pk}/approve/{task_state.pk}/",
        {"comment": "Clinically accurate."},
    )
    assert response.status_code in (200, 302)

    lesson.refresh_from_db()
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_APPROVED
    assert lesson.title == "Reviewed title"
    assert lesson.live
    assert b"Reviewed title" in client.get(lesson.url).content


def test_trainee_cannot_reach_the_admin(client, trainee):
    client.force_login(trainee)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response.url
