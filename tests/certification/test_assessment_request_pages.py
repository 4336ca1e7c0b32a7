"""The request pages: asking, the assessor's queue, supervisor approval, the header and /learn/."""

from __future__ import annotations

import pytest

from accounts.models import Notification
from certification.models import (
    AssessmentRequest,
    ExternalAssessor,
    ExternalAssessorStatus,
    ProgrammeAssignment,
    RequestStatus,
)
from certification.requests import AcceptRequestAction
from tests.certification.assessment_request_helpers import (
    ask,
    make_assessor,
    propose,
    restrict,
)
from tests.factories import assess, make_checklist

pytestmark = pytest.mark.django_db


@pytest.fixture
def observer(roles):
    return make_assessor("assessor-a")


@pytest.fixture
def checklist(db):
    return make_checklist("palp", safety=False)


def test_a_trainee_asks_an_eligible_assessor_from_the_form(client, staff, observer, checklist):
    other = make_assessor("assessor-b", "Ben", "Other")
    restrict(checklist, observer)
    client.force_login(staff)
    page = client.get(f"/learn/assessments/request/?checklist={checklist.pk}").content.decode()
    assert "Asha Observer" in page and "Ben Other" not in page
    url = f"/learn/assessments/request/?checklist={checklist.pk}"
    refused = client.post(url, {"assessor-kind": "assessor", "assessor-assessor": other.pk})
    assert refused.status_code == 400 and not AssessmentRequest.objects.exists()
    response = client.post(
        url,
        {"assessor-kind": "assessor", "assessor-assessor": observer.pk, "assessor-message": "Hi"},
    )
    assert response.status_code == 302 and response.url == "/learn/assessments/"
    made = AssessmentRequest.objects.get()
    assert (made.trainee, made.assessor, made.message) == (staff, observer, "Hi")
    again = client.post(url, {"assessor-kind": "assessor", "assessor-assessor": observer.pk})
    assert again.status_code == 400 and "already have an open request" in again.content.decode()
    listing = client.get("/learn/assessments/").content.decode()
    assert "Asha Observer" in listing and "Withdraw" in listing


def test_a_trainee_proposes_a_supervisor_for_their_clinic(client, staff, clinic, checklist):
    client.force_login(staff)
    url = f"/learn/assessments/request/?checklist={checklist.pk}"
    data = {
        "external-kind": "external",
        "external-name": "Hana Mori",
        "external-email": "hana@example.org",
        "external-registration_body": "National Acupuncture Council",
        "external-registration_number": "NAC-1",
        "external-clinic": clinic.pk,
    }
    missing = client.post(url, {**data, "external-registration_number": ""})
    assert missing.status_code == 400 and not ExternalAssessor.objects.exists()
    response = client.post(url, data)
    assert response.status_code == 302
    supervisor = ExternalAssessor.objects.get()
    assert supervisor.clinic == clinic and supervisor.status == ExternalAssessorStatus.PENDING


def test_the_checklists_a_trainees_programmes_need_come_first(
    client, staff, clinic, manager, programme
):
    ProgrammeAssignment.objects.create(
        clinic=clinic, user=staff, programme=programme, due_date="2030-01-01"
    )
    make_checklist("zz-practice", safety=False)
    client.force_login(staff)
    page = client.get("/learn/assessments/request/").content.decode()
    needed, others = page.split("Other checklists")
    assert "Checklist palp" in needed and "Checklist needle" in needed
    assert "Checklist zz-practice" in others


def test_a_bad_checklist_is_not_found_and_a_post_without_one_is_refused(client, staff):
    client.force_login(staff)
    assert client.get("/learn/assessments/request/?checklist=999999").status_code == 404
    assert client.get("/learn/assessments/request/?checklist=x").status_code == 200
    assert client.post("/learn/assessments/request/", {}).status_code == 400


def test_the_assessor_accepts_and_declines_from_the_queue(
    client, staff, other_trainee, observer, checklist
):
    first = ask(staff, observer, checklist, message="Tuesday at 9")
    second = ask(other_trainee, observer, checklist)
    client.force_login(observer)
    page = client.get("/assess/").content.decode()
    assert "Tuesday at 9" in page and "Waiting for your answer (2)" in page
    client.post(f"/assess/requests/{first.pk}/accept/")
    first.refresh_from_db()
    assert first.status == RequestStatus.ACCEPTED
    page = client.get("/assess/").content.decode()
    assert f"/assess/start/?request={first.pk}" in page
    empty = client.post(f"/assess/requests/{second.pk}/decline/", {"reason": " "})
    assert empty.status_code == 400 and "Give the trainee a reason" in empty.content.decode()
    second.refresh_from_db()
    assert second.status == RequestStatus.PENDING
    client.post(f"/assess/requests/{second.pk}/decline/", {"reason": "Booked"})
    second.refresh_from_db()
    assert second.status == RequestStatus.DECLINED
    client.force_login(other_trainee)
    assert "Booked" in client.get("/learn/assessments/").content.decode()


def test_the_header_shows_assessors_their_waiting_requests(client, staff, observer, checklist):
    client.force_login(observer)
    assert 'href="/assess/"' in client.get("/learn/").content.decode()
    ask(staff, observer, checklist)
    html = client.get("/learn/").content.decode()
    assert '<span class="badge">1</span>' in html
    client.force_login(staff)
    html = client.get("/learn/").content.decode()
    assert 'href="/assess/"' not in html
    assert "Observed assessments" in html and "/learn/assessments/request/" in html


def test_a_manager_approves_and_rejects_on_the_clinic_page(
    client, staff, clinic, manager, checklist, mailoutbox, django_capture_on_commit_callbacks
):
    first = propose(staff, checklist, clinic)
    second = propose(staff, make_checklist("other", safety=False), clinic, email="x@example.org")
    client.force_login(manager)
    page = client.get("/clinics/riverside/external-assessors/").content.decode()
    assert "Hana Mori" in page and "NAC-1" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/clinics/riverside/external-assessors/{first.external_assessor_id}/approve/")
    assert ExternalAssessor.objects.get(pk=first.external_assessor_id).approved
    to_supervisor = [m for m in mailoutbox if m.to == ["hana@example.org"]]
    assert len(to_supervisor) == 1 and "/assess/external/" in to_supervisor[0].body
    assert not any(m.to == ["x@example.org"] for m in mailoutbox)
    url = f"/clinics/riverside/external-assessors/{second.external_assessor_id}/reject/"
    missing = client.post(url, {"note": ""})
    assert missing.status_code == 400 and "Say why" in missing.content.decode()
    assert ExternalAssessor.objects.get(pk=second.external_assessor_id).status == "pending"
    client.post(url, {"note": "Not on the register"})
    second.refresh_from_db()
    assert second.status == RequestStatus.DECLINED
    assert Notification.objects.filter(user=staff, kind="assessment.declined").exists()


def test_the_admin_decides_for_a_trainee_with_no_clinic(client, trainee, admin_user, checklist):
    made = propose(trainee, checklist)
    client.force_login(admin_user)
    page = client.get("/admin/external-supervisors/").content.decode()
    assert "Hana Mori" in page and "admins approve" in page
    client.post(f"/admin/external-supervisors/{made.external_assessor_id}/approve/")
    assert ExternalAssessor.objects.get().approved


def test_the_checklist_editor_offers_eligible_assessors(client, admin_user, checklist, observer):
    client.force_login(admin_user)
    html = client.get(f"/admin/snippets/certification/skillchecklist/edit/{checklist.pk}/")
    assert html.status_code == 200
    assert "Eligible assessors" in html.content.decode()


def test_pages_run_a_constant_number_of_queries(
    client, staff, clinic, manager, observer, checklist, django_assert_max_num_queries
):
    for n in range(4):
        other = make_checklist(f"extra-{n}", safety=False)
        made = ask(staff, observer, other)
        if n % 2:
            AcceptRequestAction(made, user=observer).execute()
        propose(staff, other, clinic, email=f"sup{n}@example.org")
        assess(staff, observer, other)
    pages = [
        (staff, "/learn/assessments/"),
        (staff, f"/learn/assessments/request/?checklist={checklist.pk}"),
        (staff, "/learn/assessments/request/"),
        (observer, "/assess/"),
        (manager, "/clinics/riverside/external-assessors/"),
    ]
    for user, url in pages:
        client.force_login(user)
        client.get(url)  # warm the caches (site root, permissions)
        with django_assert_max_num_queries(14):
            assert client.get(url).status_code == 200, url
