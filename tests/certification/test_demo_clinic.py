"""The demo clinic: its dashboard's percentages are the learners' own, no due date under
certified staff, history dated before the certificates it earned, prerequisites respected."""

from __future__ import annotations

from django.utils import timezone

from certification.models import (
    Certificate,
    Clinic,
    ClinicMembership,
    ClinicRole,
    ProgrammeAssignment,
    SkillAssessment,
)
from courses.models import CoursePage, Enrollment, LessonCompletion, ModuleCompletion
from courses.progress import course_progress
from quizzes.models import Attempt
from tests.certification.test_clinic_progress import course_page_percent, dashboard_cells


def demo_learners() -> list:
    """Every demo learner who is staff of a clinic, with that clinic's manager."""
    managers = {
        m.clinic_id: m.user
        for m in ClinicMembership.objects.filter(role=ClinicRole.MANAGER).select_related("user")
    }
    return [
        (m.user, m.clinic, managers[m.clinic_id])
        for m in ClinicMembership.objects.filter(role=ClinicRole.STAFF).select_related(
            "user", "clinic"
        )
    ]


def test_every_demo_learner_sees_the_dashboards_percentage_on_their_course_page(client, demo):
    course = CoursePage.objects.get(slug="hemifacial-spasm")
    staff = demo_learners()
    assert len(staff) >= 15
    cells = {}
    for clinic in {c for _, c, _ in staff}:
        manager = next(m for _, c, m in staff if c == clinic)
        cells |= dashboard_cells(client, manager, clinic)
    shown = 0
    for user, _clinic, _manager in staff:
        cell = cells[user.username]
        assert cell.percent == course_page_percent(client, user, course), user.username
        if "%" in cell.label:
            assert f"({cell.percent}%" in cell.label
            shown += 1
    assert shown >= 4, "the demo has learners in progress"


def test_no_demo_learner_has_done_steps_in_a_locked_module(demo):
    for enrollment in Enrollment.objects.select_related("user", "course"):
        for module in course_progress(enrollment.user, enrollment.course).modules:
            assert not (module.locked and module.done), (
                f"{enrollment.user.username}: {module.done} steps done in locked "
                f"module {module.number}"
            )


def test_demo_history_comes_before_each_certificate_it_earned(demo):
    now = timezone.now()
    certificates = list(Certificate.objects.select_related("programme", "user"))
    assert len(certificates) >= 8
    for certificate in certificates:
        user, programme = certificate.user, certificate.programme
        first = min(c.issued_at for c in user.certificates.all())
        # A renewal's quizzes are passed again before the certificate it earns.
        last = max(c.issued_at for c in user.certificates.all())
        enrollment = Enrollment.objects.get(user=user, course__in=programme.required_courses.all())
        assert enrollment.enrolled_at < first, user.username
        assert enrollment.completed_at is not None and enrollment.completed_at <= first
        learning = [
            *LessonCompletion.objects.filter(user=user).values_list("completed_at", flat=True),
            *ModuleCompletion.objects.filter(user=user).values_list("completed_at", flat=True),
            *Attempt.objects.filter(user=user).values_list("started_at", flat=True),
            *Attempt.objects.filter(user=user).values_list("submitted_at", flat=True),
        ]
        assert learning and all(enrollment.enrolled_at <= when <= last for when in learning), (
            user.username
        )
        for checklist in programme.required_checklists.all():
            assert SkillAssessment.objects.filter(
                trainee=user,
                checklist=checklist,
                passed=True,
                signed_at__gt=certificate.issued_at - programme.validity,
                signed_at__lte=certificate.issued_at,
                assessed_on__lte=certificate.issued_at.date(),
            ).exists(), (user.username, checklist.key)
        assert certificate.issued_at <= now
        if certificate.revoked_at:
            assert certificate.issued_at < certificate.revoked_at <= now


def test_demo_assignments_are_made_before_they_fall_due(demo):
    for assignment in ProgrammeAssignment.objects.select_related("user"):
        assert assignment.assigned_at.date() <= assignment.due_date, assignment.user.username
        enrolled = Enrollment.objects.get(user=assignment.user).enrolled_at
        assert enrolled <= timezone.now()


def test_the_demo_dashboard_shows_no_due_date_under_certified_staff(client, demo):
    manager = ClinicMembership.objects.get(role=ClinicRole.MANAGER, clinic__slug="riverside").user
    cells = dashboard_cells(client, manager, Clinic.objects.get(slug="riverside"))
    held = [c for c in cells.values() if c.status in ("certified", "expiring")]
    assert len(held) >= 5 and all(c.due_date is None for c in held)
    assert any(c.due_date for c in cells.values() if c.status == "overdue")
