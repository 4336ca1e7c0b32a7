"""Every URL issue 6 adds, asked by every kind of user: who gets in, who is refused, and how."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from certification import services
from certification.models import Certificate, ClinicMembership, ClinicRole, ProgrammeAssignment
from tests.certification.conftest import meet_everything
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "trainee", "instructor", "manager", "other_manager", "admin"]


@pytest.fixture
def world(
    clinic, other_clinic, manager, other_manager, staff, tree, programme, assessor, admin_user
):
    meet_everything(staff, tree, programme, assessor)
    certificate = services.issue_if_due(staff, programme)
    return {
        "users": {
            "anonymous": None,
            "trainee": staff,
            "instructor": assessor,
            "manager": manager,
            "other_manager": other_manager,
            "admin": admin_user,
        },
        "certificate": certificate,
        "programme": programme,
    }


def status_for(client, world, role, method, url, data=None):
    user = world["users"][role]
    client.logout()
    if user is not None:
        client.force_login(user)
    response = client.post(url, data or {}) if method == "post" else client.get(url)
    return response.status_code, response


# (method, url template, {role: expected status}); 302 for anonymous means "sign in first".
MATRIX = [
    (
        "get",
        "/clinics/riverside/",
        {
            "anonymous": 302,
            "trainee": 404,
            "instructor": 404,
            "manager": 200,
            "other_manager": 404,
            "admin": 200,
        },
    ),
    (
        "get",
        "/clinics/riverside/report.csv",
        {
            "anonymous": 302,
            "trainee": 404,
            "instructor": 404,
            "manager": 200,
            "other_manager": 404,
            "admin": 200,
        },
    ),
    (
        "post",
        "/clinics/riverside/assign/",
        {
            "anonymous": 302,
            "trainee": 404,
            "instructor": 404,
            "manager": 302,
            "other_manager": 404,
            "admin": 302,
        },
    ),
    (
        "get",
        "/clinics/harbour/",
        {
            "anonymous": 302,
            "trainee": 404,
            "instructor": 404,
            "manager": 404,
            "other_manager": 200,
            "admin": 200,
        },
    ),
    (
        "get",
        "/clinics/nowhere/",
        {
            "anonymous": 302,
            "trainee": 404,
            "instructor": 404,
            "manager": 404,
            "other_manager": 404,
            "admin": 404,
        },
    ),
    ("get", "/certificates/{code}/", dict.fromkeys(ROLES, 200)),
    ("get", "/certificates/{code}.pdf", dict.fromkeys(ROLES, 200)),
    (
        "get",
        "/learn/competencies/",
        {
            "anonymous": 302,
            "trainee": 200,
            "instructor": 200,
            "manager": 200,
            "other_manager": 200,
            "admin": 200,
        },
    ),
    (
        "get",
        "/admin/certification/assessments/",
        {
            "anonymous": 302,
            "trainee": 302,
            "instructor": 200,
            "manager": 302,
            "other_manager": 302,
            "admin": 200,
        },
    ),
    (
        "get",
        "/admin/certification/assessments/new/",
        {
            "anonymous": 302,
            "trainee": 302,
            "instructor": 200,
            "manager": 302,
            "other_manager": 302,
            "admin": 200,
        },
    ),
    (
        "get",
        "/admin/certification/certificates/",
        {
            "anonymous": 302,
            "trainee": 302,
            "instructor": 200,
            "manager": 302,
            "other_manager": 302,
            "admin": 200,
        },
    ),
    (
        "get",
        "/admin/certification/certificates/{pk}/revoke/",
        {
            "anonymous": 302,
            "trainee": 302,
            "instructor": 200,
            "manager": 302,
            "other_manager": 302,
            "admin": 200,
        },
    ),
]


@pytest.mark.parametrize("role", ROLES)
def test_who_may_use_each_url(client, world, role):
    """One role against every URL; a failure lists each URL that answered wrongly."""
    certificate = world["certificate"]
    data = {
        "programme": world["programme"].pk,
        "due_date": (timezone.now() + timedelta(days=30)).date().isoformat(),
        "staff": [world["users"]["trainee"].pk],
    }
    wrong = []
    for method, template, expected in MATRIX:
        url = template.format(code=certificate.code, pk=certificate.pk)
        status, response = status_for(client, world, role, method, url, data)
        if status != expected[role]:
            wrong.append(f"{method.upper()} {url}: {status}, expected {expected[role]}")
        elif role == "anonymous" and status == 302 and "login" not in response.url:
            wrong.append(f"{method.upper()} {url}: redirected to {response.url}, not to sign in")
    assert not wrong, "\n".join(wrong)


def test_a_manager_sees_only_their_own_clinics_staff(client, world, other_clinic):
    outsider = UserFactory(username="harbour-staff", first_name="Harbour", last_name="Person")
    ClinicMembership.objects.create(clinic=other_clinic, user=outsider, role=ClinicRole.STAFF)
    client.force_login(world["users"]["manager"])
    html = client.get("/clinics/riverside/").content.decode()
    assert "Harbour Person" not in html
    body = b"".join(client.get("/clinics/riverside/report.csv").streaming_content).decode()
    assert "harbour-staff" not in body


def test_refused_writes_change_nothing(client, world):
    client.force_login(world["users"]["other_manager"])
    ProgrammeAssignment.objects.all().delete()
    client.post(
        "/clinics/riverside/assign/",
        {"programme": world["programme"].pk, "due_date": "2030-01-01", "everyone": "on"},
    )
    assert not ProgrammeAssignment.objects.exists()
    client.force_login(world["users"]["trainee"])
    client.post(
        f"/admin/certification/certificates/{world['certificate'].pk}/revoke/", {"reason": "mine"}
    )
    assert Certificate.objects.get().revoked_at is None


def test_clinic_managers_hold_no_user_management_permission(world):
    manager = world["users"]["manager"]
    user_perms = Permission.objects.filter(content_type__app_label__in=["accounts", "auth"])
    for permission in user_perms:
        assert not manager.has_perm(f"{permission.content_type.app_label}.{permission.codename}"), (
            permission.codename
        )
    assert not manager.has_perm("wagtailadmin.access_admin")


def test_clinic_managers_cannot_reach_the_admin_user_screens(client, world):
    client.force_login(world["users"]["manager"])
    for url in ("/admin/", "/admin/users/", "/admin/groups/", "/admin/users/add/"):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response.url, url


def test_instructors_revoke_with_a_reason_through_the_admin(client, world):
    certificate = world["certificate"]
    client.force_login(world["users"]["instructor"])
    url = f"/admin/certification/certificates/{certificate.pk}/revoke/"
    assert client.post(url, {"reason": ""}).status_code == 200
    certificate.refresh_from_db()
    assert certificate.revoked_at is None
    assert client.post(url, {"reason": "Unsafe depth at audit."}).status_code == 302
    certificate.refresh_from_db()
    assert certificate.revocation_reason == "Unsafe depth at audit."
