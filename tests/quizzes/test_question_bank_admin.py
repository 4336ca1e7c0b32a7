"""Authoring questions and quizzes in the admin, under Clinical review."""

import pytest
from wagtail.models import WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from quizzes.models import Question, QuizPage
from tests.factories import (
    CompetencyFactory,
    QuestionCategoryFactory,
    SourceFactory,
    make_objective,
    make_question,
)

pytestmark = pytest.mark.django_db


def question_form(**overrides) -> dict:
    source, category, competency = SourceFactory(), QuestionCategoryFactory(), CompetencyFactory()
    data = {
        "title": "Depth limit on the cheek",
        "key": "depth-limit",
        "question_type": "single_choice",
        "category": category.pk,
        "points": "1",
        "stem": rich_text("<p>How deep?</p>"),
        "explanation": rich_text("<p>Under 10 mm.</p>"),
        "source": source.pk,
        "passage": "treatment paragraph",
        "numeric_tolerance": "0",
        "options": inline_formset(
            [
                {"text": "Under 10 mm", "is_correct": True, "feedback": "Right.", "match": ""},
                {"text": "25 mm", "is_correct": False, "feedback": "Needle length.", "match": ""},
            ]
        ),
    }
    data.update(overrides)
    form = nested_form_data(data)
    form["competencies"] = [competency.pk]
    form["objectives"] = [make_objective().pk]
    form["level"] = "application"
    return form


def test_instructor_submits_a_question_and_a_reviewer_approves_it(client, instructor, reviewer):
    client.force_login(instructor)
    response = client.post(
        "/admin/snippets/quizzes/question/add/", question_form() | {"action-submit": "1"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    question = Question.objects.get(key="depth-limit")
    assert not question.live, "an instructor's question must not go live before review"
    state = WorkflowState.objects.get(
        object_id=str(question.pk), status=WorkflowState.STATUS_IN_PROGRESS
    )

    client.force_login(reviewer)
    url = f"/admin/snippets/quizzes/question/workflow/action/{question.pk}/approve/{state.current_task_state.pk}/"
    assert client.post(url, {"comment": ""}).status_code in (200, 302)
    question.refresh_from_db()
    assert question.live


def test_a_choice_question_needs_exactly_one_correct_option(client, admin_user):
    client.force_login(admin_user)
    bad = question_form(
        options=inline_formset(
            [
                {"text": "A", "is_correct": False, "feedback": "x", "match": ""},
                {"text": "B", "is_correct": False, "feedback": "y", "match": ""},
            ]
        )
    )
    response = client.post("/admin/snippets/quizzes/question/add/", bad | {"action-publish": "1"})
    assert response.status_code == 200
    assert "Mark exactly one option correct." in response.content.decode()
    assert not Question.objects.filter(key="depth-limit", live=True).exists()


def test_options_without_feedback_are_refused(client, admin_user):
    client.force_login(admin_user)
    bad = question_form(
        options=inline_formset(
            [
                {"text": "A", "is_correct": True, "feedback": "", "match": ""},
                {"text": "B", "is_correct": False, "feedback": "", "match": ""},
            ]
        )
    )
    response = client.post("/admin/snippets/quizzes/question/add/", bad | {"action-publish": "1"})
    assert "Every option needs feedback" in response.content.decode()


def test_question_preview_shows_the_trainee_view_and_the_answers_mode(client, admin_user):
    client.force_login(admin_user)
    url = "/admin/snippets/quizzes/question/preview/"
    posted = client.post(url, question_form())
    assert posted.json()["is_valid"] is True
    trainee_view = client.get(url).content.decode()
    assert "How deep?" in trainee_view and "Under 10 mm" in trainee_view
    assert "Needle length." not in trainee_view, "the trainee view must not show feedback"
    answers = client.get(url, {"mode": "answers"}).content.decode()
    assert "Needle length." in answers and "Under 10 mm." in answers


def test_admin_creates_a_quiz_page_under_a_module(client, admin_user, tree):
    question = make_question()
    client.force_login(admin_user)
    data = nested_form_data(
        {
            "title": "Check yourself",
            "slug": "check",
            "intro": rich_text("<p>Five minutes.</p>"),
            "pass_mark": "80",
            "attempts_allowed": "2",
            "time_limit_minutes": "10",
            "shuffle_questions": "on",
            "review_policy": "correctness",
            "fixed_questions": inline_formset([{"question": question.pk}]),
            "random_draws": inline_formset([]),
            "action-publish": "1",
        }
    )
    response = client.post(f"/admin/pages/add/quizzes/quizpage/{tree.module.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    quiz = QuizPage.objects.get(slug="check")
    assert quiz.live and quiz.pass_mark == 80 and quiz.fixed_questions.count() == 1


def test_random_draws_pick_from_the_category(client, trainee, tree):
    from quizzes import services
    from quizzes.models import QuizRandomDraw
    from tests.factories import make_quiz

    category = QuestionCategoryFactory()
    pool = [make_question(category=category) for _ in range(6)]
    quiz = make_quiz(tree.module, [], slug="drawn")
    quiz.random_draws = [QuizRandomDraw(category=category, count=4)]
    quiz.save_revision().publish()
    attempt = services.start_attempt(trainee, quiz)
    drawn = {r.question_id for r in attempt.responses.all()}
    assert len(drawn) == 4 and drawn <= {q.pk for q in pool}


def test_unpublished_questions_are_never_asked(client, trainee, tree):
    from quizzes import services
    from tests.factories import make_quiz

    live, hidden = make_question(), make_question()
    hidden.unpublish()
    quiz = make_quiz(tree.module, [live, hidden], slug="mixed")
    attempt = services.start_attempt(trainee, quiz)
    assert [r.question_id for r in attempt.responses.all()] == [live.pk]
