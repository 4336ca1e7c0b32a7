"""The admin lists of certificates and skill assessments: who sees them, their filters, search,
and a Revoke button only for those who may revoke."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from certification import services
from core.roles import INSTRUCTORS, REVIEWERS
from tests.certification.conftest import meet_everything
from tests.factories import UserFactory, make_checklist

pytestmark = pytest.mark.django_db

CERTIFICATES = "/admin/certification/certificates/"
ASSESSMENTS = "/admin/certification/assessments/"


def permission(codename: str, app_label: str = "certification") -> Permission:
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@pytest.fixture
def certificate(staff, tree, programme, assessor):
    meet_everything(staff, tree, programme, assessor)
    return services.issue_if_due(staff, programme)


@pytest.fixture
def viewer(db):
    """Sees certificates in the admin but may not revoke them."""
    user = UserFactory(username="viewer")
    user.user_permissions.add(
        permission("access_admin", "wagtailadmin"), permission("view_certificates")
    )
    return user


def test_those_who_may_revoke_see_revoke_and_the_others_do_not(
    client, certificate, assessor, viewer
):
    revoke_url = f"{CERTIFICATES}{certificate.pk}/revoke/"
    client.force_login(assessor)
    html = client.get(CERTIFICATES).content.decode()
    assert certificate.holder_name in html and revoke_url in html and ">Revoke<" in html
    client.force_login(viewer)
    html = client.get(CERTIFICATES).content.decode()
    assert certificate.holder_name in html and revoke_url not in html and ">Revoke<" not in html
    response = client.get(revoke_url)
    assert (response.status_code, response["Location"]) == (302, "/admin/")


def test_a_revoked_certificate_offers_no_revoke_and_shows_its_reason(
    client, certificate, admin_user
):
    services.revoke_certificate(certificate.pk, admin_user, "Unsafe depth.")
    client.force_login(admin_user)
    html = client.get(CERTIFICATES).content.decode()
    assert "Unsafe depth." in html and f"{certificate.pk}/revoke/" not in html


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ({}, True),
        ({"status": "active"}, True),
        ({"status": "revoked"}, False),
        ({"status": "expired"}, False),
        ({"q": "trainee-a"}, True),
        ({"q": "nobody-at-all"}, False),
        ({"status": "bogus"}, True),
    ],
)
def test_the_certificate_list_is_filtered_and_searched(
    client, certificate, admin_user, query, listed
):
    client.force_login(admin_user)
    response = client.get(CERTIFICATES, query)
    assert response.status_code == 200
    assert (certificate.code[:8] in response.content.decode()) is listed


def test_a_code_is_found_by_its_start(client, certificate, admin_user):
    client.force_login(admin_user)
    html = client.get(CERTIFICATES, {"q": certificate.code[:6]}).content.decode()
    assert certificate.code[:8] in html


def test_assessors_see_their_own_assessments_first_and_everyones_on_request(
    client, roles, trainee, assessor
):
    colleague = UserFactory(username="instructor-b", groups=[INSTRUCTORS])
    services.start_assessment(trainee, colleague, make_checklist("palp", safety=False))
    mine = services.start_assessment(trainee, assessor, make_checklist("needle", safety=True))
    client.force_login(assessor)
    html = client.get(ASSESSMENTS).content.decode()
    assert "Checklist needle" in html and "Checklist palp" not in html
    assert f"{ASSESSMENTS}{mine.pk}/" in html
    everyone = client.get(ASSESSMENTS, {"mine": "0"}).content.decode()
    assert "Checklist needle" in everyone and "Checklist palp" in everyone
    signed = client.get(ASSESSMENTS, {"mine": "0", "status": "signed"}).content.decode()
    assert "Checklist needle" not in signed and "Checklist palp" not in signed
    assert "Record a skill assessment" in html


def test_the_menu_shows_each_list_to_those_who_may_see_it(client, roles, assessor, viewer):
    reviewer = UserFactory(username="reviewer-b", groups=[REVIEWERS])
    shown = {}
    for name, user in (("assessor", assessor), ("viewer", viewer), ("reviewer", reviewer)):
        client.force_login(user)
        html = client.get("/admin/").content.decode()
        shown[name] = (ASSESSMENTS in html, CERTIFICATES in html)
    assert shown == {
        "assessor": (True, True),
        "viewer": (False, True),
        "reviewer": (False, False),
    }
    for url in (ASSESSMENTS, CERTIFICATES):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, "/admin/")


def test_the_lists_refresh_their_results_for_the_filters(client, certificate, admin_user):
    client.force_login(admin_user)
    for url in (f"{CERTIFICATES}results/", f"{ASSESSMENTS}results/"):
        assert client.get(url, {"status": "signed"}).status_code == 200
