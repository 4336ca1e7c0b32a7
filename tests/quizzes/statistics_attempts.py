"""Graded attempts with chosen right and wrong answers, for the item-statistics tests."""

from __future__ import annotations

from courses.services import enrol
from quizzes import services
from quizzes.model_answers import correct_answer
from quizzes.models import Attempt, QuizPage
from tests.factories import UserFactory, make_question, make_quiz

KINDS = ["single_choice", "true_false", "multiple_response", "numeric"]
ALL_BLANK: dict[str, str | None] = dict.fromkeys(KINDS)


def learner(tree, name: str):
    """A trainee enrolled in the tree's course."""
    user = UserFactory(username=name, groups=["Trainees"])
    enrol(user, tree.course)
    return user


def answer(user, quiz: QuizPage, wrong: dict[str, str | None]) -> Attempt:
    """Submit an attempt: right answers except `wrong` ({question type: option text or None})."""
    attempt = services.start_attempt(user, quiz)
    for response in attempt.responses.all():
        snap, display = response.question_snapshot, response.display
        kind = snap["type"]
        if kind not in wrong:
            response.answer = correct_answer(snap, display)
        elif wrong[kind] is None:
            response.answer = None
        else:
            index = next(i for i, o in enumerate(snap["options"]) if o["text"] == wrong[kind])
            response.answer = display["tokens"][index]
        response.save(update_fields=["answer"])
    return services.submit_attempt(attempt.pk, user)[0]


def make_stats_quiz(tree) -> QuizPage:
    """A quiz (slug "stats") asking one question of each of KINDS, titled after its type."""
    questions = [make_question(k, title=f"A question about {k}") for k in KINDS]
    return make_quiz(tree.module, questions, slug="stats")


def take_stats_quiz(tree, quiz: QuizPage) -> list:
    """Four learners' first attempts, and a second (all blank) attempt by the first.

    Single choice: right, right, "25 mm", blank (then blank again); numeric right once.
    """
    users = [learner(tree, f"learner-{n}") for n in range(4)]
    answer(users[0], quiz, {})
    answer(users[1], quiz, {"numeric": None})
    answer(users[2], quiz, {"single_choice": "25 mm", "multiple_response": None, "numeric": None})
    answer(users[3], quiz, ALL_BLANK)
    answer(users[0], quiz, ALL_BLANK)
    return users


def take_case_quiz_three_times(tree, quiz: QuizPage) -> None:
    """Three learners: all right, only stage 1 right, all right (for per-stage figures)."""
    for n, right in enumerate([True, False, True]):
        user = learner(tree, f"case-{n}")
        attempt = services.start_attempt(user, quiz)
        for response in attempt.responses.all():
            if right or response.stage == 1:
                response.answer = correct_answer(response.question_snapshot, response.display)
                response.save(update_fields=["answer"])
        services.submit_attempt(attempt.pk, user)
