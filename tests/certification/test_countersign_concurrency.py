"""Two countersignatures at the same moment give one Countersignature and one certificate."""

from __future__ import annotations

import threading

import pytest

from certification.countersign import countersign_assessment
from certification.models import Certificate, Countersignature
from certification.rules import CertificationError
from core.roles import ASSESSORS
from tests.certification.conftest import assess, finish_course, make_checklist
from tests.certification.test_certificate_concurrency import small_programme
from tests.concurrency import requires_postgres, run_concurrently
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.postgres,
    requires_postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_two_countersigns_at_once_make_one_countersignature_and_one_certificate():
    tree, programme, assessor = small_programme()
    checklist = make_checklist("c", safety=True)
    checklist.requires_countersign = True
    checklist.save()
    checklist.save_revision().publish()
    programme.required_checklists = [*programme.required_checklists.all(), checklist]
    programme.save()
    trainee = UserFactory(username="pair")
    finish_course(trainee, tree, programme)
    for required in programme.required_checklists.all():
        signed = assess(trainee, assessor, required)
    assert signed.checklist_id == checklist.pk and signed.needs_countersign
    assert not Certificate.objects.filter(user=trainee).exists()
    second = [UserFactory(username=f"second-{n}", groups=[ASSESSORS]) for n in range(2)]
    people = iter(second)
    lock = threading.Lock()

    def countersign():
        with lock:
            person = next(people)
        return countersign_assessment(signed.pk, person, "At once.")

    results = run_concurrently(countersign, threads=2)
    made = [r for r in results if isinstance(r, Countersignature)]
    refused = [r for r in results if isinstance(r, CertificationError)]
    assert len(made) == 1 and len(refused) == 1, results
    assert "already countersigned" in str(refused[0])
    assert Countersignature.objects.filter(assessment=signed).count() == 1
    assert Certificate.objects.filter(user=trainee, programme=programme).count() == 1
