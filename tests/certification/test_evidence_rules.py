"""Enough evidence: countersignatures, disputes, N observations by M assessors within the
window, the renewal path during recertification, and the next cycle's issue."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from certification import services
from certification.models import (
    AssessmentDispute,
    AssessmentStatus,
    Certificate,
    Countersignature,
    DisputeStatus,
    ExternalAssessor,
    ExternalAssessorStatus,
    Programme,
    ProgrammeEvidenceRule,
    Recertification,
    RecertificationReason,
    SkillAssessment,
    SkillChecklist,
)
from certification.observations import DEFAULT_RULE, Observation, describe, tally
from certification.requirements import programme_state, programme_states
from core.roles import INSTRUCTORS
from tests.certification.conftest import assess, days, finish_course, meet_everything
from tests.factories import UserFactory, make_question, make_quiz, take_quiz

pytestmark = pytest.mark.django_db


@pytest.fixture
def second(roles):
    """A second assessor, different from the `assessor` fixture."""
    return UserFactory(username="assessor-b", groups=[INSTRUCTORS])


def checklist_of(programme, key: str) -> SkillChecklist:
    return programme.required_checklists.get(key=key)


def countersigned_checklist(programme) -> SkillChecklist:
    """The needle checklist, now asking for a countersignature."""
    SkillChecklist.objects.filter(key="needle").update(requires_countersign=True)
    return checklist_of(programme, "needle")


def requirement(state, kind: str, key_id: int):
    return next(r for r in state.requirements if r.kind == kind and r.object_id == key_id)


def external_assessment(trainee, checklist, when: datetime, name: str = "Dr Out") -> None:
    """A signed, passed assessment by an approved external supervisor."""
    external = ExternalAssessor.objects.create(
        name=name,
        email=f"{name.split()[-1].lower()}@example.org",
        registration_body="Council",
        registration_number="R1",
        status=ExternalAssessorStatus.APPROVED,
    )
    SkillAssessment.objects.create(
        trainee=trainee,
        external_assessor=external,
        checklist=checklist,
        checklist_snapshot={"title": checklist.title, "items": []},
        status=AssessmentStatus.SIGNED,
        passed=True,
        global_rating=5,
        signed_at=when,
    )


# Countersignatures ---------------------------------------------------------------------------


def test_an_assessment_needing_a_countersignature_counts_only_once_countersigned(
    trainee, tree, programme, assessor, second
):
    needle = countersigned_checklist(programme)
    finish_course(trainee, tree, programme)
    assess(trainee, assessor, checklist_of(programme, "palp"))
    signed = assess(trainee, assessor, needle)
    assert signed.needs_countersign
    state = programme_state(trainee, programme)
    waiting = requirement(state, "checklist", needle.pk)
    assert not waiting.met and waiting.detail == "Signed, awaiting countersignature"
    assert services.issue_if_due(trainee, programme) is None, "the certificate waits"
    later = timezone.now() + timedelta(minutes=1)
    Countersignature.objects.create(
        assessment=signed, countersigned_by=second, countersigned_at=later
    )
    assert services.issue_if_due(trainee, programme, now=later - timedelta(seconds=1)) is None
    certificate = services.issue_if_due(trainee, programme, now=later)
    assert certificate is not None
    met = requirement(programme_state(trainee, programme, now=later), "checklist", needle.pk)
    assert met.met and met.done_at == later and met.detail == ""


def test_a_countersignature_starts_the_validity_of_an_old_signature(
    trainee, tree, programme, assessor, second
):
    needle = countersigned_checklist(programme)
    long_ago = timezone.now() - programme.validity - days(5)
    signed = assess(trainee, assessor, needle, when=long_ago)
    Countersignature.objects.create(assessment=signed, countersigned_by=second)
    assert requirement(programme_state(trainee, programme), "checklist", needle.pk).met


# Disputes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "counts"),
    [(DisputeStatus.OPEN, True), (DisputeStatus.DISMISSED, True), (DisputeStatus.UPHELD, False)],
)
def test_only_an_upheld_dispute_stops_an_assessment_counting(
    trainee, tree, programme, assessor, admin_user, status, counts
):
    meet_everything(trainee, tree, programme, assessor)
    palp = checklist_of(programme, "palp")
    disputed = SkillAssessment.objects.get(trainee=trainee, checklist=palp)
    AssessmentDispute.objects.create(
        assessment=disputed,
        raised_by=trainee,
        reason="The assessor left early.",
        status=status,
        resolution="" if status == DisputeStatus.OPEN else "Decided.",
        resolved_by=None if status == DisputeStatus.OPEN else admin_user,
    )
    state = programme_state(trainee, programme)
    assert requirement(state, "checklist", palp.pk).met is counts
    assert state.due is counts


# How much evidence ----------------------------------------------------------------------------


def test_n_observations_by_m_different_assessors(trainee, tree, programme, assessor, second):
    palp = checklist_of(programme, "palp")
    ProgrammeEvidenceRule.objects.create(
        programme=programme, checklist=palp, min_observations=3, min_assessors=2
    )
    meet_everything(trainee, tree, programme, assessor)
    state = programme_state(trainee, programme)
    row = requirement(state, "checklist", palp.pk)
    assert not row.met and row.detail == "1 of 3 observations, 1 of 2 assessors"
    assess(trainee, assessor, palp)
    assess(trainee, assessor, palp)
    row = requirement(programme_state(trainee, programme), "checklist", palp.pk)
    assert not row.met and row.detail == "3 of 3 observations, 1 of 2 assessors"
    assert services.issue_if_due(trainee, programme) is None
    assess(trainee, second, palp)
    row = requirement(programme_state(trainee, programme), "checklist", palp.pk)
    assert row.met and row.detail == "3 of 3 observations, 2 of 2 assessors"
    assert services.issue_if_due(trainee, programme) is not None


def test_an_external_supervisor_is_an_assessor_of_their_own(trainee, tree, programme, assessor):
    palp = checklist_of(programme, "palp")
    ProgrammeEvidenceRule.objects.create(
        programme=programme, checklist=palp, min_observations=2, min_assessors=2
    )
    meet_everything(trainee, tree, programme, assessor)
    assert not requirement(programme_state(trainee, programme), "checklist", palp.pk).met
    external_assessment(trainee, palp, timezone.now())
    assert requirement(programme_state(trainee, programme), "checklist", palp.pk).met


def test_only_observations_within_the_validity_count(trainee, tree, programme, assessor, second):
    palp = checklist_of(programme, "palp")
    ProgrammeEvidenceRule.objects.create(
        programme=programme, checklist=palp, min_observations=2, min_assessors=2
    )
    meet_everything(trainee, tree, programme, assessor)
    assess(trainee, second, palp, when=timezone.now() - programme.validity - days(1))
    row = requirement(programme_state(trainee, programme), "checklist", palp.pk)
    assert not row.met and row.detail == "1 of 2 observations, 1 of 2 assessors"


def test_tally_and_describe_are_pure_and_exact_at_the_window_edges():
    now = timezone.now()
    since = now - days(10)
    mine = ("user", 1)
    seen = [
        Observation(since, mine, since),  # exactly at the start: outside
        Observation(since, mine, since + timedelta(seconds=1)),
        Observation(now, ("external", 1), now),  # exactly now: inside
        Observation(now, mine, None),  # waiting for a countersignature
    ]
    result = tally(seen, (3, 2), since, now)
    assert (result.observations, result.assessors, result.awaiting_countersign) == (2, 2, 1)
    assert not result.met
    assert describe(result) == (
        "2 of 3 observations, 2 of 2 assessors; 1 awaiting countersignature"
    )
    assert describe(tally([], DEFAULT_RULE, since, now)) == ""


# Renewal -------------------------------------------------------------------------------------


@pytest.fixture
def renewal_quiz(tree, programme):
    """A refresher quiz, the renewal path's only quiz; palpation its only checklist."""
    quiz = make_quiz(tree.module, [make_question()], title="Refresher quiz", slug="refresher")
    programme.renewal_quizzes = [quiz]
    programme.renewal_checklists = [checklist_of(programme, "palp")]
    programme.save()
    return quiz


def certified_at(trainee, tree, programme, assessor, when: datetime) -> Certificate:
    """The first cycle's certificate, issued at `when` (the refresher quiz is a step of the
    course too, so it is passed then, before the course is completed)."""
    take_quiz(trainee, programme.renewal_quizzes.get(), right=True, now=when)
    meet_everything(trainee, tree, programme, assessor, when=when)
    certificate = services.issue_if_due(trainee, programme, now=when)
    assert certificate is not None
    return certificate


def test_an_open_recertification_follows_the_renewal_path_from_its_opening(
    trainee, tree, programme, assessor, renewal_quiz
):
    now = timezone.now()
    first = certified_at(trainee, tree, programme, assessor, now - programme.validity + days(30))
    take_quiz(trainee, renewal_quiz, right=True, now=now - days(20))  # before the opening
    recertification = Recertification.objects.create(
        certificate=first, reason=RecertificationReason.WINDOW, opened_at=now - days(10)
    )
    state = programme_state(trainee, programme, now=now)
    assert state.renewing and state.since == recertification.opened_at
    assert [(r.kind, r.title) for r in state.requirements] == [
        ("course", tree.course.title),
        ("quiz", "Refresher quiz"),
        ("checklist", checklist_of(programme, "palp").title),
    ]
    assert [r.met for r in state.requirements] == [True, False, False]
    assert not state.due and state.certificate == first
    take_quiz(trainee, renewal_quiz, right=True, now=now - days(5))
    assess(trainee, assessor, checklist_of(programme, "palp"), when=now - days(4))
    state = programme_state(trainee, programme, now=now)
    assert state.met and state.due, "due while the current certificate is still valid"
    renewed = services.issue_if_due(trainee, programme, now=now)
    assert renewed is not None and renewed.cycle == 2
    # Renewing early loses no time: the new cycle runs on from the current one's expiry.
    assert renewed.expires_at == first.expires_at + programme.validity
    recertification.refresh_from_db()
    assert recertification.next_certificate == renewed and recertification.completed_at == now
    assert services.issue_if_due(trainee, programme, now=now) is None
    after = programme_state(trainee, programme, now=now)
    assert not after.renewing and after.certificate == renewed and not after.due


def test_after_expiry_without_a_recertification_the_window_before_expiry_counts(
    trainee, tree, programme, assessor, renewal_quiz
):
    now = timezone.now()
    first = certified_at(trainee, tree, programme, assessor, now - programme.validity - days(5))
    window_start = first.expires_at - timedelta(days=programme.recertification_window_days)
    take_quiz(trainee, renewal_quiz, right=True, now=window_start - days(1))
    assess(trainee, assessor, checklist_of(programme, "palp"), when=window_start + days(1))
    state = programme_state(trainee, programme, now=now)
    assert state.renewing and state.since == window_start
    assert [r.met for r in state.requirements] == [True, False, True]
    take_quiz(trainee, renewal_quiz, right=True, now=now - days(1))
    renewed = services.issue_if_due(trainee, programme, now=now)
    assert renewed is not None and renewed.cycle == 2
    assert renewed.expires_at == now + programme.validity, "nothing valid to run on from"


def test_a_revoked_certificate_sends_the_learner_back_to_the_first_path(
    trainee, tree, programme, assessor, renewal_quiz, admin_user
):
    now = timezone.now()
    first = certified_at(trainee, tree, programme, assessor, now - days(10))
    services.revoke_certificate(first.pk, admin_user, "Unsafe depth observed.")
    state = programme_state(trainee, programme)
    assert not state.renewing
    assert len([r for r in state.requirements if r.kind == "checklist"]) == 2


def test_a_material_change_leaves_a_renewal_course_to_finish(
    trainee, tree, programme, assessor, renewal_quiz
):
    from tests.factories import LessonPageFactory

    now = timezone.now()
    first = certified_at(trainee, tree, programme, assessor, now - days(100))
    Recertification.objects.create(
        certificate=first, reason=RecertificationReason.MATERIAL_CHANGE, opened_at=now - days(1)
    )
    assert requirement(programme_state(trainee, programme), "course", tree.course.pk).met
    LessonPageFactory(parent=tree.module, title="What changed", slug="what-changed")
    state = programme_state(trainee, programme)
    assert state.renewing and not requirement(state, "course", tree.course.pk).met


# Queries ---------------------------------------------------------------------------------------


def test_evaluating_costs_the_same_queries_for_any_number_of_learners(
    trainee,
    other_trainee,
    tree,
    programme,
    assessor,
    second,
    renewal_quiz,
    django_assert_max_num_queries,
):
    now = timezone.now()
    first = certified_at(trainee, tree, programme, assessor, now - days(700))
    ProgrammeEvidenceRule.objects.create(
        programme=programme, checklist=checklist_of(programme, "palp"), min_observations=2
    )
    Recertification.objects.create(
        certificate=first, reason=RecertificationReason.WINDOW, opened_at=now - days(10)
    )
    people = [trainee, other_trainee]
    with django_assert_max_num_queries(20) as few:
        programme_states(people, [Programme.objects.get(pk=programme.pk)], now=now)
    for n in range(8):
        person = UserFactory(username=f"more{n}")
        meet_everything(person, tree, programme, second)
        services.issue_if_due(person, programme)
        people.append(person)
    with django_assert_max_num_queries(20) as many:
        states = programme_states(people, [Programme.objects.get(pk=programme.pk)], now=now)
    assert len(many.captured_queries) == len(few.captured_queries)
    assert states[(trainee.pk, programme.pk)].renewing
