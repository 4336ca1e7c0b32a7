"""One staff member of a clinic in detail: each programme's standing, what is still missing,
and the date each requirement was met (the clinic's "staff" page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max
from django.utils import timezone

from certification.clinics import Cell, clinic_programmes
from certification.models import (
    AssessmentStatus,
    Clinic,
    Programme,
    ProgrammeAssignment,
    SkillAssessment,
)
from certification.requirements import programme_states
from quizzes.models import Attempt, AttemptState


@dataclass
class RequirementRecord:
    """One requirement of a programme for one person: met or not, and when it was last done."""

    kind: str  # course | quiz | checklist
    title: str
    met: bool
    done_at: datetime | None  # course completed, latest passing attempt, latest passed sign-off


@dataclass
class ProgrammeRecord:
    """One programme for one staff member, as the dashboard's cell and in detail."""

    programme: Programme
    cell: Cell
    requirements: list[RequirementRecord]

    @property
    def missing(self) -> list[RequirementRecord]:
        return [r for r in self.requirements if not r.met]


def staff_record(clinic: Clinic, user, *, now: datetime | None = None) -> list[ProgrammeRecord]:
    """Each of the clinic's programmes for one of its staff: standing (the dashboard's rule),
    certificates, due date and each requirement with the date it was met. Constant queries."""
    now = now or timezone.now()
    programmes = clinic_programmes(clinic)
    states = programme_states([user], programmes, now=now)
    assignments = {
        a.programme_id: a
        for a in ProgrammeAssignment.objects.filter(
            clinic=clinic, user=user, programme__in=programmes
        )
    }
    # The requirements of the path each programme was evaluated on (first or renewal).
    listed = [r for state in states.values() for r in state.requirements]
    quiz_ids = {r.object_id for r in listed if r.kind == "quiz"}
    checklist_ids = {r.object_id for r in listed if r.kind == "checklist"}
    passed = dict(
        Attempt.objects.filter(
            user=user, quiz_id__in=quiz_ids, state=AttemptState.GRADED, passed=True
        )
        .order_by()
        .values("quiz_id")
        .annotate(latest=Max("submitted_at"))
        .values_list("quiz_id", "latest")
    )
    signed = dict(
        SkillAssessment.objects.filter(
            trainee=user,
            checklist_id__in=checklist_ids,
            status=AssessmentStatus.SIGNED,
            passed=True,
            signed_at__lte=now,
        )
        .order_by()
        .values("checklist_id")
        .annotate(latest=Max("signed_at"))
        .values_list("checklist_id", "latest")
    )
    records = []
    for programme in programmes:
        state = states[(user.pk, programme.pk)]
        assignment = assignments.get(programme.pk)
        status, shown = state.standing(assignment.due_date if assignment else None)
        # A course's completion date is the evaluator's own (the enrolment it read); a quiz's
        # and a checklist's are the latest passing attempt and passed sign-off, read above.
        dates = {"quiz": passed, "checklist": signed}
        requirements = [
            RequirementRecord(
                r.kind,
                r.title,
                r.met,
                r.done_at if r.kind == "course" else dates[r.kind].get(r.object_id),
            )
            for r in state.requirements
        ]
        records.append(
            ProgrammeRecord(programme, Cell(status, state, shown, assignment), requirements)
        )
    return records
