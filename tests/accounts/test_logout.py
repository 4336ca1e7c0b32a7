"""Signing out happens on POST only, and ends the session on the server."""

import pytest
from django.contrib.sessions.models import Session

pytestmark = pytest.mark.django_db


def test_a_get_to_the_admin_logout_signs_nobody_out(client, admin_user):
    client.force_login(admin_user)
    key = client.session.session_key
    response = client.get("/admin/logout/")
    assert response.status_code == 405
    assert "sessionid" not in response.cookies, "the session cookie is left alone"
    assert Session.objects.filter(session_key=key).exists()
    assert client.get("/admin/").status_code == 200


def test_posting_to_the_admin_logout_ends_the_session_on_the_server(client, admin_user):
    client.force_login(admin_user)
    key = client.session.session_key
    response = client.post("/admin/logout/")
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get("/admin/").status_code == 302


def test_posting_to_the_site_logout_ends_the_session_on_the_server(client, trainee):
    client.force_login(trainee)
    key = client.session.session_key
    assert client.get("/accounts/logout/").status_code == 405
    assert Session.objects.filter(session_key=key).exists()
    assert client.post("/accounts/logout/").status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
