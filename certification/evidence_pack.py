"""A certificate's evidence pack, for accreditors and insurers: each requirement of the path the
certificate was issued on, with the records that met it as they stood at the issue date.

The path and the evidence window are the evaluator's (`certification.requirements`), judged at
the issue (`issue_path`): the renewal path (`certification.paths`) when the holder was renewing
then, otherwise the first; evidence counted after the latest of the validity before the issue,
an earlier revocation and, renewing, the renewal start.

- **courses**: the course's completion date, and each lesson completed with the content version
  trained on: the page revision live when the learner completed it (the latest revision of the
  page created at or before the completion);
- **quizzes**: the passing attempts up to the issue (renewing, within the window): number, date,
  score, the pass mark copied at the start;
- **checklists**: the observed assessments that counted as `certification.observations` counts
  them (from the signature, or the countersignature when one was needed, within the window;
  not set aside by a dispute upheld by then), with date, assessor (or external supervisor and
  their registration), global rating, countersigner and the trainee's acknowledgement; a
  dispute upheld after the issue is flagged.

`evidence_pack` reads everything in a constant number of queries. Who may see a pack is
`certification.permissions.may_see_evidence`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import reduce
from operator import or_
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, OuterRef, Q, Subquery
from django.db.models.functions import Cast
from django.utils import timezone
from wagtail.models import Page, Revision

from certification.models import (
    AssessmentStatus,
    Certificate,
    DisputeStatus,
    Programme,
    SkillAssessment,
)
from certification.observations import DEFAULT_RULE, Rule
from certification.paths import load_paths, recertification_of
from courses.models import Enrollment, LessonCompletion
from quizzes.models import Attempt, AttemptState


@dataclass(frozen=True)
class LessonVersion:
    """A lesson completed, and the revision of it that was live at the time."""

    title: str
    completed_at: datetime
    revision_id: int | None
    revision_at: datetime | None


@dataclass
class CourseEvidence:
    title: str
    completed_at: datetime | None
    lessons: list[LessonVersion] = field(default_factory=list)


@dataclass(frozen=True)
class AttemptEvidence:
    number: int
    submitted_at: datetime | None
    score: Decimal | None
    max_score: Decimal
    percent: Decimal | None
    pass_mark: int


@dataclass
class QuizEvidence:
    title: str
    attempts: list[AttemptEvidence] = field(default_factory=list)


@dataclass(frozen=True)
class AssessmentEvidence:
    """One observed assessment that counted toward the certificate."""

    assessed_on: date
    signed_at: datetime | None
    assessor: str
    assessor_key: str  # tells different assessors apart
    registration: str  # an external supervisor's register and number; "" for an account
    global_rating: int | None
    rating_max: int | None
    checklist_revision_id: int | None
    countersigned_by: str
    countersigned_at: datetime | None
    acknowledged_at: datetime | None
    dispute_upheld_at: datetime | None  # upheld after the issue: no longer counts today


@dataclass
class ChecklistEvidence:
    title: str
    min_observations: int = 1
    min_assessors: int = 1
    assessments: list[AssessmentEvidence] = field(default_factory=list)

    @property
    def assessor_count(self) -> int:
        return len({a.assessor_key for a in self.assessments})


@dataclass
class EvidencePack:
    certificate: Certificate
    renewal: bool  # issued on the programme's renewal path
    counted_from: datetime  # observed evidence counts from here up to the issue
    courses: list[CourseEvidence]
    quizzes: list[QuizEvidence]
    checklists: list[ChecklistEvidence]
    generated_at: datetime

    @property
    def programme(self) -> Programme:
        return self.certificate.programme

    @property
    def empty(self) -> bool:
        return not (self.courses or self.quizzes or self.checklists)


def _related(instance: Any, name: str) -> Any:
    """A reverse one-to-one read through select_related, or None when there is none."""
    try:
        return getattr(instance, name)
    except instance._meta.get_field(name).related_model.DoesNotExist:
        return None


def certificate_for_pack(code: str) -> Certificate | None:
    """The certificate with `code`, with what the pack and its permission check read."""
    return Certificate.objects.select_related("programme", "user").filter(code=code).first()


@dataclass(frozen=True)
class IssuePath:
    """The path a certificate was issued on, and from when its evidence counted."""

    renewing: bool
    since: datetime  # evidence counted after this, up to the issue
    courses: list
    quizzes: list
    checklists: list
    rules: dict[int, Rule]


def _renewal_start(certificate: Certificate, previous: Certificate | None) -> datetime | None:
    """From when renewal evidence counted at the issue, or None on the first path: the rule of
    `certification.paths.renewal_start` as it stood at the issue (the previous certificate not
    revoked by then, and its recertification opened by then or the certificate expired)."""
    issued = certificate.issued_at
    if previous is None or (previous.revoked_at is not None and previous.revoked_at <= issued):
        return None
    recertification = recertification_of(previous)
    if recertification is not None and recertification.opened_at <= issued:
        return recertification.opened_at
    if previous.expires_at <= issued:
        window = timedelta(days=certificate.programme.recertification_window_days)
        return previous.expires_at - window
    return None


def issue_path(certificate: Certificate) -> IssuePath:
    """The path `certificate` was issued on and its evidence window, as the evaluator
    (`certification.requirements`) judged them at the issue: the validity before it, after any
    earlier revocation, and renewing, from the renewal start. Three queries and the paths'."""
    programme, issued = certificate.programme, certificate.issued_at
    earlier = list(
        Certificate.objects.filter(
            user_id=certificate.user_id, programme_id=programme.pk, issued_at__lte=issued
        )
        .exclude(pk=certificate.pk)
        .select_related("recertification")
        .order_by("-cycle")
    )
    start = _renewal_start(certificate, earlier[0] if earlier else None)
    since = issued - programme.validity
    revocations = [c.revoked_at for c in earlier if c.revoked_at and c.revoked_at <= issued]
    since = max([since, *revocations, *([start] if start else [])])
    paths = load_paths([programme])[programme.pk]
    courses, quizzes, checklists = paths.path(start is not None)
    return IssuePath(start is not None, since, courses, quizzes, checklists, paths.rules)


def _courses(certificate: Certificate, courses: list) -> list[CourseEvidence]:
    if not courses:
        return []
    issued, user_id = certificate.issued_at, certificate.user_id
    completed = dict(
        Enrollment.objects.filter(
            user_id=user_id, course__in=courses, completed_at__lte=issued
        ).values_list("course_id", "completed_at")
    )
    revisions = Revision.objects.filter(
        base_content_type=ContentType.objects.get_for_model(Page),
        object_id=Cast(OuterRef("lesson_id"), output_field=CharField()),
        created_at__lte=OuterRef("completed_at"),
    ).order_by("-created_at", "-pk")
    lessons = (
        LessonCompletion.objects.filter(user_id=user_id, completed_at__lte=issued)
        .filter(reduce(or_, (Q(lesson__path__startswith=c.path) for c in courses)))
        .annotate(
            revision_id=Subquery(revisions.values("pk")[:1]),
            revision_at=Subquery(revisions.values("created_at")[:1]),
        )
        .order_by("lesson__path")
        .values("lesson__title", "lesson__path", "completed_at", "revision_id", "revision_at")
    )
    found = [CourseEvidence(c.title, completed.get(c.pk)) for c in courses]
    for row in lessons:
        for course, evidence in zip(courses, found, strict=True):
            if row["lesson__path"].startswith(course.path):
                evidence.lessons.append(
                    LessonVersion(
                        row["lesson__title"],
                        row["completed_at"],
                        row["revision_id"],
                        row["revision_at"],
                    )
                )
    return found


def _quizzes(certificate: Certificate, quizzes: list, since: datetime | None) -> list[QuizEvidence]:
    if not quizzes:
        return []
    attempts = Attempt.objects.filter(
        user_id=certificate.user_id,
        quiz__in=quizzes,
        state=AttemptState.GRADED,
        passed=True,
        submitted_at__lte=certificate.issued_at,
    ).order_by("quiz_id", "number")
    if since is not None:  # renewing: a pass within the window
        attempts = attempts.filter(submitted_at__gt=since)
    by_quiz: dict[int, list[AttemptEvidence]] = {}
    for a in attempts.only(
        "quiz_id", "number", "submitted_at", "score", "max_score", "percent", "pass_mark"
    ):
        by_quiz.setdefault(a.quiz_id, []).append(
            AttemptEvidence(a.number, a.submitted_at, a.score, a.max_score, a.percent, a.pass_mark)
        )
    return [QuizEvidence(q.title, by_quiz.get(q.pk, [])) for q in quizzes]


def _assessment(
    assessment: SkillAssessment, since: datetime, issued: datetime
) -> AssessmentEvidence | None:
    """One signed, passed assessment's evidence, or None if it did not count at `issued`: as
    `certification.observations` counts, from its signature (or its countersignature when the
    checklist asked for one) within (`since`, `issued`], unless a dispute was upheld by then."""
    countersignature = _related(assessment, "countersignature")
    signed = countersignature.countersigned_at if countersignature is not None else None
    counts_from = signed if assessment.needs_countersign else assessment.signed_at
    if counts_from is None or not since < counts_from <= issued:
        return None
    upheld = [
        d.resolved_at
        for d in assessment.disputes.all()
        if d.status == DisputeStatus.UPHELD and d.resolved_at is not None
    ]
    if any(when <= issued for when in upheld):
        return None
    external = assessment.external_assessor
    acknowledgement = _related(assessment, "acknowledgement")
    snapshot = assessment.checklist_snapshot or {}
    countersigned = countersignature is not None and signed is not None and signed <= issued
    return AssessmentEvidence(
        assessed_on=assessment.assessed_on,
        signed_at=assessment.signed_at,
        assessor=assessment.assessor_name,
        assessor_key=f"external-{external.pk}" if external else f"user-{assessment.assessor_id}",
        registration=(
            f"{external.registration_body} {external.registration_number}".strip()
            if external
            else ""
        ),
        global_rating=assessment.global_rating,
        rating_max=snapshot.get("rating_max"),
        checklist_revision_id=snapshot.get("revision_id"),
        countersigned_by=(
            countersignature.countersigned_by.get_full_name()
            or countersignature.countersigned_by.get_username()
            if countersigned
            else ""
        ),
        countersigned_at=signed if countersigned else None,
        acknowledged_at=acknowledgement.acknowledged_at if acknowledgement else None,
        dispute_upheld_at=min(upheld) if upheld else None,
    )


def _checklists(certificate: Certificate, path: IssuePath) -> list[ChecklistEvidence]:
    if not path.checklists:
        return []
    issued, since = certificate.issued_at, path.since
    assessments = (
        SkillAssessment.objects.filter(
            trainee_id=certificate.user_id,
            checklist__in=path.checklists,
            status=AssessmentStatus.SIGNED,
            passed=True,
            signed_at__lte=issued,
        )
        .filter(Q(signed_at__gt=since) | Q(countersignature__countersigned_at__gt=since))
        .select_related(
            "assessor",
            "external_assessor",
            "countersignature__countersigned_by",
            "acknowledgement",
        )
        .prefetch_related("disputes")
        .order_by("signed_at", "pk")
    )
    by_checklist: dict[int, list[AssessmentEvidence]] = {}
    for assessment in assessments:
        evidence = _assessment(assessment, since, issued)
        if evidence is not None:
            by_checklist.setdefault(assessment.checklist_id, []).append(evidence)
    found = []
    for checklist in path.checklists:
        observations, assessors = path.rules.get(checklist.pk, DEFAULT_RULE)
        found.append(
            ChecklistEvidence(
                checklist.title, observations, assessors, by_checklist.get(checklist.pk, [])
            )
        )
    return found


def evidence_pack(certificate: Certificate) -> EvidencePack:
    """The evidence that met each requirement of `certificate`, as of its issue date.

    `certificate` should come from `certificate_for_pack` (its programme and holder read with
    it); a constant number of queries follows, however much evidence there is.
    """
    path = issue_path(certificate)
    return EvidencePack(
        certificate=certificate,
        renewal=path.renewing,
        counted_from=path.since,
        courses=_courses(certificate, path.courses),
        quizzes=_quizzes(certificate, path.quizzes, path.since if path.renewing else None),
        checklists=_checklists(certificate, path),
        generated_at=timezone.now(),
    )
