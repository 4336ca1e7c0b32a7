"""Clinical review: an instructor's change goes live only after a reviewer approves it."""

import pytest
from wagtail.log_actions import registry as log_registry
from wagtail.models import WorkflowState

from core.roles import WORKFLOW_NAME, clinical_review_workflow
from tests.admin_editing import (
    approve_from_editor,
    edit_form,
    make_case,
    make_checklist,
    submit_from_editor,
)
from tests.factories import tagged_question

pytestmark = pytest.mark.django_db


def test_the_course_tree_has_the_clinical_review_workflow(tree, roles):
    workflow = clinical_review_workflow()
    assert workflow is not None and workflow.name == WORKFLOW_NAME
    assert tree.lessons[0].get_workflow() == workflow


def test_setting_up_roles_reads_in_a_few_queries_and_again_writes_nothing(tree):
    """`ensure_roles` reads what exists in a few queries (every permission in one) and, run
    again, writes nothing; it used to look each permission up on its own (210 queries)."""
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from wagtail.models import GroupCollectionPermission, GroupPagePermission

    from core.roles import ensure_roles

    with CaptureQueriesContext(connection) as first:
        groups = ensure_roles(tree.index)
    granted = {
        "groups": {
            g.name: sorted(g.permissions.values_list("codename", flat=True))
            for g in Group.objects.all()
        },
        "pages": sorted(
            GroupPagePermission.objects.values_list("group__name", "permission__codename")
        ),
        "collections": sorted(
            GroupCollectionPermission.objects.values_list("group__name", "permission__codename")
        ),
    }
    with CaptureQueriesContext(connection) as again:
        assert ensure_roles(tree.index) == groups
    writes = [
        q["sql"]
        for q in again
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert len(first) <= 50, len(first)
    assert len(again) <= 25, len(again)
    assert writes == []
    assert granted["pages"] and granted["collections"]
    assert ("Instructors", "publish_page") not in granted["pages"]
    assert ("Clinical reviewers", "publish_page") in granted["pages"]
    assert "access_admin" in granted["groups"]["Instructors"]
    assert "access_admin" not in granted["groups"]["Assessors"]


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


# Approving from the edit view ---------------------------------------------------------------


REVIEWED_SNIPPETS = {
    "question": (tagged_question, "quizzes/question"),
    "clinical case": (make_case, "quizzes/clinicalcase"),
    "skill checklist": (make_checklist, "certification/skillchecklist"),
}


def publications(instance) -> int:
    return log_registry.get_logs_for_instance(instance).filter(action="wagtail.publish").count()


def assert_approved_and_published_once(instance, published_before: int, title: str) -> None:
    instance.refresh_from_db()
    state = WorkflowState.objects.for_instance(instance).get()
    assert state.status == WorkflowState.STATUS_APPROVED, state.status
    assert state.task_states.count() == 1, "approval restarted the review step"
    assert instance.live and not instance.has_unpublished_changes
    assert instance.title == title
    assert publications(instance) == published_before + 1


@pytest.mark.parametrize("kind", REVIEWED_SNIPPETS)
def test_reviewer_approving_from_edit_view_publishes_once(client, kind, instructor, reviewer):
    make, url_part = REVIEWED_SNIPPETS[kind]
    instance = make()
    url = f"/admin/snippets/{url_part}/edit/{instance.pk}/"
    published_before = publications(instance)

    submit_from_editor(client, url, instructor, title="Needle depth on the cheek")
    instance.refresh_from_db()
    assert instance.title != "Needle depth on the cheek", (
        "an instructor's edit must wait for review"
    )

    client.force_login(reviewer)
    assert "Approve and Publish" in client.get(url).content.decode()
    approve_from_editor(client, url, reviewer)
    assert_approved_and_published_once(instance, published_before, "Needle depth on the cheek")


def test_reviewer_edit_made_while_approving_is_what_goes_live(client, instructor, reviewer):
    question = tagged_question()
    url = f"/admin/snippets/quizzes/question/edit/{question.pk}/"
    published_before = publications(question)
    submit_from_editor(client, url, instructor, title="Needle depth on the cheek")
    approve_from_editor(client, url, reviewer, title="Needle depth near the eye")
    assert_approved_and_published_once(question, published_before, "Needle depth near the eye")


def test_reviewer_approving_a_page_from_edit_view_publishes_once(
    client, tree, instructor, reviewer
):
    lesson = tree.lessons[0]
    url = f"/admin/pages/{lesson.pk}/edit/"
    published_before = publications(lesson)
    client.force_login(instructor)
    response = client.post(url, edit_form(lesson, "Needle depth on the cheek", "action-submit"))
    assert response.status_code == 302, response.content[:2000]

    client.force_login(reviewer)
    assert "Approve and Publish" in client.get(url).content.decode()
    lesson.refresh_from_db()
    data = edit_form(lesson, "Needle depth on the cheek", "action-workflow-action")
    response = client.post(url, data | {"workflow-action-name": "approve"})
    assert response.status_code == 302, response.content[:2000]
    assert_approved_and_published_once(lesson, published_before, "Needle depth on the cheek")
