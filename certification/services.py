"""Skill assessments, programme requirements, and certificates: issue, revoke, renew.

A certificate is issued the moment its programme's last requirement is met, exactly once: the
checks run after the transaction that met a requirement commits (so the last one to commit sees
every requirement), and a unique (learner, programme, cycle) constraint turns a concurrent
second issue into a no-op. Revoking needs a reason and is written to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.log_actions import log

from certification.models import (
    AssessmentItem,
    AssessmentStatus,
    Certificate,
    ItemResult,
    Programme,
    SkillAssessment,
    SkillChecklist,
)
from courses.evaluation import request_evaluation


class CertificationError(Exception):
    """A request the rules refuse; the message says why."""


# Assessments ----------------------------------------------------------------------------------


def checklist_snapshot(checklist: SkillChecklist, items: list) -> dict[str, Any]:
    return {
        "checklist_id": checklist.pk,
        "key": checklist.key,
        "title": checklist.title,
        "rating_max": checklist.rating_max,
        "pass_rating": checklist.pass_rating,
        "revision_id": checklist.live_revision_id,
        "items": [
            {
                "text": i.text,
                "competency": i.competency.code,
                "must_pass": i.must_pass,
                "guidance": i.guidance,
            }
            for i in items
        ],
    }


@transaction.atomic
def start_assessment(
    trainee, assessor, checklist: SkillChecklist, *, assessed_on: date | None = None
) -> SkillAssessment:
    """A draft assessment of `trainee` against the live `checklist`, its items copied in."""
    if not checklist.live:
        raise CertificationError("This checklist is not published.")
    if trainee.pk == assessor.pk:
        raise CertificationError("Assessors cannot assess themselves.")
    items = list(checklist.items.select_related("competency").order_by("sort_order"))
    assessment = SkillAssessment.objects.create(
        trainee=trainee,
        assessor=assessor,
        checklist=checklist,
        checklist_snapshot=checklist_snapshot(checklist, items),
        assessed_on=assessed_on or timezone.localdate(),
    )
    AssessmentItem.objects.bulk_create(
        AssessmentItem(
            assessment=assessment,
            position=n,
            text=item.text,
            competency=item.competency,
            must_pass=item.must_pass,
        )
        for n, item in enumerate(items, start=1)
    )
    return assessment


def assessment_passes(
    results: list[tuple[bool, str]], rating: int | None, pass_rating: int
) -> bool:
    """Pure: every must-pass item met, and the global rating at or above the pass rating."""
    if rating is None or rating < pass_rating:
        return False
    return all(result == ItemResult.MET for must_pass, result in results if must_pass)


@transaction.atomic
def update_assessment(
    assessment_id: int,
    assessor,
    *,
    results: dict[int, tuple[str, str]],
    global_rating: int | None,
    comments: str,
    assessed_on: date,
) -> SkillAssessment:
    """Change a draft: item results {position: (result, comment)}, rating, comments, date."""
    assessment = SkillAssessment.objects.select_for_update().get(pk=assessment_id)
    if assessment.is_signed:
        raise CertificationError(
            "This assessment is signed and cannot change; record a new one instead."
        )
    if assessment.assessor_id != assessor.pk:
        raise PermissionDenied("Only the assessor who recorded this assessment can change it.")
    rating_max = assessment.checklist_snapshot["rating_max"]
    if global_rating is not None and not 1 <= global_rating <= rating_max:
        raise CertificationError(f"The global rating runs from 1 to {rating_max}.")
    items = {i.position: i for i in assessment.item_results.all()}
    if set(results) - set(items):
        raise CertificationError("Results were sent for items that are not on this checklist.")
    for position, (result, comment) in results.items():
        if result and result not in ItemResult.values:
            raise CertificationError(f"Item {position}: unknown result '{result}'.")
        items[position].result, items[position].comment = result, comment.strip()
    AssessmentItem.objects.bulk_update(list(items.values()), ["result", "comment"])
    assessment.global_rating = global_rating
    assessment.comments = comments
    assessment.assessed_on = assessed_on
    assessment.save(update_fields=["global_rating", "comments", "assessed_on"])
    return assessment


def signing_gaps(items: list[AssessmentItem], global_rating: int | None) -> str:
    """Pure: why a draft with these item results and rating cannot be signed yet ("" if it can)."""
    missing = [i.position for i in items if not i.result]
    if not missing and global_rating is not None:
        return ""
    return "Record a result for every item and a global rating before signing" + (
        f" (items {', '.join(map(str, missing))} have none)." if missing else "."
    )


@transaction.atomic
def sign_assessment(assessment_id: int, signer, *, now: datetime | None = None) -> SkillAssessment:
    """Sign a complete draft: its outcome is fixed and it can no longer change."""
    now = now or timezone.now()
    assessment = SkillAssessment.objects.select_for_update().get(pk=assessment_id)
    if assessment.is_signed:
        # Signing again changes nothing but judges the programme again, repairing a certificate
        # that a failure after the first signature's commit may have left unissued.
        request_evaluation(assessment.trainee)
        return assessment
    if assessment.assessor_id != signer.pk:
        raise PermissionDenied("Only the assessor who recorded this assessment can sign it.")
    items = list(assessment.item_results.all())
    if gaps := signing_gaps(items, assessment.global_rating):
        raise CertificationError(gaps)
    assessment.passed = assessment_passes(
        [(i.must_pass, i.result) for i in items],
        assessment.global_rating,
        assessment.checklist_snapshot["pass_rating"],
    )
    assessment.status = AssessmentStatus.SIGNED
    assessment.signed_at = now
    assessment.save(update_fields=["passed", "status", "signed_at"])
    log(
        instance=assessment,
        action="certification.assessment.sign",
        user=signer,
        data={"passed": assessment.passed, "trainee": assessment.trainee_id},
    )
    request_evaluation(assessment.trainee)
    return assessment


# Programme requirements -------------------------------------------------------------------------


@dataclass
class Requirement:
    kind: str  # course | quiz | checklist
    title: str
    met: bool
    url: str = ""


@dataclass
class ProgrammeState:
    programme: Programme
    requirements: list[Requirement] = field(default_factory=list)
    certificate: Certificate | None = None  # the valid one, if any
    latest: Certificate | None = None

    @property
    def met(self) -> bool:
        return all(r.met for r in self.requirements)

    @property
    def percent(self) -> int:
        if not self.requirements:
            return 100
        return round(100 * sum(r.met for r in self.requirements) / len(self.requirements))


def checklist_evidence_since(user, programme: Programme, now: datetime) -> datetime:
    """Assessments count toward a certificate if signed after this moment: within the
    programme's validity, and after any revocation of the learner's certificate."""
    since = now - programme.validity
    revoked = (
        Certificate.objects.filter(user=user, programme=programme, revoked_at__isnull=False)
        .order_by("-revoked_at")
        .values_list("revoked_at", flat=True)
        .first()
    )
    return max(since, revoked) if revoked else since


def programme_state(user, programme: Programme, *, now: datetime | None = None) -> ProgrammeState:
    """Each requirement of `programme` and whether `user` meets it now."""
    from courses.models import Enrollment
    from quizzes.models import Attempt, AttemptState

    now = now or timezone.now()
    state = ProgrammeState(programme=programme)
    completed_courses = set(
        Enrollment.objects.filter(user=user, completed_at__isnull=False).values_list(
            "course_id", flat=True
        )
    )
    passed_quizzes = set(
        Attempt.objects.filter(user=user, state=AttemptState.GRADED, passed=True)
        .order_by()
        .values_list("quiz_id", flat=True)
    )
    since = checklist_evidence_since(user, programme, now)
    passed_checklists = set(
        SkillAssessment.objects.filter(
            trainee=user,
            status=AssessmentStatus.SIGNED,
            passed=True,
            signed_at__gt=since,
            signed_at__lte=now,
        ).values_list("checklist_id", flat=True)
    )
    for course in programme.required_courses.all():
        state.requirements.append(
            Requirement("course", course.title, course.pk in completed_courses, course.url or "")
        )
    for quiz in programme.required_quizzes.all():
        state.requirements.append(
            Requirement("quiz", quiz.title, quiz.pk in passed_quizzes, quiz.url or "")
        )
    for checklist in programme.required_checklists.all():
        state.requirements.append(
            Requirement("checklist", checklist.title, checklist.pk in passed_checklists)
        )
    certificates = list(
        Certificate.objects.filter(user=user, programme=programme).order_by("-cycle")
    )
    state.latest = certificates[0] if certificates else None
    state.certificate = next(
        (c for c in certificates if c.revoked_at is None and c.expires_at > now), None
    )
    return state


def issue_if_due(user, programme: Programme, *, now: datetime | None = None) -> Certificate | None:
    """Issue the next certificate if every requirement is met and none is valid; else None.

    Safe to call any number of times, from any number of requests at once.
    """
    now = now or timezone.now()
    state = programme_state(user, programme, now=now)
    if state.certificate is not None or not state.met or not state.requirements:
        return None
    cycle = (state.latest.cycle if state.latest else 0) + 1
    try:
        with transaction.atomic():
            certificate = Certificate.objects.create(
                user=user,
                programme=programme,
                cycle=cycle,
                holder_name=user.display_name,
                issued_at=now,
                expires_at=now + programme.validity,
            )
            log(
                instance=certificate,
                action="certification.certificate.issue",
                user=None,
                data={"cycle": cycle},
            )
    except IntegrityError:
        return None  # a concurrent request issued this cycle's certificate first
    return certificate


def issue_due_certificates(user, *, now: datetime | None = None) -> list[Certificate]:
    """Check every programme for `user` (after any requirement may have been met)."""
    issued = []
    for programme in Programme.objects.prefetch_related(
        "required_courses", "required_quizzes", "required_checklists"
    ):
        certificate = issue_if_due(user, programme, now=now)
        if certificate is not None:
            issued.append(certificate)
    return issued


def revoke_certificate(
    certificate_id: int, by, reason: str, *, now: datetime | None = None
) -> Certificate:
    """Revoke a certificate, with a reason, recorded in the audit log."""
    reason = (reason or "").strip()
    if not by.has_perm("certification.revoke_certificate"):
        raise PermissionDenied("You may not revoke certificates.")
    if not reason:
        raise CertificationError("Give the reason for revoking this certificate.")
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate_id)
        if certificate.revoked_at is not None:
            raise CertificationError("This certificate is already revoked.")
        certificate.revoked_at = now or timezone.now()
        certificate.revoked_by = by
        certificate.revocation_reason = reason
        certificate.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
        log(
            instance=certificate,
            action="certification.certificate.revoke",
            user=by,
            data={"reason": reason},
        )
    return certificate


# Clinics ------------------------------------------------------------------------------------------


@transaction.atomic
def assign_programme(clinic, manager, users: list, programme: Programme, due_date: date) -> int:
    """Ask `users` (staff of `clinic`) to hold `programme` by `due_date`; enrol them in its courses.

    Assigning again updates the due date. Returns how many assignments were made or changed.
    """
    from certification.models import ClinicMembership, ClinicRole, ProgrammeAssignment
    from courses.models import EnrollmentSource
    from courses.services import enrol

    staff_ids = set(
        ClinicMembership.objects.filter(
            clinic=clinic, role=ClinicRole.STAFF, user__in=users
        ).values_list("user_id", flat=True)
    )
    if staff_ids != {u.pk for u in users}:
        raise CertificationError("Programmes can be assigned only to this clinic's staff.")
    changed = 0
    for user in users:
        _, _created = ProgrammeAssignment.objects.update_or_create(
            clinic=clinic,
            user=user,
            programme=programme,
            defaults={"due_date": due_date, "assigned_by": manager},
        )
        changed += 1
        for course in programme.required_courses.all():
            enrol(user, course, source=EnrollmentSource.CLINIC)
    log(
        instance=clinic,
        action="certification.programme.assign",
        user=manager,
        data={"programme": programme.key, "due": due_date.isoformat(), "staff": sorted(staff_ids)},
    )
    return changed
