"""Every URL of assessment requests and supervisor approval, asked by every kind of user."""

from __future__ import annotations

import pytest

from certification.models import AssessmentRequest, ExternalAssessor, RequestStatus
from tests.certification.assessment_request_helpers import ask, make_assessor, propose
from tests.factories import make_checklist

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "trainee",
    "other_trainee",
    "assessor",
    "instructor",
    "manager",
    "other_manager",
    "admin",
]


@pytest.fixture
def world(
    staff, other_trainee, clinic, other_clinic, manager, other_manager, instructor, admin_user
):
    assessor = make_assessor("assessor-a")
    checklist = make_checklist("palp", safety=False)
    received = ask(staff, assessor, checklist)
    proposed = propose(staff, checklist, clinic)
    return {
        "users": {
            "anonymous": None,
            "trainee": staff,
            "other_trainee": other_trainee,
            "assessor": assessor,
            "instructor": instructor,
            "manager": manager,
            "other_manager": other_manager,
            "admin": admin_user,
        },
        "checklist": checklist,
        "request": received,
        "supervisor": proposed.external_assessor,
    }


def everyone(status: int, anonymous: int = 302) -> dict[str, int]:
    return {role: (anonymous if role == "anonymous" else status) for role in ROLES}


# (method, url template, data, {role: status}); 302 for anonymous means "sign in first".
READS = [
    ("get", "/learn/assessments/", everyone(200)),
    ("get", "/learn/assessments/request/", everyone(200)),
    ("get", "/learn/assessments/request/?checklist={checklist}", everyone(200)),
    (
        "get",
        "/assess/",
        {
            "anonymous": 302,
            "trainee": 403,
            "other_trainee": 403,
            "assessor": 200,
            "instructor": 200,
            "manager": 403,
            "other_manager": 403,
            "admin": 200,
        },
    ),
    (
        "get",
        "/clinics/riverside/external-assessors/",
        {
            "anonymous": 302,
            "trainee": 404,
            "other_trainee": 404,
            "assessor": 404,
            "instructor": 404,
            "manager": 200,
            "other_manager": 404,
            "admin": 200,
        },
    ),
    (
        "get",
        "/admin/external-supervisors/",
        {
            "anonymous": 302,
            "trainee": 302,
            "other_trainee": 302,
            "assessor": 302,
            "instructor": 302,  # the admin refuses by going back to its dashboard
            "manager": 302,
            "other_manager": 302,
            "admin": 200,
        },
    ),
]

# Writes: each is tried by each role on a fresh world. 302 is success (back to the list).
WRITES = [
    (
        "/learn/assessments/requests/{request}/withdraw/",
        {},
        {**everyone(404), "anonymous": 302, "trainee": 302},
    ),
    (
        "/assess/requests/{request}/accept/",
        {},
        {
            "anonymous": 302,
            "trainee": 403,
            "other_trainee": 403,
            "assessor": 302,
            "instructor": 404,
            "manager": 403,
            "other_manager": 403,
            "admin": 404,
        },
    ),
    (
        "/assess/requests/{request}/decline/",
        {"reason": "Away"},
        {
            "anonymous": 302,
            "trainee": 403,
            "other_trainee": 403,
            "assessor": 302,
            "instructor": 404,
            "manager": 403,
            "other_manager": 403,
            "admin": 404,
        },
    ),
    (
        "/clinics/riverside/external-assessors/{supervisor}/approve/",
        {},
        {**everyone(404), "anonymous": 302, "manager": 302, "admin": 302},
    ),
    (
        "/clinics/riverside/external-assessors/{supervisor}/reject/",
        {"note": "Unknown register"},
        {**everyone(404), "anonymous": 302, "manager": 302, "admin": 302},
    ),
    (
        "/admin/external-supervisors/{supervisor}/approve/",
        {},
        everyone(302),
    ),
]


def _url(template: str, world: dict) -> str:
    return template.format(
        checklist=world["checklist"].pk,
        request=world["request"].pk,
        supervisor=world["supervisor"].pk,
    )


def _as(client, world, role) -> None:
    client.logout()
    user = world["users"][role]
    if user is not None:
        client.force_login(user)


@pytest.mark.parametrize("role", ROLES)
def test_who_may_read_each_page(client, world, role):
    wrong = []
    for _method, template, expected in READS:
        _as(client, world, role)
        url = _url(template, world)
        response = client.get(url)
        if response.status_code != expected[role]:
            wrong.append(f"GET {url}: {response.status_code}, expected {expected[role]}")
        elif response.status_code == 302 and not _refused_to(response.url, role):
            wrong.append(f"GET {url}: redirected to {response.url}, not to sign in")
    assert not wrong, "\n".join(wrong)


def _refused_to(url: str, role: str) -> bool:
    """Whether a redirect is a refusal: to sign in, or (staff in the admin) to its dashboard."""
    return "login" in url or (role == "instructor" and url == "/admin/")


def _state(world) -> tuple:
    received = AssessmentRequest.objects.get(pk=world["request"].pk)
    supervisor = ExternalAssessor.objects.get(pk=world["supervisor"].pk)
    return received.status, supervisor.status


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("template,data,expected", WRITES, ids=[w[0] for w in WRITES])
def test_who_may_make_each_write(client, world, role, template, data, expected):
    before = _state(world)
    _as(client, world, role)
    url = _url(template, world)
    response = client.post(url, data)
    assert response.status_code == expected[role], f"POST {url} as {role}"
    refused = response.status_code != 302 or _refused_to(response.url, role)
    if role == "anonymous":
        assert "login" in response.url
    if refused:
        assert _state(world) == before, f"POST {url} as {role} changed something"
    else:
        assert _state(world) != before, f"POST {url} as {role} changed nothing"


def test_a_request_is_not_found_by_another_assessor(client, world):
    other = make_assessor("assessor-b", "Ben", "Other")
    client.force_login(other)
    response = client.post(f"/assess/requests/{world['request'].pk}/accept/")
    assert response.status_code == 404
    assert AssessmentRequest.objects.get(pk=world["request"].pk).status == RequestStatus.PENDING
