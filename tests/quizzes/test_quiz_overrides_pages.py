"""Accommodations through the site: the learner's intro and timer, the admin, the audit log."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import ModelLogEntry

from accounts.models import User
from certification.models import ClinicMembership, ClinicQuizOverride, ClinicRole
from quizzes.models import QuizOverride
from quizzes.services import start_attempt
from tests.factories import UserFactory, make_question, make_quiz
from tests.factories.certification import ClinicFactory
from tests.quizzes.conftest import attempt_url, start

pytestmark = pytest.mark.django_db

ADD = "/admin/quizzes/accommodations/new/"
CLINIC_ADD = "/admin/certification/accommodations/new/"
LATER = datetime(2027, 1, 12, 17, 0, tzinfo=timezone.get_current_timezone())


@pytest.fixture
def timed_quiz(tree):
    return make_quiz(
        tree.module,
        [make_question("single_choice")],
        slug="timed",
        time_limit_minutes=30,
        attempts_allowed=3,
        closes_at=LATER - timedelta(days=30),
    )


def _logged(model) -> QuerySet:
    """The audit entries about `model`'s objects."""
    return ModelLogEntry.objects.filter(content_type=ContentType.objects.get_for_model(model))


def grant(quiz, user, **values) -> QuizOverride:
    return QuizOverride.objects.create(
        quiz=quiz, user=user, reason="Private medical reason.", **values
    )


def form(quiz, target: str, target_id: int, **values) -> dict:
    return {
        "quiz": quiz.pk,
        target: target_id,
        "extra_minutes": "15",
        "extra_attempts": "0",
        "closes_at": "",
        "reason": "Dyslexia assessment on file.",
        **values,
    }


def test_the_intro_tells_the_learner_their_accommodation(
    client, trainee, other_trainee, timed_quiz
):
    grant(timed_quiz, trainee, extra_minutes=15, extra_attempts=1, closes_at=LATER)
    client.force_login(trainee)
    html = client.get(timed_quiz.url).content.decode()
    assert (
        "you have 15 extra minutes (45 in all), 1 extra attempt (4 in all), "
        "until 12 Jan 2027, 17:00." in html
    )
    assert "0 used, 4 left" in html and "45 minutes" in html
    assert "Private medical reason" not in html  # the reason is for staff only
    client.force_login(other_trainee)
    html = client.get(timed_quiz.url).content.decode()
    assert "Your accommodation" not in html and "30 minutes" in html


def test_the_attempt_timer_counts_down_the_extended_time(client, trainee, timed_quiz):
    grant(timed_quiz, trainee, extra_minutes=15)
    client.force_login(trainee)
    attempt = start(client, timed_quiz)
    html = client.get(attempt_url(timed_quiz, attempt)).content.decode()
    seconds = int(html.split('data-seconds-left="')[1].split('"')[0])
    assert 44 * 60 < seconds <= 45 * 60


def test_a_closed_quiz_offers_no_start_but_a_later_date_does(client, trainee, tree):
    quiz = make_quiz(
        tree.module,
        [make_question("single_choice")],
        slug="closed",
        closes_at=timezone.now() - timedelta(days=1),
    )
    client.force_login(trainee)
    html = client.get(quiz.url).content.decode()
    assert "no new attempt can start" in html and "Start the quiz" not in html
    assert client.post(f"{quiz.url}start/").status_code == 302
    assert not trainee.attempts.exists()
    grant(quiz, trainee, closes_at=timezone.now() + timedelta(days=1))
    html = client.get(quiz.url).content.decode()
    assert "Start the quiz" in html
    start(client, quiz)
    assert trainee.attempts.count() == 1


def _intro_queries(client, quiz) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(quiz.url).status_code == 200
    return len(queries)


def test_the_intro_costs_the_same_queries_with_any_number_of_overrides(client, trainee, timed_quiz):
    client.force_login(trainee)
    _intro_queries(client, timed_quiz)  # warm caches (site root, etc.)
    bare = _intro_queries(client, timed_quiz)
    grant(timed_quiz, trainee, extra_minutes=5)
    for name in ("Riverside", "Harbour", "Lakeside"):
        clinic = ClinicFactory(name=name)
        ClinicMembership.objects.create(clinic=clinic, user=trainee, role=ClinicRole.STAFF)
        ClinicQuizOverride.objects.create(
            quiz=timed_quiz, clinic=clinic, reason="Shifts.", extra_attempts=1
        )
    for _ in range(2):
        start_attempt(trainee, timed_quiz).delete()
    assert _intro_queries(client, timed_quiz) == bare


def test_an_instructor_grants_edits_and_removes_an_accommodation_audited(
    client, instructor, trainee, timed_quiz
):
    client.force_login(instructor)
    assert client.get(ADD).status_code == 200
    response = client.post(ADD, form(timed_quiz, "user", trainee.pk))
    assert response.status_code == 302, response.content.decode()[:2000]
    made = QuizOverride.objects.get()
    assert (made.extra_minutes, made.created_by) == (15, instructor)
    entry = ModelLogEntry.objects.get(action="quizzes.override.create")
    assert entry.user == instructor
    assert entry.data["extra_minutes"] == 15 and entry.data["user"] == trainee.pk
    assert entry.data["reason"] == "Dyslexia assessment on file."

    edit = f"/admin/quizzes/accommodations/edit/{made.pk}/"
    response = client.post(edit, form(timed_quiz, "user", trainee.pk, extra_minutes="20"))
    assert response.status_code == 302
    made.refresh_from_db()
    assert made.extra_minutes == 20
    assert ModelLogEntry.objects.get(action="quizzes.override.edit").data["extra_minutes"] == 20

    assert client.get("/admin/quizzes/accommodations/").status_code == 200
    response = client.post(f"/admin/quizzes/accommodations/delete/{made.pk}/")
    assert response.status_code == 302
    assert not QuizOverride.objects.exists()
    assert ModelLogEntry.objects.filter(action="quizzes.override.delete").count() == 1
    assert set(_logged(QuizOverride).values_list("action", flat=True)) == {
        "quizzes.override.create",
        "quizzes.override.edit",
        "quizzes.override.delete",
    }  # Wagtail's own generic entries are replaced, not doubled


def test_an_accommodation_that_grants_nothing_is_refused_in_the_form(
    client, instructor, trainee, timed_quiz
):
    client.force_login(instructor)
    response = client.post(ADD, form(timed_quiz, "user", trainee.pk, extra_minutes="-3"))
    assert response.status_code == 200
    assert "greater than or equal to 0" in response.content.decode()
    response = client.post(ADD, form(timed_quiz, "user", trainee.pk, extra_minutes="0"))
    assert response.status_code == 200
    assert "Give at least one accommodation" in response.content.decode()
    assert not QuizOverride.objects.exists() and not _logged(QuizOverride).exists()


def test_an_instructor_grants_a_clinics_staff_an_accommodation(
    client, instructor, trainee, timed_quiz
):
    clinic = ClinicFactory(name="Riverside")
    ClinicMembership.objects.create(clinic=clinic, user=trainee, role=ClinicRole.STAFF)
    client.force_login(instructor)
    response = client.post(CLINIC_ADD, form(timed_quiz, "clinic", clinic.pk, extra_minutes="10"))
    assert response.status_code == 302, response.content.decode()[:2000]
    made = ClinicQuizOverride.objects.get()
    assert made.created_by == instructor
    entry = ModelLogEntry.objects.get(action="quizzes.override.create")
    assert entry.data["clinic"] == clinic.pk
    client.force_login(trainee)
    assert "10 extra minutes (40 in all)" in client.get(timed_quiz.url).content.decode()


def _manager() -> User:
    user = UserFactory(username="manager-a", groups=["Clinic managers"])
    clinic = ClinicFactory(name="Riverside")
    ClinicMembership.objects.create(clinic=clinic, user=user, role=ClinicRole.MANAGER)
    return user


@pytest.mark.parametrize("who", ["trainee", "manager", "reviewer"])
def test_trainees_managers_and_reviewers_cannot_manage_accommodations(
    client, request, who, trainee, timed_quiz
):
    user = _manager() if who == "manager" else request.getfixturevalue(who)
    made = grant(timed_quiz, trainee, extra_minutes=5)
    client.force_login(user)
    for url in (
        "/admin/quizzes/accommodations/",
        ADD,
        f"/admin/quizzes/accommodations/edit/{made.pk}/",
        CLINIC_ADD,
    ):
        assert client.get(url).status_code in (302, 403)
    refused = client.post(ADD, form(timed_quiz, "user", trainee.pk, extra_minutes="50"))
    assert refused.status_code in (302, 403)
    refused = client.post(f"/admin/quizzes/accommodations/delete/{made.pk}/")
    assert refused.status_code in (302, 403)
    assert list(QuizOverride.objects.values_list("extra_minutes", flat=True)) == [5]
    assert not _logged(QuizOverride).exists()


def test_the_demo_trainee_sees_their_accommodation(client, demo):
    made = QuizOverride.objects.select_related("quiz", "user").get()
    assert made.user.username == "trainee" and made.created_by.username == "instructor"
    assert _logged(QuizOverride).filter(action="quizzes.override.create").count() == 1
    client.force_login(made.user)
    assert "1 extra attempt (4 in all)" in client.get(made.quiz.url).content.decode()
