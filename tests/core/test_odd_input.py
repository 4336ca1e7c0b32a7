"""Odd ids, codes and filter values never reach the database as a 500.

Every URL pattern of the project's own views that takes a value in its path, and every query
string filter, is requested with a superscript digit, a NUL, 2**63, a negative number and an
exponent, by every kind of user, on whichever database the suite runs on: the answer is a 4xx
(someone who may not use the admin is first sent to sign in), or for a filter the page without
it; never a 500.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter
from django.urls.resolvers import RoutePattern

from certification import services
from certification.models import Clinic, ClinicMembership, ClinicRole
from core.converters import CodeConverter, IdConverter
from core.params import MAX_ID, parse_id, query_id, query_text
from quizzes.models import QuizPage
from tests.certification.conftest import make_checklist, meet_everything
from tests.conftest import build_tree, rolled_back_at_end
from tests.factories import UserFactory, make_programme, make_question, make_quiz

OUR_APPS = {"accounts", "core", "courses", "quizzes", "certification"}
ODD = ["²", "\x00", str(MAX_ID + 1), "-1", "1e3"]
ODD_IDS = pytest.mark.parametrize("value", ODD, ids=["superscript", "nul", "2**63", "-1", "1e3"])
ROLES = ["anonymous", "trainee", "instructor", "reviewer", "manager", "admin"]
SLOT = re.compile(r"<(?:(\w+):)?(\w+)>")


# The project's URL patterns ---------------------------------------------------------------------


def _walk(resolvers, prefix: str = "", converters: tuple = ()):
    for entry in resolvers:
        if not isinstance(entry.pattern, RoutePattern):
            continue  # regex routes are Wagtail's and Django's own, not the project's
        route = prefix + str(entry.pattern)
        found = converters + tuple(entry.pattern.converters.values())
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route, found)
        elif isinstance(entry, URLPattern):
            module = getattr(entry.callback, "__module__", "") or ""
            if module.split(".")[0] in OUR_APPS and found:
                yield "/" + route, found


def project_routes() -> list[tuple[str, tuple]]:
    """(route template, converters) of every project view that takes a value in its path."""
    routes = list(_walk(get_resolver().url_patterns))
    quiz_routes = [
        ("{quiz}" + str(pattern.pattern), tuple(pattern.pattern.converters.values()))
        for pattern in QuizPage.get_subpage_urls()
        if pattern.pattern.converters
    ]
    return routes + quiz_routes


ROUTES = project_routes()


def test_the_walk_finds_the_project_routes():
    templates = {route for route, _ in ROUTES}
    for expected in (
        "/learn/courses/<id:course_id>/enrol/",
        "/learn/lessons/<id:lesson_id>/complete/",
        "/certificates/<code:code>/",
        "/certificates/<code:code>.pdf",
        "/clinics/<slug:slug>/",
        "/admin/certification/assessments/<id:assessment_id>/",
        "/admin/certification/certificates/<id:certificate_id>/revoke/",
        "/admin/reports/course-progress/<id:course_id>.csv",
        "{quiz}attempt/<id:attempt_id>/result/",
    ):
        assert expected in templates, expected


def test_no_project_route_takes_an_unbounded_integer():
    unbounded = [
        route for route, found in ROUTES if any(isinstance(c, IntConverter) for c in found)
    ]
    assert unbounded == []


# The parsers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1", 1),
        ("0042", 42),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        ("0", None),
        ("-1", None),
        ("+1", None),
        (" 1", None),
        ("1_0", None),
        ("1e3", None),
        ("²", None),
        ("٣", None),
        ("\x00", None),
        ("", None),
        ("1" * 5000, None),
        (None, None),
    ],
)
def test_an_id_is_ascii_digits_within_64_bits(text, expected):
    assert parse_id(text) == expected
    assert query_id({"id": text} if text is not None else {}, "id") == expected


@ODD_IDS
def test_the_id_converter_refuses_what_is_not_an_id(value):
    converter = IdConverter()
    if not re.fullmatch(converter.regex, value):
        return
    with pytest.raises(ValueError):
        converter.to_python(value)


def test_codes_are_url_safe_characters_only():
    assert re.fullmatch(CodeConverter.regex, "Ab9_-x" * 3)
    for odd in ("\x00", "²", "a b", "a/b", "a.pdf", "x" * 33):
        assert not re.fullmatch(CodeConverter.regex, odd)


def test_search_text_drops_control_characters_and_is_bounded():
    assert query_text({"q": "  Hana\x00 Mori\t"}, "q") == "Hana  Mori"
    assert query_text({"q": "x" * 500}, "q") == "x" * 100
    assert query_text({}, "q") == ""


# Every route and filter, every role -------------------------------------------------------------


@pytest.fixture(scope="module")
def _world_once(django_db_setup, django_db_blocker):
    """One small site for the whole module, built in a transaction rolled back at its end."""
    from core.roles import INSTRUCTORS, REVIEWERS, ensure_roles
    from courses.services import enrol

    with rolled_back_at_end(django_db_blocker):
        with django_db_blocker.unblock():
            tree = build_tree()
            ensure_roles(tree.index)
            quiz = make_quiz(tree.module, [make_question()])
            programme = make_programme(
                "prog",
                "Practitioner",
                courses=[tree.course],
                quizzes=[quiz],
                checklists=[make_checklist("palp", safety=False)],
            )
            programme.quiz = quiz
            clinic = Clinic.objects.create(name="Riverside", slug="riverside")
            users = {
                "anonymous": None,
                "trainee": UserFactory(username="odd-trainee", groups=["Trainees"]),
                "instructor": UserFactory(username="odd-instructor", groups=[INSTRUCTORS]),
                "reviewer": UserFactory(username="odd-reviewer", groups=[REVIEWERS]),
                "manager": UserFactory(username="odd-manager", groups=["Clinic managers"]),
                "admin": UserFactory(username="odd-admin", is_superuser=True, is_staff=True),
            }
            ClinicMembership.objects.create(
                clinic=clinic, user=users["manager"], role=ClinicRole.MANAGER
            )
            ClinicMembership.objects.create(
                clinic=clinic, user=users["trainee"], role=ClinicRole.STAFF
            )
            enrol(users["trainee"], tree.course)
            meet_everything(users["trainee"], tree, programme, users["instructor"])
            services.issue_if_due(users["trainee"], programme)
            world = {
                "users": users,
                "sessions": _sign_in_once(users),
                "quiz_url": quiz.url,
                "course": tree.course,
            }
        yield world


@pytest.fixture
def world(_world_once, db):
    return _world_once


def _sign_in_once(users) -> dict[str, str]:
    """Each role's session key, signed in once for the module (its row is in the module's
    transaction, so every test finds it as it was, whatever the test's requests did to it)."""
    keys = {}
    for role, user in users.items():
        if user is not None:
            client = Client()
            client.force_login(user)
            keys[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return keys


def as_role(world, role: str) -> Client:
    """A client signed in as `role` (with the session made for it in `_world_once`)."""
    client = Client(raise_request_exception=False)
    if role in world["sessions"]:
        client.cookies[settings.SESSION_COOKIE_NAME] = world["sessions"][role]
    return client


def fill(template: str, value: str, world) -> str:
    return SLOT.sub(quote(value, safe=""), template.replace("{quiz}", world["quiz_url"]))


@pytest.mark.parametrize("template, converters", ROUTES, ids=[route for route, _ in ROUTES])
@ODD_IDS
def test_odd_values_in_a_path_are_refused_for_every_role(world, template, converters, value):
    url = fill(template, value, world)
    strict = any(isinstance(c, IdConverter | CodeConverter) for c in converters)
    for role in ROLES:
        client = as_role(world, role)
        for method in (client.get, client.post):
            response = method(url)
            if response.status_code == 301 and response["Location"] == url + "/":
                response = method(url + "/")  # CommonMiddleware's APPEND_SLASH
            status = response.status_code
            assert status < 500, (role, method.__name__, url, status)
            if not strict:
                continue
            if status == 302:
                # Whoever may not use the admin is sent to sign in before anything is looked up.
                assert role in ("anonymous", "trainee", "manager"), (role, url)
                assert "/login/" in response["Location"], (role, url)
            else:
                assert 400 <= status < 500, (role, method.__name__, url, status)


# (url, the query parameters it reads)
FILTERS = [
    ("/clinics/riverside/", ["programme", "status", "q", "p"]),
    ("/clinics/riverside/report.csv", ["programme", "status", "q"]),
    ("/admin/reports/course-progress/", ["course", "module", "status", "module_status", "q", "p"]),
    ("/admin/reports/course-progress/?course={course}", ["module", "status", "q", "p"]),
    ("/admin/reports/course-progress/{course}.csv", ["module", "status", "module_status", "q"]),
    ("/admin/certification/certificates/", ["status", "q", "p"]),
    ("/admin/certification/assessments/", ["mine", "status", "p"]),
    ("/admin/certification/assessments/new/", ["trainee", "checklist", "q"]),
    ("/admin/essay-grading/", ["p"]),
    ("/search/", ["q", "page"]),
    ("/learn/", ["q"]),
]


@pytest.mark.parametrize("url, params", FILTERS, ids=[url for url, _ in FILTERS])
@ODD_IDS
def test_odd_values_in_query_strings_are_refused_or_ignored_for_every_role(
    world, url, params, value
):
    url = url.replace("{course}", str(world["course"].pk))
    for role in ROLES:
        client = as_role(world, role)
        for param in params:
            response = client.get(url, {param: value})
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
            status = response.status_code
            assert status < 500, (role, url, param, status)
            if value == "\x00":
                assert status == 400, (role, url, param, status)
