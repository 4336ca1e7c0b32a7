"""A learner's own programmes: the assignments panel on /learn/ and the programme page.

Nothing here decides whether a requirement is met, how far the learner is, or whether a
certificate is valid: those come from `certification.requirements` (`evaluate`, `standing`) and
`certificate_status`. This module only adds what the learner is shown beside them — dates, and
why a requirement not yet met is pending (an attempt awaiting grading, an assessment started
but not signed) — in a constant number of queries.

Renewal: a certificate is renewed by meeting the requirements again once it stops being valid
(`issue_if_due`). What renewal will need is the same evaluation run at the certificate's expiry:
a completed course or a passed quiz still counts then, an observed assessment only if it was
signed within the programme's validity before that moment. Once a recertification is open
(certification.recertification), the page says since when and why, and what its renewal path
still needs by the certificate's expiry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date as datetime_date
from datetime import datetime

from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from certification.models import (
    AssessmentStatus,
    Certificate,
    Programme,
    ProgrammeAssignment,
    Recertification,
    SkillAssessment,
)
from certification.paths import KINDS
from certification.requirements import (
    HELD,
    ProgrammeState,
    Requirement,
    Standing,
    evaluate,
    load_programmes,
    load_records,
    programme_states,
)
from courses.models import Enrollment
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


def _dues(assignments: list[ProgrammeAssignment], today: datetime_date) -> dict[int, Due]:
    """Programme id -> the earliest due date of the learner's assignments of it (any clinic)."""
    found: dict[int, Due] = {}
    for a in sorted(assignments, key=lambda a: (a.due_date, a.clinic.name)):
        due = found.get(a.programme_id)
        if due is None:
            found[a.programme_id] = Due(a.due_date, today, [a.clinic.name])
        elif a.clinic.name not in due.clinics:
            due.clinics.append(a.clinic.name)
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


def assignment_rows(user, *, now: datetime | None = None) -> list[AssignmentRow]:
    """The learner's assigned programmes: overdue first, then by due date, held ones last.

    One query when nothing is assigned; otherwise that of `programme_states` besides.
    """
    now = now or timezone.now()
    assignments = list(
        ProgrammeAssignment.objects.filter(user=user).select_related("programme", "clinic")
    )
    if not assignments:
        return []
    dues = _dues(assignments, timezone.localdate(now))
    programmes = list({a.programme_id: a.programme for a in assignments}.values())
    states = programme_states([user], programmes, now=now)
    rows = []
    for programme in programmes:
        state = states[(user.pk, programme.pk)]
        due = dues[programme.pk]
        standing, certificate = state.standing(due.date)
        rows.append(AssignmentRow(programme, standing, state, due, certificate))
    return sorted(rows, key=lambda r: (not r.overdue, r.held, r.due.date, r.programme.title))


def learn_assignments(request, progress) -> list[AssignmentRow]:
    """`register_learn_panel` data: the signed-in learner's assignments."""
    return assignment_rows(request.user)


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
    due = _dues(assignments, timezone.localdate(now)).get(programme.pk)
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
