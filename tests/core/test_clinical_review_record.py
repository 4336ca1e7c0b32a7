"""The clinical review record: who approved a change and when, and the "last reviewed" line."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from wagtail.models import TaskState, WorkflowState

from core.models import ClinicalReview
from core.reviews import record_clinical_review
from quizzes.models import QuizPage
from tests.admin_editing import approve_from_editor, edit_form
from tests.factories import tagged_question

pytestmark = pytest.mark.django_db


def day(moment) -> str:
    return date_format(timezone.localtime(moment), "j F Y")


def submit_edit(client, lesson, instructor, title: str = "Reviewed title") -> TaskState:
    """The instructor's edit of `lesson`, sent to Clinical review; its task state."""
    client.force_login(instructor)
    response = client.post(
        f"/admin/pages/{lesson.pk}/edit/", edit_form(lesson, title, "action-submit")
    )
    assert response.status_code == 302, response.content[:2000]
    state = WorkflowState.objects.get(
        object_id=str(lesson.pk), status=WorkflowState.STATUS_IN_PROGRESS
    )
    return state.current_task_state


def act(client, user, lesson, task_state, action: str, comment: str = ""):
    client.force_login(user)
    return client.post(
        f"/admin/pages/workflow/action/{lesson.pk}/{action}/{task_state.pk}/",
        {"comment": comment},
    )


def publish_as_loader(page) -> None:
    """Publish `page` the way load_curriculum does: a new revision with no user."""
    page.refresh_from_db()
    page.save_revision(log_action=True).publish()
    page.refresh_from_db()


def test_approving_records_the_reviewer_and_time_once(client, tree, instructor, reviewer):
    reviewer.first_name, reviewer.last_name = "Ana", "Lee"
    reviewer.save()
    lesson = tree.lessons[0]
    task_state = submit_edit(client, lesson, instructor)
    before = timezone.now()
    response = act(client, reviewer, lesson, task_state, "approve", "Clinically accurate.")
    assert response.status_code in (200, 302)

    lesson.refresh_from_db()
    review = ClinicalReview.objects.get()
    assert review.page_id == lesson.pk and review.object_id == str(lesson.pk)
    assert review.reviewer == reviewer and review.reviewer_name == "Ana Lee"
    assert review.reviewer_role == "clinical reviewer"
    assert review.revision_id == lesson.live_revision_id, "the approved version is the live one"
    assert before - timedelta(seconds=5) <= review.reviewed_at <= timezone.now()
    assert review.comment == "Clinically accurate."

    # The signal arriving again for the same approval adds nothing.
    task_state.refresh_from_db()
    record_clinical_review(TaskState, task_state.specific, user=reviewer)
    assert ClinicalReview.objects.count() == 1


def test_the_pages_show_who_reviewed_and_when(client, tree, instructor, reviewer, trainee):
    reviewer.first_name, reviewer.last_name = "Ana", "Lee"
    reviewer.save()
    lesson = tree.lessons[0]
    act(client, reviewer, lesson, submit_edit(client, lesson, instructor), "approve")
    review = ClinicalReview.objects.get()

    client.force_login(trainee)
    html = client.get(lesson.url).content.decode()
    assert f"Last reviewed {day(review.reviewed_at)} by Ana Lee, clinical reviewer." in html
    # The module was never reviewed in the site: it says so rather than borrowing the lesson's.
    publish_as_loader(tree.module)
    html = client.get(tree.module.url).content.decode()
    assert "Last reviewed" not in html
    assert "not yet reviewed in the site" in html


def test_a_reviewer_without_a_name_is_shown_by_role_only(client, tree, instructor, reviewer):
    reviewer.first_name = reviewer.last_name = ""
    reviewer.save()
    lesson = tree.lessons[0]
    act(client, reviewer, lesson, submit_edit(client, lesson, instructor), "approve")
    client.force_login(reviewer)
    html = client.get(lesson.url).content.decode()
    assert "by a clinical reviewer." in html
    assert reviewer.username not in html.split("data-review-status")[1][:300]


def test_a_page_loaded_from_the_files_says_it_is_not_reviewed(client, tree, trainee):
    quiz = QuizPage(title="Module quiz", slug="module-quiz")
    tree.module.add_child(instance=quiz)
    for page in (tree.course, tree.module, tree.lessons[0], quiz):
        publish_as_loader(page)
    client.force_login(trainee)
    for page in (tree.course, tree.module, tree.lessons[0], quiz):
        html = client.get(page.url).content.decode()
        expected = (
            f"Loaded from the curriculum files on {day(page.last_published_at)}; "
            "not yet reviewed in the site."
        )
        assert expected in html, page.url
        assert "Last reviewed" not in html


def test_a_reload_after_a_review_says_the_update_is_unreviewed(
    client, tree, instructor, reviewer, trainee
):
    lesson = tree.lessons[0]
    act(client, reviewer, lesson, submit_edit(client, lesson, instructor), "approve")
    publish_as_loader(lesson)
    client.force_login(trainee)
    html = client.get(lesson.url).content.decode()
    assert "updated from the curriculum files on" in html
    assert "without a review since." in html


def test_a_rejected_review_records_nothing(client, tree, instructor, reviewer, trainee):
    lesson = tree.lessons[0]
    publish_as_loader(lesson)
    original_title = lesson.title
    task_state = submit_edit(client, lesson, instructor, title="Rejected title")
    response = act(client, reviewer, lesson, task_state, "reject", "Not supported by the source.")
    assert response.status_code in (200, 302)
    task_state.refresh_from_db()
    assert task_state.status == TaskState.STATUS_REJECTED
    assert not ClinicalReview.objects.exists()
    lesson.refresh_from_db()
    assert lesson.title == original_title
    client.force_login(trainee)
    assert "not yet reviewed in the site" in client.get(lesson.url).content.decode()


def test_an_instructor_cannot_approve_and_so_records_nothing(client, tree, instructor):
    lesson = tree.lessons[0]
    task_state = submit_edit(client, lesson, instructor)
    response = act(client, instructor, lesson, task_state, "approve")
    assert response.status_code in (302, 403)
    task_state.refresh_from_db()
    assert task_state.status == TaskState.STATUS_IN_PROGRESS
    assert not ClinicalReview.objects.exists()


def test_approving_a_snippet_records_it_without_a_page(client, instructor, reviewer):
    from tests.admin_editing import submit_from_editor

    question = tagged_question()
    url = f"/admin/snippets/quizzes/question/edit/{question.pk}/"
    submit_from_editor(client, url, instructor, title="Needle depth on the cheek")
    approve_from_editor(client, url, reviewer, title="Needle depth near the eye")
    question.refresh_from_db()
    review = ClinicalReview.objects.get()
    assert review.page_id is None and review.object_id == str(question.pk)
    assert review.reviewer == reviewer
    assert review.revision_id == question.live_revision_id, "the reviewer's own edit went live"
