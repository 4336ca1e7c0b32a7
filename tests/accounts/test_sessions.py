"""Session lifetimes: staff are signed out when idle or when the browser closes; learners stay."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from freezegun import freeze_time

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

START = "2026-03-02 09:00:00"


def signed_in(client) -> bool:
    return client.get("/accounts/login/").wsgi_request.user.is_authenticated


def test_staff_are_signed_out_after_the_idle_timeout(client, settings, instructor):
    settings.STAFF_SESSION_IDLE_TIMEOUT = 30 * 60
    with freeze_time(START) as clock:
        client.force_login(instructor)
        key = client.session.session_key
        clock.tick(timedelta(minutes=20))
        assert client.get("/admin/").status_code == 200
        clock.tick(timedelta(minutes=25))
        assert client.get("/admin/").status_code == 200, "activity keeps the session alive"
        clock.tick(timedelta(minutes=31))
        response = client.get("/admin/")
        assert response.status_code == 302 and "/login/" in response.url
        assert not Session.objects.filter(session_key=key).exists(), "ended on the server"
        page = client.get(response.url)
        assert "signed out after 30 minutes without activity" in page.content.decode()


def test_learners_keep_their_session_through_long_idle_times(client, settings, trainee):
    settings.STAFF_SESSION_IDLE_TIMEOUT = 30 * 60
    with freeze_time(START) as clock:
        client.force_login(trainee)
        clock.tick(timedelta(hours=3))
        assert signed_in(client)
        clock.tick(timedelta(days=13))
        assert signed_in(client), "a visit renews the learner's session"
        clock.tick(timedelta(days=15))
        assert not signed_in(client), "a learner's session ends after SESSION_COOKIE_AGE idle"


def test_staff_session_cookies_end_with_the_browser_and_learners_persist(
    client, instructor, trainee
):
    staff = client.post("/accounts/login/", {"username": instructor.username, "password": PASSWORD})
    cookie = staff.cookies["sessionid"]
    assert cookie["max-age"] == "" and cookie["expires"] == ""
    client.post("/accounts/logout/")
    learner = client.post("/accounts/login/", {"username": trainee.username, "password": PASSWORD})
    assert int(learner.cookies["sessionid"]["max-age"]) == 14 * 24 * 60 * 60


def test_admin_access_granted_after_sign_in_brings_the_staff_rules(
    client, settings, trainee, roles
):
    from django.contrib.auth.models import Group

    settings.STAFF_SESSION_IDLE_TIMEOUT = 30 * 60
    with freeze_time(START) as clock:
        client.force_login(trainee)
        trainee.groups.add(Group.objects.get(name="Instructors"))
        assert client.get("/admin/").status_code == 200
        assert client.session.get_expire_at_browser_close()
        clock.tick(timedelta(minutes=31))
        assert client.get("/admin/").status_code == 302


def test_probes_without_a_session_cookie_read_no_session(client, django_assert_num_queries):
    with django_assert_num_queries(1):  # the health check's own query
        assert client.get("/health/").status_code == 200
