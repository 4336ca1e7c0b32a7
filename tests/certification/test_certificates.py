"""Certificates: issued the moment the last requirement is met, once; expiry, renewal, revocation."""

from datetime import timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time
from wagtail.models import ModelLogEntry

from certification import services
from certification.models import Certificate, CertificateStatus
from tests.certification.conftest import assess, finish_course, meet_everything

pytestmark = pytest.mark.django_db


def test_a_certificate_is_issued_when_the_last_requirement_is_met(
    trainee, tree, programme, assessor, django_capture_on_commit_callbacks
):
    finish_course(trainee, tree, programme)
    checklists = list(programme.required_checklists.all())
    with django_capture_on_commit_callbacks(execute=True):
        assess(trainee, assessor, checklists[0])
    assert not Certificate.objects.exists(), "one checklist is still missing"
    with django_capture_on_commit_callbacks(execute=True):
        assess(trainee, assessor, checklists[1])
    certificate = Certificate.objects.get()
    assert certificate.user == trainee and certificate.cycle == 1
    assert certificate.holder_name == trainee.display_name
    assert certificate.expires_at - certificate.issued_at == programme.validity
    assert certificate.status == CertificateStatus.ACTIVE
    assert ModelLogEntry.objects.filter(action="certification.certificate.issue").count() == 1


def test_the_certificate_comes_from_any_last_requirement_even_a_quiz(
    trainee, tree, programme, assessor, django_capture_on_commit_callbacks
):
    from courses import services as course_services
    from tests.factories import take_quiz

    course_services.enrol(trainee, tree.course)
    for checklist in programme.required_checklists.all():
        assess(trainee, assessor, checklist)
    for lesson in tree.lessons:
        course_services.complete_lesson(trainee, lesson)
    assert not Certificate.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        take_quiz(trainee, programme.quiz, right=True)
    assert Certificate.objects.filter(user=trainee).count() == 1


def test_checking_again_never_issues_a_second_certificate(trainee, tree, programme, assessor):
    meet_everything(trainee, tree, programme, assessor)
    first = services.issue_if_due(trainee, programme)
    assert first is not None
    for _ in range(3):
        assert services.issue_if_due(trainee, programme) is None
    assert Certificate.objects.count() == 1


def test_a_failed_assessment_does_not_count(trainee, tree, programme, assessor):
    finish_course(trainee, tree, programme)
    for checklist in programme.required_checklists.all():
        assess(trainee, assessor, checklist, passed=checklist.key != "needle")
    assert services.issue_if_due(trainee, programme) is None


def test_codes_are_unique_and_unguessable(trainee, other_trainee, tree, programme, assessor):
    for user in (trainee, other_trainee):
        meet_everything(user, tree, programme, assessor)
        services.issue_if_due(user, programme)
    codes = list(Certificate.objects.values_list("code", flat=True))
    assert len(set(codes)) == 2
    assert all(len(code) >= 22 for code in codes)


def test_status_moves_from_active_to_expiring_to_expired(trainee, tree, programme, assessor):
    meet_everything(trainee, tree, programme, assessor)
    certificate = services.issue_if_due(trainee, programme)
    assert (
        certificate.status_at(certificate.issued_at + timedelta(days=30))
        == CertificateStatus.ACTIVE
    )
    assert (
        certificate.status_at(certificate.expires_at - timedelta(days=59))
        == CertificateStatus.EXPIRING
    )
    assert (
        certificate.status_at(certificate.expires_at + timedelta(seconds=1))
        == CertificateStatus.EXPIRED
    )
    assert (
        Certificate.objects.expiring_within(
            60, at=certificate.expires_at - timedelta(days=10)
        ).count()
        == 1
    )
    assert Certificate.objects.expired(at=certificate.expires_at + timedelta(days=1)).count() == 1


def test_renewal_after_expiry_needs_new_assessments_and_keeps_the_history(
    trainee, tree, programme, assessor
):
    start = timezone.now() - programme.validity - timedelta(days=40)
    meet_everything(trainee, tree, programme, assessor, when=start)
    first = services.issue_if_due(trainee, programme, now=start)
    assert first is not None and first.status == CertificateStatus.EXPIRED
    assert services.issue_if_due(trainee, programme) is None, (
        "old assessments are outside the validity period"
    )
    for checklist in programme.required_checklists.all():
        assess(trainee, assessor, checklist)
    renewed = services.issue_if_due(trainee, programme)
    assert renewed is not None and renewed.cycle == 2 and renewed.code != first.code
    assert set(Certificate.objects.values_list("cycle", flat=True)) == {1, 2}
    first.refresh_from_db()
    assert first.status == CertificateStatus.EXPIRED


def test_revoking_needs_a_reason_and_is_audited(trainee, tree, programme, assessor, admin_user):
    meet_everything(trainee, tree, programme, assessor)
    certificate = services.issue_if_due(trainee, programme)
    with pytest.raises(services.CertificationError, match="reason"):
        services.revoke_certificate(certificate.pk, admin_user, "   ")
    certificate.refresh_from_db()
    assert certificate.revoked_at is None
    services.revoke_certificate(certificate.pk, admin_user, "Audit found unsafe depth.")
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.REVOKED
    entry = ModelLogEntry.objects.get(action="certification.certificate.revoke")
    assert entry.user_id == admin_user.pk and entry.data["reason"] == "Audit found unsafe depth."


def test_a_trainee_cannot_revoke(trainee, tree, programme, assessor):
    from django.core.exceptions import PermissionDenied

    meet_everything(trainee, tree, programme, assessor)
    certificate = services.issue_if_due(trainee, programme)
    with pytest.raises(PermissionDenied):
        services.revoke_certificate(certificate.pk, trainee, "I want to")


def test_after_revocation_a_new_certificate_needs_new_evidence(
    trainee, tree, programme, assessor, admin_user
):
    meet_everything(trainee, tree, programme, assessor)
    certificate = services.issue_if_due(trainee, programme)
    services.revoke_certificate(certificate.pk, admin_user, "Re-assessment required.")
    assert services.issue_if_due(trainee, programme) is None
    with freeze_time(timezone.now() + timedelta(minutes=5)):
        for checklist in programme.required_checklists.all():
            assess(trainee, assessor, checklist)
        again = services.issue_if_due(trainee, programme)
    assert again is not None and again.cycle == 2


# Verification and PDF ---------------------------------------------------------------------------


def test_the_verification_page_shows_only_name_programme_dates_and_status(
    client, trainee, tree, programme, assessor
):
    trainee.email = "private@example.org"
    trainee.save()
    meet_everything(trainee, tree, programme, assessor)
    certificate = services.issue_if_due(trainee, programme)
    response = client.get(f"/certificates/{certificate.code}/")
    assert response.status_code == 200
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    assert certificate.holder_name in main and programme.title in main and "Active" in main
    assert certificate.issued_at.strftime("%Y") in main
    for private in ("private@example.org", trainee.username, "quiz", "assessment"):
        assert private not in main.lower().replace("hfs academy", ""), private
    assert response["X-Robots-Tag"] == "noindex"


def test_a_revoked_certificate_says_so_publicly(
    client, trainee, tree, programme, assessor, admin_user
):
    meet_everything(trainee, tree, programme, assessor)
    certificate = services.issue_if_due(trainee, programme)
    services.revoke_certificate(certificate.pk, admin_user, "Private reason that stays private.")
    html = client.get(f"/certificates/{certificate.code}/").content.decode()
    assert "revoked" in html.lower()
    assert "Private reason" not in html


def test_unknown_codes_are_404(client, db):
    assert client.get("/certificates/not-a-real-code/").status_code == 404
    assert client.get("/certificates/not-a-real-code.pdf").status_code == 404


def test_the_pdf_carries_the_verification_url(client, trainee, tree, programme, assessor):
    meet_everything(trainee, tree, programme, assessor)
    certificate = services.issue_if_due(trainee, programme)
    response = client.get(f"/certificates/{certificate.code}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    body = response.content
    assert body.startswith(b"%PDF") and len(body) > 2000
    assert f"http://testserver/certificates/{certificate.code}/".encode() in pdf_text(body)
    assert certificate.holder_name.encode() in pdf_text(body)


def test_verification_page_and_pdf_certify_training_not_that_the_technique_works(
    client, trainee, tree, programme, assessor
):
    programme.description = "Evidence: one uncontrolled case report, no trials."
    programme.save()
    meet_everything(trainee, tree, programme, assessor)
    certificate = services.issue_if_due(trainee, programme)
    html = client.get(f"/certificates/{certificate.code}/").content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    assert "certifies completed training and observed competence" in main
    assert "does not show that the technique taught works" in main
    assert "Evidence: one uncontrolled case report, no trials." in main
    text = pdf_text(client.get(f"/certificates/{certificate.code}.pdf").content)
    assert b"not that the technique works" in text
    assert b"Evidence: one uncontrolled case report, no trials." in text


def test_a_long_programme_description_stays_within_the_certificate(
    client, trainee, tree, programme, assessor
):
    from certification.pdf import wrapped

    programme.description = "Evidence level stated in full. " * 60
    programme.save()
    size, lines = wrapped(programme.description, "Helvetica", 200 * 2.83)
    assert len(lines) == 6 and lines[-1].endswith("…") and size == 7.5
    meet_everything(trainee, tree, programme, assessor)
    certificate = services.issue_if_due(trainee, programme)
    assert client.get(f"/certificates/{certificate.code}.pdf").status_code == 200


def pdf_text(body: bytes) -> bytes:
    """The PDF's content streams, decoded (reportlab writes them ASCII85 + Flate)."""
    import base64
    import re
    import zlib

    out = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", body, re.DOTALL):
        data = stream.strip()
        try:
            if data.endswith(b"~>"):
                data = base64.a85decode(data[:-2].replace(b"\n", b""))
            out.append(zlib.decompress(data))
        except (ValueError, zlib.error):
            out.append(stream)
    return b"\n".join(out)


def test_my_learning_lists_my_certificates(client, trainee, tree, programme, assessor):
    meet_everything(trainee, tree, programme, assessor)
    certificate = services.issue_if_due(trainee, programme)
    client.force_login(trainee)
    html = client.get("/learn/").content.decode()
    assert programme.title in html and f"/certificates/{certificate.code}/" in html
