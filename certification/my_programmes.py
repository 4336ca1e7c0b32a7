"""A learner's own programmes: the assignments panel on /learn/ and the programme page.

Nothing here decides whether a requirement is met, how far the learner is, or whether a
certificate is valid: those come from `certification.requirements` (`evaluate`, `standing`) and
`certificate_status`. This module only adds what the learner is shown beside them — dates, and
why a requirement not yet met is pending (an attempt awaiting grading, an assessment started
but not signed) — in a constant number of queries.

On /learn/ the certification panels read the learner once between them (`learner_certification`:
assignments and assessment requests in one query; `learner_certificates`), take what the
programmes require from the cache (certification.programme_cache), and hand the evaluator what
the page has already read: the progress in the enrolled courses and the quiz passes
(quizzes.dashboard).

Renewal: a certificate is renewed by meeting the requirements again once it stops being valid
(`issue_if_due`). What renewal will need is the same evaluation run at the certificate's expiry:
a completed course or a passed quiz still counts then, an observed assessment only if it was
signed within the programme's validity before that moment. Once a recertification is open
(certification.recertification), the page says since when and why, and what its renewal path
still needs by the certificate's expiry.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date as datetime_date
from datetime import datetime
from typing import Any

from django.db.models import Count, DateField, F, IntegerField, Max, Min, Q, Value
from django.db.models.functions import Cast
from django.utils import timezone

from accounts.http import AuthenticatedHttpRequest
from certification.models import (
    OPEN_REQUEST_STATUSES,
    AssessmentRequest,
    AssessmentStatus,
    Certificate,
    Programme,
    ProgrammeAssignment,
    Recertification,
    SkillAssessment,
)
from certification.paths import KINDS
from certification.programme_cache import cached_programmes
from certification.requirements import (
    HELD,
    ProgrammeState,
    Requirement,
    Standing,
    evaluate,
    load_programmes,
    load_records,
)
from courses.dashboard import shared
from courses.models import Enrollment
from courses.progress import CourseProgress
from quizzes.dashboard import learner_attempts
from quizzes.models import Attempt, AttemptState


@dataclass
class Due:
    """An assignment's due date as the learner reads it: days left, or overdue by some days."""

    date: datetime_date  # `date` is what templates read; the type is aliased apart from it
    today: datetime_date
    clinics: list[str]

    @property
    def days_left(self) -> int:
        return (self.date - self.today).days

    @property
    def overdue_by(self) -> int:
        return max(-self.days_left, 0)

    @property
    def label(self) -> str:
        days = self.days_left
        if days < 0:
            return f"overdue by {-days} day{'s' if days != -1 else ''}"
        if days == 0:
            return "due today"
        return f"{days} day{'s' if days != 1 else ''} left"


@dataclass(frozen=True)
class Assigned:
    """One assignment as the learner's pages need it: the programme, the clinic's name, when."""

    programme_id: int
    clinic: str
    due_date: datetime_date


def _dues(assignments: Iterable[Assigned], today: datetime_date) -> dict[int, Due]:
    """Programme id -> the earliest due date of the learner's assignments of it (any clinic)."""
    found: dict[int, Due] = {}
    for a in sorted(assignments, key=lambda a: (a.due_date, a.clinic)):
        due = found.get(a.programme_id)
        if due is None:
            found[a.programme_id] = Due(a.due_date, today, [a.clinic])
        elif a.clinic not in due.clinics:
            due.clinics.append(a.clinic)
    return found


# The /learn/ panel ------------------------------------------------------------------------------


@dataclass
class AssignmentRow:
    """One assigned programme on /learn/: its standing, percent and due date."""

    programme: Programme
    standing: Standing
    state: ProgrammeState
    due: Due
    certificate: Certificate | None

    @property
    def held(self) -> bool:
        return self.standing in HELD

    @property
    def overdue(self) -> bool:
        return self.standing == Standing.OVERDUE


def assignment_rows(
    user,
    *,
    now: datetime | None = None,
    assignments: list[Assigned] | None = None,
    progress: dict[int, CourseProgress] | None = None,
    quiz_passes: dict[int, datetime | None] | None = None,
    certificates: list[Certificate] | None = None,
) -> list[AssignmentRow]:
    """The learner's assigned programmes: overdue first, then by due date, held ones last.

    What the programmes require comes from the cache (certification.programme_cache). Without
    the optional inputs (what the /learn/ page has read already: the learner's assignments,
    progress in their enrolled courses, quiz passes by `now` and certificates), they are read
    here; the evaluation is `requirements.evaluate`'s either way.
    """
    now = now or timezone.now()
    if assignments is None:
        assignments = [
            Assigned(a.programme_id, a.clinic.name, a.due_date)
            for a in ProgrammeAssignment.objects.filter(user=user).select_related("clinic")
        ]
    if not assignments:
        return []
    dues = _dues(assignments, timezone.localdate(now))
    structure = cached_programmes(dues)
    records = load_records(
        structure,
        [user],
        now=now,
        progress={user.pk: progress} if progress is not None else None,
        quiz_passes=(
            {(user.pk, quiz_id): at for quiz_id, at in quiz_passes.items()}
            if quiz_passes is not None
            else None
        ),
        certificates=certificates,
    )
    rows = []
    for programme in structure.programmes:
        state = evaluate(structure, records, user.pk, programme, now)
        due = dues[programme.pk]
        standing, certificate = state.standing(due.date)
        rows.append(AssignmentRow(programme, standing, state, due, certificate))
    return sorted(rows, key=lambda r: (not r.overdue, r.held, r.due.date, r.programme.title))


@dataclass
class LearnerCertification:
    """What the certification panels of /learn/ read of the learner, in one query: their
    assignments and the number of their assessment requests in each open status."""

    assignments: list[Assigned] = field(default_factory=list)
    requests: dict[str, int] = field(default_factory=dict)


def _read_learner(user: Any) -> LearnerCertification:
    """The assignments and the open requests counted by status: one UNION ALL query, each row
    tagged by its part (1: an assignment, 2: a count of requests in one status)."""
    assigned = (
        ProgrammeAssignment.objects.filter(user=user)
        .order_by()
        .annotate(
            part=Value(1, IntegerField()),
            number=F("programme_id"),
            text=F("clinic__name"),
            day=F("due_date"),
        )
        .values_list("part", "number", "text", "day")
    )
    requests = (
        AssessmentRequest.objects.filter(trainee=user, status__in=OPEN_REQUEST_STATUSES)
        .order_by()
        .values("status")
        .annotate(
            part=Value(2, IntegerField()),
            number=Count("pk"),
            text=F("status"),
            day=Cast(Value(None), DateField()),
        )
        .values_list("part", "number", "text", "day")
    )
    found = LearnerCertification()
    for part, number, text, day in assigned.union(requests, all=True):
        if part == 1:
            found.assignments.append(Assigned(number, text, day))
        else:
            found.requests[text] = number
    return found


def learner_certification(request: AuthenticatedHttpRequest) -> LearnerCertification:
    """The signed-in learner's assignments and open requests, read once per /learn/ page."""
    return shared(request, "certification:learner", lambda: _read_learner(request.user))


def learner_certificates(request: AuthenticatedHttpRequest) -> list[Certificate]:
    """Every certificate of the signed-in learner, newest first, with its programme and its
    recertification: read once per /learn/ page for the certificates and assignments panels."""
    return shared(
        request,
        "certification:certificates",
        lambda: list(
            Certificate.objects.filter(user=request.user)
            .select_related("programme", "recertification")
            .order_by("-issued_at")
        ),
    )


def learn_assignments(
    request: AuthenticatedHttpRequest, progress: dict[int, CourseProgress]
) -> list[AssignmentRow]:
    """`register_learn_panel` data: the signed-in learner's assignments, evaluated with what the
    page has read already (their progress, quiz passes and certificates)."""
    assignments = learner_certification(request).assignments
    if not assignments:
        return []
    attempts = learner_attempts(request)
    return assignment_rows(
        request.user,
        now=attempts.now,
        assignments=assignments,
        progress=progress,
        quiz_passes=attempts.passes,
        certificates=learner_certificates(request),
    )


def learn_certificates(
    request: AuthenticatedHttpRequest, progress: dict[int, CourseProgress]
) -> list[Certificate]:
    """`register_learn_panel` data: the signed-in learner's certificates, newest first."""
    return learner_certificates(request)


# The programme page -----------------------------------------------------------------------------


@dataclass
class RequirementView:
    """A requirement of the programme as the learner sees it: met, pending or needed."""

    requirement: Requirement
    status: str  # passed | pending | needed
    note: str = ""
    on: datetime | None = None  # when it was met, where known

    @property
    def kind_label(self) -> str:
        return {"course": "Course", "quiz": "Quiz", "checklist": "Observed assessment"}[
            self.requirement.kind
        ]


@dataclass
class ProgrammePage:
    """Everything the learner's programme page shows."""

    programme: Programme
    state: ProgrammeState
    standing: Standing
    certificate: Certificate | None  # the certificate the standing refers to
    due: Due | None
    requirements: list[RequirementView]
    renewal: list[Requirement] | None = None  # what is not yet met for renewal, when held
    renewal_at: datetime | None = None

    @property
    def recertification(self) -> Recertification | None:
        """The open recertification of the learner's latest certificate (the evaluator's), if
        any: the requirements are then its renewal path, due by the certificate's expiry."""
        return self.state.recertification

    @property
    def recertification_needed(self) -> list[Requirement]:
        """What the open recertification still needs (the evaluator's verdicts)."""
        return [r for r in self.state.requirements if not r.met]

    @property
    def held(self) -> bool:
        return self.standing in HELD

    @property
    def summary(self) -> str:
        return f"{self.state.done} of {self.state.total} learning steps done"

    @property
    def needed(self) -> int:
        return sum(1 for r in self.requirements if r.status != "passed")


def _details(user, state: ProgrammeState) -> tuple[dict, dict, dict]:
    """Dates and pending work behind each requirement of the path evaluated (three queries)."""
    ids = {kind: [r.object_id for r in state.requirements if r.kind == kind] for kind in KINDS}
    course_ids, quiz_ids, checklist_ids = ids["course"], ids["quiz"], ids["checklist"]
    courses = {
        e.course_id: e
        for e in Enrollment.objects.filter(user=user, course_id__in=course_ids).only(
            "course_id", "enrolled_at", "completed_at"
        )
    }
    quizzes = {
        row["quiz_id"]: row
        for row in Attempt.objects.filter(user=user, quiz_id__in=quiz_ids)
        .order_by()
        .values("quiz_id")
        .annotate(
            passed_at=Min("submitted_at", filter=Q(state=AttemptState.GRADED, passed=True)),
            pending=Count("pk", filter=Q(state=AttemptState.AWAITING_GRADING)),
            open=Count("pk", filter=Q(state=AttemptState.IN_PROGRESS)),
            tried=Count("pk"),
        )
    }
    checklists = {
        row["checklist_id"]: row
        for row in SkillAssessment.objects.filter(trainee=user, checklist_id__in=checklist_ids)
        .order_by()
        .values("checklist_id")
        .annotate(
            passed_at=Max("signed_at", filter=Q(status=AssessmentStatus.SIGNED, passed=True)),
            drafts=Count("pk", filter=Q(status=AssessmentStatus.DRAFT)),
            failed=Count("pk", filter=Q(status=AssessmentStatus.SIGNED, passed=False)),
        )
    }
    return courses, quizzes, checklists


def _views(state: ProgrammeState, details: tuple[dict, dict, dict]) -> list[RequirementView]:
    """Each requirement with its status; `met` is the evaluator's, the rest only explains."""
    courses, quizzes, checklists = details
    views = []
    for requirement in state.requirements:
        key = requirement.object_id
        if requirement.kind == "course":
            enrollment = courses.get(key)
            if requirement.met:
                views.append(
                    RequirementView(
                        requirement,
                        "passed",
                        "Completed",
                        enrollment.completed_at if enrollment else None,
                    )
                )
            elif enrollment is not None:
                views.append(RequirementView(requirement, "pending", "In progress"))
            else:
                views.append(RequirementView(requirement, "needed", "Not started"))
        elif requirement.kind == "quiz":
            row = quizzes.get(key, {})
            if requirement.met:
                views.append(RequirementView(requirement, "passed", "Passed", row.get("passed_at")))
            elif row.get("pending"):
                views.append(RequirementView(requirement, "pending", "Submitted, awaiting grading"))
            elif row.get("open"):
                views.append(RequirementView(requirement, "pending", "Attempt in progress"))
            elif row.get("tried"):
                views.append(RequirementView(requirement, "needed", "Not passed yet"))
            else:
                views.append(RequirementView(requirement, "needed", "Not attempted"))
        else:
            row = checklists.get(key, {})
            if requirement.met:
                views.append(
                    RequirementView(
                        requirement, "passed", "Observed and signed", requirement.done_at
                    )
                )
            elif requirement.detail:  # observations so far, or a countersignature awaited
                views.append(RequirementView(requirement, "pending", requirement.detail))
            elif row.get("drafts"):
                views.append(
                    RequirementView(requirement, "pending", "Assessment started, not signed yet")
                )
            elif row.get("passed_at"):
                views.append(
                    RequirementView(
                        requirement,
                        "needed",
                        "To be observed again: the last sign-off no longer counts for this cycle",
                        row.get("passed_at"),
                    )
                )
            elif row.get("failed"):
                views.append(RequirementView(requirement, "needed", "Observed, not passed yet"))
            else:
                views.append(
                    RequirementView(requirement, "needed", "An assessor observes and signs it")
                )
    return views


def programme_page(
    user, programme: Programme, *, now: datetime | None = None
) -> ProgrammePage | None:
    """The learner's programme page, or None when it is not theirs to see.

    It is theirs when a clinic assigned it to them, or they have begun it (a step or skill
    done, or any work on a requirement) or hold or held a certificate of it.
    """
    now = now or timezone.now()
    assignments = list(
        ProgrammeAssignment.objects.filter(user=user, programme=programme).select_related("clinic")
    )
    structure = load_programmes([programme])
    records = load_records(structure, [user], now=now)
    state = evaluate(structure, records, user.pk, programme, now)
    details = _details(user, state)
    views = _views(state, details)
    begun = state.started or any(v.status != "needed" or v.on for v in views)
    if not assignments and not state.certificates and not begun:
        return None
    due = _dues(
        [Assigned(a.programme_id, a.clinic.name, a.due_date) for a in assignments],
        timezone.localdate(now),
    ).get(programme.pk)
    standing, certificate = state.standing(due.date if due else None)
    page = ProgrammePage(
        programme=programme,
        state=state,
        standing=standing,
        certificate=certificate,
        due=due,
        requirements=views,
    )
    held = state.certificate
    if held is not None:
        # The same evaluation at the expiry instant: no assessment can be signed in the future,
        # so the records read now are the records then.
        at_expiry = evaluate(structure, records, user.pk, programme, held.expires_at)
        page.renewal = [r for r in at_expiry.requirements if not r.met]
        page.renewal_at = held.expires_at
    return page
