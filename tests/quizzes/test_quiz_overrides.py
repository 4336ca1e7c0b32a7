"""Accommodations (quiz overrides), as services: what applies, what an attempt keeps, validation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from certification.models import ClinicMembership, ClinicQuizOverride, ClinicRole
from quizzes.errors import AttemptLimitReached, QuizClosed
from quizzes.models import QuizOverride
from quizzes.overrides import rules_for
from quizzes.services import start_attempt, submit_attempt
from tests.factories import make_question, make_quiz
from tests.factories.certification import ClinicFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


@pytest.fixture
def timed_quiz(tree):
    """30 minutes, 3 attempts, closing in ten days."""
    return make_quiz(
        tree.module,
        [make_question("single_choice")],
        slug="timed",
        time_limit_minutes=30,
        attempts_allowed=3,
        closes_at=NOW + timedelta(days=10),
    )


def override(quiz, user, **values) -> QuizOverride:
    """A validated learner override (as the admin form saves it)."""
    made = QuizOverride(quiz=quiz, user=user, reason="Dyslexia: extra reading time.", **values)
    made.full_clean()
    made.save()
    return made


def clinic_override(quiz, clinic, **values) -> ClinicQuizOverride:
    made = ClinicQuizOverride(quiz=quiz, clinic=clinic, reason="Night shifts.", **values)
    made.full_clean()
    made.save()
    return made


def staff_of(user, *names: str) -> list:
    clinics = [ClinicFactory(name=name) for name in names]
    for clinic in clinics:
        ClinicMembership.objects.create(clinic=clinic, user=user, role=ClinicRole.STAFF)
    return clinics


def test_the_override_is_copied_onto_the_attempt_at_start(trainee, timed_quiz):
    made = override(timed_quiz, trainee, extra_minutes=15, extra_attempts=1)
    attempt = start_attempt(trainee, timed_quiz, now=NOW)
    assert attempt.deadline == NOW + timedelta(minutes=45)
    assert attempt.accommodation == {
        "overrides": [{"kind": "user", "id": made.pk}],
        "extra_minutes": 15,
        "extra_attempts": 1,
        "closes_at": None,
    }


def test_without_an_override_the_quiz_rules_apply(trainee, other_trainee, timed_quiz):
    override(timed_quiz, other_trainee, extra_minutes=15)
    attempt = start_attempt(trainee, timed_quiz, now=NOW)
    assert attempt.deadline == NOW + timedelta(minutes=30)
    assert attempt.accommodation is None


def test_a_learners_override_beats_their_clinics_each_accommodation_apart(trainee, timed_quiz):
    riverside, harbour = staff_of(trainee, "Riverside", "Harbour")
    clinic_override(timed_quiz, riverside, extra_minutes=20, extra_attempts=1)
    clinic_override(timed_quiz, harbour, extra_minutes=5, extra_attempts=2)
    assert rules_for(trainee, timed_quiz).time_limit_minutes == 50  # most generous clinic
    own = override(timed_quiz, trainee, extra_minutes=10)
    rules = rules_for(trainee, timed_quiz)
    assert rules.time_limit_minutes == 40  # the learner's own, though smaller
    assert rules.attempts_allowed == 5  # left unset by the learner: the most generous clinic
    kinds = [kind for kind, _ in rules.granted.overrides]
    assert kinds == ["user", "clinic"] and own.pk == rules.granted.overrides[0][1]


def test_a_clinics_override_reaches_its_staff_only(trainee, other_trainee, timed_quiz):
    (clinic,) = staff_of(trainee, "Riverside")
    ClinicMembership.objects.create(clinic=clinic, user=other_trainee, role=ClinicRole.MANAGER)
    clinic_override(timed_quiz, clinic, extra_minutes=20)
    assert rules_for(trainee, timed_quiz).time_limit_minutes == 50
    assert rules_for(other_trainee, timed_quiz).time_limit_minutes == 30


def test_extra_attempts_allow_one_more_start(trainee, tree):
    quiz = make_quiz(tree.module, [make_question("single_choice")], slug="once", attempts_allowed=1)
    submit_attempt(start_attempt(trainee, quiz, now=NOW).pk, trainee, now=NOW)
    with pytest.raises(AttemptLimitReached):
        start_attempt(trainee, quiz, now=NOW)
    override(quiz, trainee, extra_attempts=1)
    second = start_attempt(trainee, quiz, now=NOW)
    assert second.number == 2
    submit_attempt(second.pk, trainee, now=NOW)
    with pytest.raises(AttemptLimitReached, match="all 2 attempts"):
        start_attempt(trainee, quiz, now=NOW)


def test_the_close_date_stops_new_attempts_and_caps_the_deadline(trainee, tree):
    closes = NOW + timedelta(minutes=10)
    quiz = make_quiz(
        tree.module,
        [make_question("single_choice")],
        slug="closing",
        time_limit_minutes=30,
        closes_at=closes,
    )
    attempt = start_attempt(trainee, quiz, now=NOW)
    assert attempt.deadline == closes  # the earlier of the time limit and the close date
    submit_attempt(attempt.pk, trainee, now=NOW)
    with pytest.raises(QuizClosed):
        start_attempt(trainee, quiz, now=closes)


def test_a_later_close_date_lets_the_learner_start_after_the_quiz_closed(
    trainee, other_trainee, tree
):
    closes = NOW - timedelta(days=1)
    quiz = make_quiz(tree.module, [make_question("single_choice")], slug="closed", closes_at=closes)
    later = NOW + timedelta(hours=2)
    override(quiz, trainee, closes_at=later)
    with pytest.raises(QuizClosed):
        start_attempt(other_trainee, quiz, now=NOW)
    attempt = start_attempt(trainee, quiz, now=NOW)
    assert attempt.deadline == later  # no time limit: the learner's close date ends it
    assert attempt.accommodation["closes_at"] == later.isoformat()


def test_editing_or_deleting_an_override_never_changes_a_started_attempt(trainee, timed_quiz):
    made = override(timed_quiz, trainee, extra_minutes=15)
    attempt = start_attempt(trainee, timed_quiz, now=NOW)
    kept = (attempt.deadline, attempt.accommodation)
    made.extra_minutes = 60
    made.save()
    attempt.refresh_from_db()
    assert (attempt.deadline, attempt.accommodation) == kept
    made.delete()
    attempt.refresh_from_db()
    assert (attempt.deadline, attempt.accommodation) == kept


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({}, "__all__", "at least one accommodation"),
        ({"extra_minutes": -5}, "extra_minutes", "greater than or equal to 0"),
        ({"extra_attempts": -1}, "extra_attempts", "greater than or equal to 0"),
        ({"closes_at": NOW}, "closes_at", "after the quiz's own close date"),
        ({"extra_minutes": 5, "reason": "   "}, "reason", "Say why"),
    ],
)
def test_bad_overrides_are_refused_with_a_clear_error(trainee, timed_quiz, values, field, message):
    values = {"reason": "Needs it.", **values}
    made = QuizOverride(quiz=timed_quiz, user=trainee, **values)
    with pytest.raises(ValidationError) as refused:
        made.full_clean()
    assert message in " ".join(refused.value.message_dict[field])
    assert not QuizOverride.objects.exists()


def test_an_accommodation_that_changes_nothing_is_refused(trainee, tree):
    quiz = make_quiz(tree.module, [make_question("single_choice")], slug="open", attempts_allowed=0)
    made = QuizOverride(
        quiz=quiz,
        user=trainee,
        reason="Needs it.",
        extra_minutes=10,
        extra_attempts=1,
        closes_at=NOW + timedelta(days=1),
    )
    with pytest.raises(ValidationError) as refused:
        made.full_clean()
    assert set(refused.value.message_dict) == {"extra_minutes", "extra_attempts", "closes_at"}


def test_one_override_per_learner_and_quiz(trainee, timed_quiz):
    override(timed_quiz, trainee, extra_minutes=5)
    second = QuizOverride(quiz=timed_quiz, user=trainee, reason="Again.", extra_minutes=10)
    with pytest.raises(ValidationError):
        second.full_clean()
