"""The certification writes someone must be allowed to make, in Wagtail's actions shape.

Each action is built for one object and the user acting (`Action(object, user=...)`);
`check()` raises PermissionDenied when the user may not act (asking certification.permissions,
where each rule is written once) or CertificationError when the rules refuse the request;
`execute()` checks, writes atomically (locking the row it changes) and records the audit entry.
Views only call actions. The functions at the end keep the call shape the service functions
had (certification.services names them), for scripts, the demo data and tests.

Renewal is not an action: the next cycle's certificate is issued by the rules
(`services.issue_if_due`) as soon as its requirements are met again, by nobody in particular.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from wagtail.actions.base import BaseAction
from wagtail.log_actions import log

from certification.actors import ExternalSupervisor
from certification.events import assessment_signed, certificate_revoked, programme_assigned
from certification.models import (
    AssessmentItem,
    AssessmentStatus,
    Certificate,
    Clinic,
    ClinicMembership,
    ClinicRole,
    ItemResult,
    Programme,
    ProgrammeAssignment,
    SkillAssessment,
    SkillChecklist,
)
from certification.permissions import (
    assessment_policy,
    certificate_policy,
    external_may_assess,
    external_may_start,
    may_assess,
    may_assign_programmes,
)
from certification.rules import (
    CertificationError,
    assessment_passes,
    checklist_snapshot,
    signing_gaps,
)
from courses.evaluation import request_evaluation
from courses.models import EnrollmentSource
from courses.services import enrol

SIGN = "certification.assessment.sign"
REVOKE = "certification.certificate.revoke"
ASSIGN = "certification.programme.assign"


class StartAssessmentAction(BaseAction):
    """A draft assessment of `trainee` against the live `checklist`, its items copied in.

    The actor (`user`) is an assessor's account or, through a link, an external supervisor
    (certification.actors.ExternalSupervisor); the draft records which. The actions on the
    draft below take either actor too.
    """

    action_name = "start_assessment"

    def __init__(
        self, checklist: SkillChecklist, user: Any, trainee: Any, assessed_on: date | None = None
    ) -> None:
        super().__init__(checklist, user=user)
        self.checklist = checklist
        self.trainee = trainee
        self.assessed_on = assessed_on

    def check(self, skip_permission_checks: bool = False) -> None:
        """Assessors only, eligible for the checklist (permissions.may_assess); a published
        checklist; nobody assesses themselves."""
        if isinstance(self.user, ExternalSupervisor):
            if not skip_permission_checks and not external_may_start(
                self.user, self.checklist, self.trainee
            ):
                raise PermissionDenied("This link does not let you assess this checklist.")
        elif not skip_permission_checks and not assessment_policy.user_has_permission(
            self.user, "add"
        ):
            raise PermissionDenied("You may not record skill assessments.")
        elif not skip_permission_checks and not may_assess(self.user, self.checklist):
            raise PermissionDenied("You are not among this checklist's eligible assessors.")
        if not self.checklist.live:
            raise CertificationError("This checklist is not published.")
        if self.trainee.pk == self.user.pk:
            raise CertificationError("Assessors cannot assess themselves.")

    def execute(self, skip_permission_checks: bool = False) -> SkillAssessment:
        self.check(skip_permission_checks=skip_permission_checks)
        checklist = self.checklist
        with transaction.atomic():
            items = list(checklist.items.select_related("competency").order_by("sort_order"))
            external = isinstance(self.user, ExternalSupervisor)
            assessment = SkillAssessment.objects.create(
                trainee=self.trainee,
                assessor=None if external else self.user,
                external_assessor=self.user.external_assessor if external else None,
                needs_countersign=checklist.requires_countersign,
                checklist=checklist,
                checklist_snapshot=checklist_snapshot(checklist, items),
                assessed_on=self.assessed_on or timezone.localdate(),
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


class _AssessorAction(BaseAction):
    """An action on one draft that only the assessor who recorded it may take."""

    policy_action = ""
    refusal = ""

    def check(self, skip_permission_checks: bool = False) -> None:
        if skip_permission_checks:
            return
        if isinstance(self.user, ExternalSupervisor):
            allowed = external_may_assess(self.user, self.object)
        else:
            allowed = assessment_policy.user_has_permission_for_instance(
                self.user, self.policy_action, self.object
            )
        if not allowed:
            raise PermissionDenied(self.refusal)

    @property
    def object(self) -> SkillAssessment:
        return self.instance


class UpdateAssessmentAction(_AssessorAction):
    """Change a draft: item results {position: (result, comment)}, rating, comments, date."""

    action_name = "update_assessment"
    policy_action = "change"
    refusal = "Only the assessor who recorded this assessment can change it."

    def __init__(
        self,
        assessment: SkillAssessment,
        user: Any,
        *,
        results: dict[int, tuple[str, str]],
        global_rating: int | None,
        comments: str,
        assessed_on: date,
    ) -> None:
        super().__init__(assessment, user=user)
        self.results = results
        self.global_rating = global_rating
        self.comments = comments
        self.assessed_on = assessed_on

    def execute(self, skip_permission_checks: bool = False) -> SkillAssessment:
        with transaction.atomic():
            assessment = SkillAssessment.objects.select_for_update().get(pk=self.object.pk)
            if assessment.is_signed:
                raise CertificationError(
                    "This assessment is signed and cannot change; record a new one instead."
                )
            self.instance = assessment
            self.check(skip_permission_checks=skip_permission_checks)
            rating_max = assessment.checklist_snapshot["rating_max"]
            rating = self.global_rating
            if rating is not None and not 1 <= rating <= rating_max:
                raise CertificationError(f"The global rating runs from 1 to {rating_max}.")
            items = {i.position: i for i in assessment.item_results.all()}
            if set(self.results) - set(items):
                raise CertificationError(
                    "Results were sent for items that are not on this checklist."
                )
            for position, (result, comment) in self.results.items():
                if result and result not in ItemResult.values:
                    raise CertificationError(f"Item {position}: unknown result '{result}'.")
                items[position].result, items[position].comment = result, comment.strip()
            AssessmentItem.objects.bulk_update(list(items.values()), ["result", "comment"])
            assessment.global_rating = rating
            assessment.comments = self.comments
            assessment.assessed_on = self.assessed_on
            assessment.save(update_fields=["global_rating", "comments", "assessed_on"])
        return assessment


class SignAssessmentAction(_AssessorAction):
    """Sign a complete draft: its outcome is fixed and it can no longer change.

    Signing a signed assessment again changes nothing but judges the trainee's programmes
    again, repairing a certificate that a failure after the first signature's commit may have
    left unissued.
    """

    action_name = "sign_assessment"
    policy_action = "sign"
    refusal = "Only the assessor who recorded this assessment can sign it."

    def __init__(self, assessment: SkillAssessment, user: Any, now: datetime | None = None) -> None:
        super().__init__(assessment, user=user)
        self.now = now

    def execute(self, skip_permission_checks: bool = False) -> SkillAssessment:
        now = self.now or timezone.now()
        with transaction.atomic():
            assessment = SkillAssessment.objects.select_for_update().get(pk=self.object.pk)
            if assessment.is_signed:
                request_evaluation(assessment.trainee)
                return assessment
            self.instance = assessment
            self.check(skip_permission_checks=skip_permission_checks)
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
            self.log(assessment)
            assessment_signed(assessment)
            request_evaluation(assessment.trainee)
        return assessment

    def log(self, assessment: SkillAssessment) -> None:
        data: dict[str, Any] = {"passed": assessment.passed, "trainee": assessment.trainee_id}
        if isinstance(self.user, ExternalSupervisor):  # no account: the supervisor is named
            supervisor = self.user.external_assessor
            data.update(external_assessor=supervisor.pk, signed_by=str(supervisor))
        log(
            instance=assessment,
            action=SIGN,
            user=None if isinstance(self.user, ExternalSupervisor) else self.user,
            data=data,
        )


class RevokeCertificateAction(BaseAction):
    """Revoke a certificate, with a reason, recorded in the audit log."""

    action_name = "revoke"

    def __init__(
        self, certificate: Certificate, user: Any, reason: str, now: datetime | None = None
    ) -> None:
        super().__init__(certificate, user=user)
        self.reason = (reason or "").strip()
        self.now = now

    def check(self, skip_permission_checks: bool = False) -> None:
        """Holders of `revoke_certificate` only, and always with a reason."""
        if not skip_permission_checks and not certificate_policy.user_has_permission_for_instance(
            self.user, "revoke", self.instance
        ):
            raise PermissionDenied("You may not revoke certificates.")
        if not self.reason:
            raise CertificationError("Give the reason for revoking this certificate.")

    def execute(self, skip_permission_checks: bool = False) -> Certificate:
        self.check(skip_permission_checks=skip_permission_checks)
        with transaction.atomic():
            certificate = Certificate.objects.select_for_update().get(pk=self.instance.pk)
            if certificate.revoked_at is not None:
                raise CertificationError("This certificate is already revoked.")
            certificate.revoked_at = self.now or timezone.now()
            certificate.revoked_by = self.user
            certificate.revocation_reason = self.reason
            certificate.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
            self.log(certificate)
            certificate_revoked(certificate)
        return certificate

    def log(self, certificate: Certificate) -> None:
        log(instance=certificate, action=REVOKE, user=self.user, data={"reason": self.reason})


class AssignProgrammeAction(BaseAction):
    """Ask `staff` (of `clinic`) to hold `programme` by `due_date`; enrol them in its courses.

    Assigning again updates the due date. Each person is notified (`assignment.new`), once per
    due date; signing an assessment and revoking a certificate notify the person concerned too
    (certification.events), in the same transaction.
    """

    action_name = "assign_programme"

    def __init__(
        self, clinic: Clinic, user: Any, staff: list, programme: Programme, due_date: date
    ) -> None:
        super().__init__(clinic, user=user)
        self.staff = list(staff)
        self.programme = programme
        self.due_date = due_date

    def check(self, skip_permission_checks: bool = False) -> None:
        """The clinic's managers only, and only for the clinic's own staff."""
        if not skip_permission_checks and not may_assign_programmes(self.user, self.instance):
            raise PermissionDenied("Only this clinic's managers can assign programmes.")
        if self._staff_ids() != {u.pk for u in self.staff}:
            raise CertificationError("Programmes can be assigned only to this clinic's staff.")

    def _staff_ids(self) -> set[int]:
        return set(
            ClinicMembership.objects.filter(
                clinic=self.instance, role=ClinicRole.STAFF, user__in=self.staff
            ).values_list("user_id", flat=True)
        )

    def execute(self, skip_permission_checks: bool = False) -> int:
        """Returns how many assignments were made or changed."""
        with transaction.atomic():
            self.check(skip_permission_checks=skip_permission_checks)
            courses = self.courses()
            for user in self.staff:
                assignment, _ = ProgrammeAssignment.objects.update_or_create(
                    clinic=self.instance,
                    user=user,
                    programme=self.programme,
                    defaults={"due_date": self.due_date, "assigned_by": self.user},
                )
                self.announce(assignment)
                for course in courses:
                    enrol(user, course, source=EnrollmentSource.CLINIC)
            self.log()
        return len(self.staff)

    def courses(self) -> list:
        """The courses the staff are enrolled in: the programme's required courses."""
        return list(self.programme.required_courses.all())

    def announce(self, assignment: ProgrammeAssignment) -> None:
        """Tell the staff member (`assignment.new`, once per due date)."""
        programme_assigned(assignment)

    def log(self) -> None:
        log(
            instance=self.instance,
            action=ASSIGN,
            user=self.user,
            data={
                "programme": self.programme.key,
                "due": self.due_date.isoformat(),
                "staff": sorted(u.pk for u in self.staff),
            },
        )


# The service functions' call shape --------------------------------------------------------------


def start_assessment(
    trainee: Any, assessor: Any, checklist: SkillChecklist, *, assessed_on: date | None = None
) -> SkillAssessment:
    """`assessor` starts a draft assessment of `trainee` on `checklist`."""
    return StartAssessmentAction(
        checklist, user=assessor, trainee=trainee, assessed_on=assessed_on
    ).execute()


def update_assessment(
    assessment_id: int,
    assessor: Any,
    *,
    results: dict[int, tuple[str, str]],
    global_rating: int | None,
    comments: str,
    assessed_on: date,
) -> SkillAssessment:
    """`assessor` changes their draft (see UpdateAssessmentAction)."""
    return UpdateAssessmentAction(
        SkillAssessment.objects.get(pk=assessment_id),
        user=assessor,
        results=results,
        global_rating=global_rating,
        comments=comments,
        assessed_on=assessed_on,
    ).execute()


def sign_assessment(
    assessment_id: int, signer: Any, *, now: datetime | None = None
) -> SkillAssessment:
    """`signer` signs their draft (see SignAssessmentAction)."""
    return SignAssessmentAction(
        SkillAssessment.objects.get(pk=assessment_id), user=signer, now=now
    ).execute()


def revoke_certificate(
    certificate_id: int, by: Any, reason: str, *, now: datetime | None = None
) -> Certificate:
    """`by` revokes a certificate, giving `reason` (see RevokeCertificateAction)."""
    return RevokeCertificateAction(
        Certificate.objects.get(pk=certificate_id), user=by, reason=reason, now=now
    ).execute()


def assign_programme(
    clinic: Clinic, manager: Any, users: list, programme: Programme, due_date: date
) -> int:
    """`manager` asks `users` to hold `programme` by `due_date` (see AssignProgrammeAction)."""
    return AssignProgrammeAction(
        clinic, user=manager, staff=users, programme=programme, due_date=due_date
    ).execute()
