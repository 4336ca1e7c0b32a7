"""The rules agree on edge cases built with factories: expiring, revoked, overdue, renewed
staff, and certificates at every boundary of the status rule (SQL against Python)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from certification import actions, services
from certification.models import (
    Certificate,
    CertificateStatus,
    ClinicMembership,
    ClinicRole,
    ProgrammeAssignment,
    certificate_status,
)
from certification.requirements import Standing
from tests.certification.conftest import assess, meet_everything
from tests.certification.test_rules_agree import check_clinic, dashboard
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def add_staff(clinic, manager, programme, username: str, due_in: int):
    user = UserFactory(username=username, first_name=username.title(), last_name="Staff")
    ClinicMembership.objects.create(clinic=clinic, user=user, role=ClinicRole.STAFF)
    actions.assign_programme(
        clinic, manager, [user], programme, timezone.localdate() + timedelta(days=due_in)
    )
    return user


def test_expiring_revoked_overdue_and_renewed_staff_are_shown_alike_everywhere(
    client, clinic, manager, tree, programme, assessor, admin_user
):
    from courses.services import complete_lesson

    now = timezone.now()
    soon = now - programme.validity + timedelta(days=20)
    expiring = add_staff(clinic, manager, programme, "expiring", 30)
    meet_everything(expiring, tree, programme, assessor, when=soon)
    services.issue_if_due(expiring, programme, now=soon)
    revoked = add_staff(clinic, manager, programme, "revoked", -3)
    meet_everything(revoked, tree, programme, assessor)
    actions.revoke_certificate(
        services.issue_if_due(revoked, programme).pk, admin_user, "Observed unsafe practice."
    )
    overdue = add_staff(clinic, manager, programme, "overdue", -5)
    complete_lesson(overdue, tree.lessons[0])
    assess(overdue, assessor, programme.required_checklists.first())
    renewed = add_staff(clinic, manager, programme, "renewed", -1)
    old = now - programme.validity - timedelta(days=20)
    meet_everything(renewed, tree, programme, assessor, when=old)
    services.issue_if_due(renewed, programme, now=old)
    for checklist in programme.required_checklists.all():
        assess(renewed, assessor, checklist)
    assert [c.cycle for c in services.issue_due_certificates(renewed)] == [2]
    assert check_clinic(client, clinic) == 4
    _, cells, _ = dashboard(client, clinic)
    assert {user.username: cell.status for (user, _), cell in cells.items()} == {
        "expiring": Standing.EXPIRING,
        "revoked": Standing.OVERDUE,
        "overdue": Standing.OVERDUE,
        "renewed": Standing.CERTIFIED,
    }
    assert ProgrammeAssignment.objects.filter(user=renewed).exists()


def test_the_sql_status_filters_are_the_python_rule_at_every_boundary(trainee, programme):
    now = timezone.now().replace(microsecond=0)
    expiring_from = now + timedelta(days=60)
    offsets = [timedelta(seconds=s) for s in (-1, 0, 1)]
    ends = [base + o for base in (now, expiring_from) for o in offsets]
    certificates = []
    for cycle, (expires_at, revoked) in enumerate(
        [(end, False) for end in ends] + [(now + timedelta(days=1), True), (now, True)], start=1
    ):
        certificates.append(
            Certificate.objects.create(
                user=trainee,
                programme=programme,
                cycle=cycle,
                holder_name="T",
                issued_at=now - timedelta(days=700),
                expires_at=expires_at,
                revoked_at=now - timedelta(days=1) if revoked else None,
                revocation_reason="Reason." if revoked else "",
            )
        )
    for status in CertificateStatus:
        in_python = {
            c.pk
            for c in certificates
            if certificate_status(c.revoked_at, c.expires_at, now) == status
        }
        assert set(Certificate.objects.with_status(status, now).values_list("pk", flat=True)) == (
            in_python
        ), status
        assert in_python, f"no certificate is {status} at the boundaries"
    valid = {
        c.pk
        for c in certificates
        if c.status_at(now) in (CertificateStatus.ACTIVE, CertificateStatus.EXPIRING)
    }
    assert set(Certificate.objects.valid(now).values_list("pk", flat=True)) == valid
