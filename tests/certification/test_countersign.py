"""The two-person rule: a second, different assessor countersigns a passed assessment's
must-pass items; the certificate waits for it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from wagtail.models import ModelLogEntry

from certification.countersign import ALREADY, awaiting_countersign, countersign_assessment
from certification.models import Certificate, Countersignature, Programme
from certification.rules import CertificationError
from tests.certification.chairside import (  # noqa: F401  (fixtures)
    ROLES,
    checklist_fixture,
    client_as,
    people_fixture,
    second_assessor_fixture,
)
from tests.certification.conftest import assess, finish_course
from tests.factories import make_question, make_quiz

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(trainee, instructor, checklist):
    return assess(trainee, instructor, checklist)


def test_a_second_assessor_countersigns_once_and_the_trainee_is_told(
    signed, second_assessor, trainee
):
    made = countersign_assessment(signed.pk, second_assessor, "  Safe depth confirmed. ")
    assert made.comment == "Safe depth confirmed." and made.countersigned_by == second_assessor
    entry = ModelLogEntry.objects.get(action="certification.assessment.countersign")
    assert entry.user_id == second_assessor.pk and entry.object_id == str(signed.pk)
    assert trainee.notifications.filter(kind="assessment.countersigned").count() == 1
    with pytest.raises(CertificationError, match="already countersigned"):
        countersign_assessment(signed.pk, second_assessor)
    assert Countersignature.objects.count() == 1


def test_the_signer_the_trainee_and_non_assessors_may_not_countersign(
    signed, instructor, trainee, other_trainee
):
    for user in (instructor, trainee, other_trainee):
        with pytest.raises(PermissionDenied):
            countersign_assessment(signed.pk, user)
    assert not Countersignature.objects.exists()


def test_only_signed_passed_assessments_that_need_it_are_countersigned(
    trainee, instructor, second_assessor, checklist
):
    failed = assess(trainee, instructor, checklist, passed=False)
    with pytest.raises(CertificationError, match="did not pass"):
        countersign_assessment(failed.pk, second_assessor)
    checklist.requires_countersign = False
    checklist.save()
    checklist.save_revision().publish()
    not_needed = assess(trainee, instructor, checklist)
    assert not not_needed.needs_countersign
    with pytest.raises(CertificationError, match="does not need"):
        countersign_assessment(not_needed.pk, second_assessor)
    assert not Countersignature.objects.exists()


def test_the_queue_lists_what_waits_for_me_and_not_my_own(
    signed, instructor, second_assessor, client, django_assert_max_num_queries
):
    assert list(awaiting_countersign(second_assessor)) == [signed]
    assert list(awaiting_countersign(instructor)) == []
    client.force_login(second_assessor)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("assess:countersign_queue"))
    assert signed.checklist_snapshot["title"] in page.content.decode()
    countersign_assessment(signed.pk, second_assessor)
    assert list(awaiting_countersign(second_assessor)) == []


def test_the_page_shows_the_must_pass_items_and_countersigns(
    signed, second_assessor, client, django_assert_max_num_queries
):
    client.force_login(second_assessor)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("assess:countersign", args=[signed.pk]))
    assert [i.text for i in page.context["must_pass"]] == ["Keeps depth under 10 mm"]
    too_long = client.post(reverse("assess:countersign", args=[signed.pk]), {"comment": "x" * 3000})
    assert too_long.status_code == 400 and not Countersignature.objects.exists()
    done = client.post(reverse("assess:countersign", args=[signed.pk]), {"comment": "Fine."})
    assert done.url == reverse("assess:countersign_queue")
    again = client.post(reverse("assess:countersign", args=[signed.pk]), {"comment": "Twice"})
    assert again.status_code == 302
    assert Countersignature.objects.get().comment == "Fine."
    messages = [str(m) for m in client.get(again.url).context["messages"]]
    assert ALREADY in messages


@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_the_queue_and_the_countersign_page(client, signed, people, role):
    """The signer (`assessor`) may not countersign; the admin, another assessor, may."""
    client_as(client, people[role])
    queue = client.get(reverse("assess:countersign_queue")).status_code
    page = client.get(reverse("assess:countersign", args=[signed.pk])).status_code
    posted = client.post(reverse("assess:countersign", args=[signed.pk]), {"comment": ""})
    expected_queue, expected_page = {
        "anonymous": (302, 302),
        "trainee": (403, 403),
        "other_trainee": (403, 403),
        "assessor": (200, 404),
        "manager": (403, 403),
        "other_manager": (403, 403),
        "admin": (200, 200),
    }[role]
    assert (queue, page) == (expected_queue, expected_page)
    assert Countersignature.objects.exists() == (role == "admin")
    assert posted.status_code == (302 if role in ("anonymous", "admin") else expected_page)


def test_the_certificate_waits_for_the_countersignature(
    tree, trainee, instructor, second_assessor, checklist, django_capture_on_commit_callbacks
):
    quiz = make_quiz(tree.module, [make_question()])
    programme = Programme.objects.create(key="safe", title="Safe needling", validity_months=24)
    programme.required_courses = [tree.course]
    programme.required_quizzes = [quiz]
    programme.required_checklists = [checklist]
    programme.save()
    programme.quiz = quiz
    finish_course(trainee, tree, programme)
    with django_capture_on_commit_callbacks(execute=True):
        signed = assess(trainee, instructor, checklist)
    assert not Certificate.objects.filter(user=trainee).exists()
    with django_capture_on_commit_callbacks(execute=True):
        countersign_assessment(signed.pk, second_assessor)
    assert Certificate.objects.filter(user=trainee, programme=programme).count() == 1
