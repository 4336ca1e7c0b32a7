"""A learner's competencies: the evidence for each and whether it is met.

Knowledge is met by a passed quiz that asked about it (from the question snapshots, so later
edits to questions change nothing). Skills and safety are met only by observation: an item on
that competency, met, in a signed assessment that passed. Quiz results are still listed for them
as supporting evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from accounts.models import User
from certification.models import AssessmentItem, AssessmentStatus, ItemResult
from courses.models import Competency, CompetencyDomain
from quizzes.contracts import CompetencyCodes
from quizzes.models import AttemptState, Response


@dataclass
class Evidence:
    kind: str  # quiz | assessment
    title: str
    when: datetime | None
    detail: str
    counts: bool


@dataclass
class CompetencyRecord:
    competency: Competency
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return any(e.counts for e in self.evidence)

    @property
    def observed(self) -> bool:
        return self.competency.domain != CompetencyDomain.KNOWLEDGE


def competency_records(user: User) -> list[CompetencyRecord]:
    """Every competency with this learner's evidence; three queries."""
    records = {c.code: CompetencyRecord(c) for c in Competency.objects.order_by("code")}
    seen_quizzes: set[tuple[str, int]] = set()
    quiz_rows = (
        Response.objects.filter(
            attempt__user=user, attempt__state=AttemptState.GRADED, attempt__passed=True
        )
        .order_by("-attempt__submitted_at")
        .values_list(
            "question_snapshot__competencies",
            "attempt__quiz_id",
            "attempt__quiz__title",
            "attempt__submitted_at",
            "attempt__percent",
        )
    )
    for snapshot_codes, quiz_id, title, when, percent in quiz_rows:
        codes: CompetencyCodes = snapshot_codes or []
        for code in codes:
            if code in records and (code, quiz_id) not in seen_quizzes:
                seen_quizzes.add((code, quiz_id))
                knowledge = records[code].competency.domain == CompetencyDomain.KNOWLEDGE
                records[code].evidence.append(
                    Evidence("quiz", title, when, f"passed with {percent:.0f}%", knowledge)
                )
    items = AssessmentItem.objects.filter(
        assessment__trainee=user, assessment__status=AssessmentStatus.SIGNED
    ).select_related("assessment", "competency")
    for item in items.order_by("-assessment__signed_at"):
        record = records.get(item.competency.code)
        if record is None:
            continue
        met = item.result == ItemResult.MET and bool(item.assessment.passed)
        outcome = "passed" if item.assessment.passed else "not passed"
        record.evidence.append(
            Evidence(
                "assessment",
                item.assessment.checklist_snapshot.get("title", "Skill assessment"),
                item.assessment.signed_at,
                f"{item.text}: {item.get_result_display().lower()} (assessment {outcome})",
                met,
            )
        )
    return list(records.values())
