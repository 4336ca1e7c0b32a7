"""Content edits never delete learner records, and unpublishing hides nothing a learner earned."""

import pytest
from django.db.models import ProtectedError

from courses.models import LessonCompletion, LessonPage, ModulePage
from courses.services import complete_lesson
from quizzes.models import Attempt, QuizPage
from tests.factories import make_question, make_quiz, take_quiz

pytestmark = pytest.mark.django_db


@pytest.fixture
def quiz(tree):
    return make_quiz(tree.module, [make_question()])


def test_deleting_a_lesson_with_completions_is_refused_with_the_count(
    client, admin_user, tree, trainee
):
    lesson = tree.lessons[0]
    complete_lesson(trainee, lesson)
    client.force_login(admin_user)

    confirm = client.get(f"/admin/pages/{lesson.pk}/delete/")
    assert confirm.status_code == 409
    assert "1 lesson completion" in confirm.content.decode()
    assert "Unpublish" in confirm.content.decode()

    response = client.post(f"/admin/pages/{lesson.pk}/delete/")
    assert response.status_code == 409
    assert LessonPage.objects.filter(pk=lesson.pk).exists()
    assert LessonCompletion.objects.filter(lesson=lesson, user=trainee).exists()


def test_deleting_a_module_refuses_for_records_anywhere_below_it(
    client, admin_user, tree, trainee, quiz
):
    take_quiz(trainee, quiz, right=True)
    client.force_login(admin_user)
    response = client.post(f"/admin/pages/{tree.module.pk}/delete/")
    assert response.status_code == 409
    assert "1 quiz attempt" in response.content.decode()
    assert ModulePage.objects.filter(pk=tree.module.pk).exists()
    assert Attempt.objects.filter(quiz=quiz).count() == 1


def test_deleting_a_quiz_with_attempts_is_refused_not_a_server_error(
    client, admin_user, trainee, quiz
):
    take_quiz(trainee, quiz, right=False)
    client.force_login(admin_user)
    response = client.post(f"/admin/pages/{quiz.pk}/delete/")
    assert response.status_code == 409
    assert trainee.username not in response.content.decode(), "the refusal names no learner"
    assert QuizPage.objects.filter(pk=quiz.pk).exists()


def test_deleting_the_course_counts_enrolments(client, admin_user, tree, trainee):
    client.force_login(admin_user)
    response = client.get(f"/admin/pages/{tree.course.pk}/delete/")
    assert response.status_code == 409
    assert "1 enrolment<" in response.content.decode()


def test_a_page_without_learner_records_is_deleted_as_usual(client, admin_user, tree):
    lesson = tree.lessons[0]
    client.force_login(admin_user)
    assert client.get(f"/admin/pages/{lesson.pk}/delete/").status_code == 200
    response = client.post(f"/admin/pages/{lesson.pk}/delete/")
    assert response.status_code == 302
    assert not LessonPage.objects.filter(pk=lesson.pk).exists()


def test_bulk_deleting_pages_with_learner_records_is_refused(client, admin_user, tree, trainee):
    complete_lesson(trainee, tree.lessons[1])
    client.force_login(admin_user)
    ids = "&".join(f"id={lesson.pk}" for lesson in tree.lessons)
    url = f"/admin/bulk/wagtailcore/page/delete/?{ids}&next=/admin/"
    response = client.post(url)
    assert response.status_code == 409
    assert LessonPage.objects.filter(pk__in=[p.pk for p in tree.lessons]).count() == 3


def test_the_database_refuses_to_cascade_learner_records_away(tree, trainee):
    complete_lesson(trainee, tree.lessons[0])
    with pytest.raises(ProtectedError):
        tree.lessons[0].delete()


def test_an_unpublished_quiz_still_shows_its_learner_their_past_result(
    client, trainee, other_trainee, quiz
):
    attempt = take_quiz(trainee, quiz, right=True)
    result_url = f"{quiz.url}attempt/{attempt.pk}/result/"
    intro_url = quiz.url
    quiz.unpublish()

    client.force_login(trainee)
    response = client.get(result_url)
    assert response.status_code == 200
    assert "100" in response.content.decode()
    assert client.get(intro_url).status_code == 404, "no new attempts on an unpublished quiz"
    assert client.get(f"{intro_url}start/").status_code == 404

    client.force_login(other_trainee)
    assert client.get(result_url).status_code == 404
