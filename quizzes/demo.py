"""A simulated cohort's graded attempts, so the item statistics report has figures that mean
something in the demo (dev and test settings only; `load_demo` calls it).

Forty learners of spread ability answer every live quiz once. Each question gets a difficulty;
a learner gets it right with the logistic chance of ability minus difficulty (a Rasch model),
so the figures look like a real cohort's: some questions easy, most discriminating. One question
per quiz is answered at a coin toss whatever the ability, so the report has a poor
discriminator to flag. Seeded, so every run gives the same figures.

Fast: attempts and responses are built in memory with the real snapshots, display orders and
grading (quizzes.snapshots, quizzes.grading) and written with bulk_create, a few queries per
quiz. The learners are an obvious cohort ("Simulated cohort" group, usernames cohort-NN, no
usable password), enrolled nowhere and in no clinic, so no dashboard counts them as staff.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from quizzes.grading import grade, score_for
from quizzes.lifecycle import attempt_totals
from quizzes.model_answers import WORKED_ESSAY, correct_answer
from quizzes.models import Attempt, AttemptState, ClinicalCase, QuizPage, Response
from quizzes.services import new_attempt, pick_questions
from quizzes.snapshots import make_display, snapshot_case, snapshot_question

COHORT_GROUP = "Simulated cohort"
COHORT_SIZE = 40
SEED = 20240612
CHOICE_KINDS = ("single_choice", "true_false", "multiple_response")


def _chance(ability: float, difficulty: float) -> float:
    return 1 / (1 + math.exp(difficulty - ability))


def _wrong_answer(snapshot: dict[str, Any], display: dict[str, Any], rng: random.Random) -> Any:
    """A plausible wrong answer: a distractor (the first ones more tempting), else blank."""
    kind, options, tokens = snapshot["type"], snapshot["options"], display.get("tokens", [])
    if kind not in CHOICE_KINDS:
        return None
    wrong = [tokens[i] for i, o in enumerate(options) if not o["is_correct"]]
    if kind in ("single_choice", "true_false") and wrong:
        return wrong[min(int(rng.expovariate(1.2)), len(wrong) - 1)]
    if kind == "multiple_response" and wrong:
        right = [tokens[i] for i, o in enumerate(options) if o["is_correct"]]
        return sorted([*right[: max(len(right) - 1, 0)], rng.choice(wrong)])
    return None


def cohort() -> list[Any]:
    """The simulated learners, created on the first run (unusable passwords, no clinic)."""
    User = get_user_model()
    group, _ = Group.objects.get_or_create(name=COHORT_GROUP)
    names = [f"cohort-{n:02d}" for n in range(1, COHORT_SIZE + 1)]
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    new = []
    for name in names:
        if name in existing:
            continue
        user = User(
            username=name,
            first_name="Cohort learner",
            last_name=name.removeprefix("cohort-"),
            email=f"{name}@cohort.hfs-academy.test",
        )
        user.set_unusable_password()
        new.append(user)
    User.objects.bulk_create(new)
    users = list(User.objects.filter(username__in=names).order_by("username"))
    group.user_set.add(*users)
    return users


def _simulate_quiz(
    quiz: QuizPage, learners: list[tuple[Any, float]], rng: random.Random, when: datetime
) -> None:
    questions = pick_questions(quiz, rng)
    if not questions:
        return
    case_snapshot = None
    if quiz.is_case_quiz:
        case = ClinicalCase.objects.filter(pk=quiz.case_id, live=True).first()
        if case is None:
            return
        case_snapshot = snapshot_case(case)
    snapshots = [snapshot_question(q, options=list(q.options.all())) for q, _ in questions]
    difficulty = [rng.uniform(-2.0, 1.5) for _ in questions]
    difficulty[0] = -4.5  # one question nearly everyone gets right: flagged as too easy
    coin_toss = rng.randrange(1, len(questions)) if len(questions) > 1 else 0
    attempts, answers = [], []
    for user, ability in learners:
        started = when - timedelta(days=rng.randint(1, 60), minutes=rng.randint(0, 600))
        attempt = new_attempt(user, quiz, 1, questions, case_snapshot, started)
        attempt.state = AttemptState.GRADED
        attempt.submitted_at = attempt.graded_at = started + timedelta(minutes=rng.randint(5, 30))
        attempt.current_stage = attempt.stage_count if case_snapshot else 0
        responses = []
        for position, ((question, stage), snapshot) in enumerate(
            zip(questions, snapshots, strict=True), start=1
        ):
            display = make_display(snapshot, shuffle=quiz.shuffle_options, rng=rng)
            loose: tuple[Any, Any] = (snapshot, display)  # the model answer reads plain dicts
            chance = (
                0.5 if position - 1 == coin_toss else _chance(ability, difficulty[position - 1])
            )
            right = rng.random() < chance
            answer = correct_answer(*loose) if right else _wrong_answer(*loose, rng)
            fraction = grade(snapshot, display, answer).fraction
            if snapshot["type"] == "essay":  # graded by the instructor, as ability allows
                answer = WORKED_ESSAY
                fraction = Decimal(str(round(max(0.2, min(1.0, chance + 0.1)), 2)))
            responses.append(
                Response(
                    position=position,
                    stage=stage,
                    question=question,
                    question_snapshot=snapshot,
                    display=display,
                    max_score=question.points,
                    answer=answer,
                    answered_at=attempt.submitted_at,
                    fraction=fraction,
                    score=score_for(question.points, fraction),
                )
            )
        result = attempt_totals(attempt, responses)
        attempt.score, attempt.percent, attempt.passed = (
            result.score,
            result.percent,
            result.passed,
        )
        attempts.append(attempt)
        answers.append(responses)
    Attempt.objects.bulk_create(attempts)
    for attempt, responses in zip(attempts, answers, strict=True):
        for response in responses:
            response.attempt = attempt
    Response.objects.bulk_create([r for responses in answers for r in responses])


def load_cohort_attempts(quizzes: list[QuizPage]) -> int:
    """Each cohort learner's graded first attempt at each quiz (first run only); how many."""
    learners = cohort()
    if Attempt.objects.filter(user__in=learners).exists():
        return 0
    rng = random.Random(SEED)  # noqa: S311  # repeatable demo figures, not a secret
    abilities = [(user, rng.gauss(0.0, 1.2)) for user in learners]
    when = timezone.now()
    for quiz in quizzes:
        _simulate_quiz(quiz, abilities, rng, when)
    return len(learners) * len(quizzes)
