"""A certificate's evidence pack: who may see it (per role, 404 for everyone else), what it
holds as of the issue date (lesson versions, passing attempts, counted assessments), its PDF,
the links to it, and a constant number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from wagtail.models import Revision

from certification import services
from certification.evidence_pack import certificate_for_pack, evidence_pack
from certification.models import (
    Acknowledgement,
    AssessmentDispute,
    AssessmentStatus,
    DisputeStatus,
    ExternalAssessor,
    ExternalAssessorStatus,
    SkillAssessment,
)
from certification.permissions import may_see_evidence
from certification.rules import checklist_snapshot
from tests.certification.conftest import assess, meet_everything
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(staff, tree, programme, assessor):
    meet_everything(staff, tree, programme, assessor)
    certificate = services.issue_if_due(staff, programme)
    assert certificate is not None
    return certificate


@pytest.fixture
def pure_assessor(db):
    user = UserFactory(username="assessor-only")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="certification", codename="assess_skills")
    )
    return user


def urls(certificate) -> tuple[str, str]:
    base = f"/certificates/{certificate.code}/evidence"
    return f"{base}/", f"{base}.pdf"


# Who may see it --------------------------------------------------------------------------------


@pytest.mark.parametrize("pdf", [False, True])
def test_each_role_sees_the_pack_or_nothing(
    client,
    certificate,
    other_trainee,
    instructor,
    pure_assessor,
    manager,
    other_manager,
    admin_user,
    pdf,
):
    url = urls(certificate)[pdf]
    expected = {
        "holder": (certificate.user, 200),
        "other trainee": (other_trainee, 404),
        "assessor (no certificate rights)": (pure_assessor, 404),
        "instructor (sees every certificate)": (instructor, 200),
        "manager of the holder's clinic": (manager, 200),
        "manager of another clinic": (other_manager, 404),
        "admin": (admin_user, 200),
    }
    for role, (user, status) in expected.items():
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == status, role
        if status == 200 and pdf:
            assert response["Content-Type"] == "application/pdf"
            assert response.content.startswith(b"%PDF"), role
        assert may_see_evidence(user, certificate) is (status == 200), role
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_unknown_code_is_not_found_even_for_an_admin(client, admin_user, certificate):
    client.force_login(admin_user)
    assert client.get("/certificates/nosuchcode/evidence/").status_code == 404
    assert client.get("/certificates/nosuchcode/evidence.pdf").status_code == 404


def test_a_former_staff_members_managers_lose_sight(client, certificate, manager, clinic):
    certificate.user.clinic_memberships.filter(clinic=clinic).delete()
    client.force_login(manager)
    assert client.get(urls(certificate)[0]).status_code == 404


def test_an_inactive_holder_sees_nothing(certificate):
    certificate.user.is_active = False
    assert not may_see_evidence(certificate.user, certificate)


# Links -----------------------------------------------------------------------------------------


def test_the_verification_page_links_the_pack_only_for_those_allowed(
    client, certificate, other_trainee, manager
):
    page = f"/certificates/{certificate.code}/"
    link = urls(certificate)[0]
    assert link not in client.get(page).content.decode()  # anonymous
    client.force_login(other_trainee)
    assert link not in client.get(page).content.decode()
    for user in (certificate.user, manager):
        client.force_login(user)
        assert link in client.get(page).content.decode()


def test_the_learner_panel_and_the_staff_record_link_the_pack(client, certificate, manager):
    link = urls(certificate)[0]
    client.force_login(certificate.user)
    learn = client.get("/learn/").content.decode()
    assert link in learn and "/learn/transcript/" in learn
    client.force_login(manager)
    record = client.get(f"/clinics/riverside/staff/{certificate.user_id}/").content.decode()
    assert link in record


# What it holds ---------------------------------------------------------------------------------


def test_the_pack_lists_each_requirement_with_its_evidence(certificate, tree, programme, assessor):
    pack = evidence_pack(certificate_for_pack(certificate.code))
    assert not pack.renewal
    [course] = pack.courses
    assert course.title == tree.course.title and course.completed_at is not None
    assert [lesson.title for lesson in course.lessons] == [lesson.title for lesson in tree.lessons]
    [quiz] = pack.quizzes
    [attempt] = quiz.attempts
    assert attempt.number == 1 and attempt.pass_mark == programme.quiz.pass_mark
    assert {c.title for c in pack.checklists} == {
        c.title for c in programme.required_checklists.all()
    }
    for checklist in pack.checklists:
        [observed] = checklist.assessments
        assert observed.assessor == (assessor.get_full_name() or assessor.username)
        assert observed.global_rating == 5 and observed.rating_max == 6


def test_each_lesson_shows_the_revision_live_when_it_was_completed(certificate, tree):
    lesson = tree.lessons[0]
    trained_on = Revision.page_revisions.filter(object_id=str(lesson.pk)).latest("created_at")
    # An edit published after the certificate is not what the holder trained on.
    lesson.title = "Lesson 1, rewritten"
    later = lesson.save_revision()
    later.publish()
    pack = evidence_pack(certificate_for_pack(certificate.code))
    first = pack.courses[0].lessons[0]
    assert first.revision_id == trained_on.pk != later.pk
    assert first.revision_at == trained_on.created_at


def test_assessments_after_the_issue_or_set_aside_do_not_count(certificate, programme, assessor):
    checklist = programme.required_checklists.first()
    counted = SkillAssessment.objects.get(trainee=certificate.user, checklist=checklist)
    Acknowledgement.objects.create(assessment=counted)
    assess(certificate.user, assessor, checklist, when=timezone.now() + timedelta(days=1))
    other = programme.required_checklists.exclude(pk=checklist.pk).get()
    disputed = SkillAssessment.objects.get(trainee=certificate.user, checklist=other)
    AssessmentDispute.objects.create(
        assessment=disputed,
        raised_by=certificate.user,
        reason="Not observed.",
        status=DisputeStatus.UPHELD,
        resolution="Upheld.",
        resolved_at=certificate.issued_at + timedelta(days=2),
    )
    pack = evidence_pack(certificate_for_pack(certificate.code))
    by_title = {c.title: c for c in pack.checklists}
    [shown] = by_title[checklist.title].assessments  # the later one is not in the pack
    assert shown.acknowledged_at is not None
    [flagged] = by_title[other.title].assessments
    assert flagged.dispute_upheld_at is not None  # upheld after the issue: flagged, kept


def test_an_assessment_needing_a_countersign_counts_only_once_countersigned(certificate, programme):
    checklist = programme.required_checklists.first()
    SkillAssessment.objects.filter(trainee=certificate.user, checklist=checklist).update(
        needs_countersign=True
    )
    pack = evidence_pack(certificate_for_pack(certificate.code))
    assert next(c for c in pack.checklists if c.title == checklist.title).assessments == []


def test_an_external_supervisor_is_shown_with_their_registration(client, certificate, programme):
    checklist = programme.required_checklists.first()
    supervisor = ExternalAssessor.objects.create(
        name="Dr <b>Ext</b>",
        email="ext@example.org",
        registration_body="Acupuncture Council",
        registration_number="AC-123",
        status=ExternalAssessorStatus.APPROVED,
    )
    SkillAssessment.objects.create(
        trainee=certificate.user,
        external_assessor=supervisor,
        checklist=checklist,
        checklist_snapshot=checklist_snapshot(checklist, list(checklist.items.all())),
        status=AssessmentStatus.SIGNED,
        passed=True,
        global_rating=6,
        signed_at=certificate.issued_at - timedelta(hours=1),
    )
    client.force_login(certificate.user)
    page = client.get(urls(certificate)[0]).content.decode()
    assert "Dr &lt;b&gt;Ext&lt;/b&gt;" in page and "Acupuncture Council AC-123" in page
    pdf = client.get(urls(certificate)[1])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_the_pack_is_read_in_a_constant_number_of_queries(
    client, certificate, programme, assessor, django_assert_max_num_queries
):
    client.force_login(certificate.user)
    url = urls(certificate)[0]
    client.get(url)
    with django_assert_max_num_queries(30) as small:
        assert client.get(url).status_code == 200
    issued = certificate.issued_at
    for checklist in programme.required_checklists.all():
        for n in range(3):
            assess(certificate.user, assessor, checklist, when=issued - timedelta(days=n + 1))
    with django_assert_max_num_queries(30) as large:
        assert client.get(url).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)
