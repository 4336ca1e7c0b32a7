"""Sign in, sign out, throttling and the custom user model."""

import pytest
from django.contrib.auth import get_user_model

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_custom_user_model_is_in_use():
    User = get_user_model()
    assert User._meta.label == "accounts.User"
    user = User(username="u", first_name="Ada", last_name="Lovelace")
    assert user.display_name == "Ada Lovelace"
    assert User(username="solo").display_name == "solo"


def test_login_page_and_sign_in(client, trainee):
    assert client.get("/accounts/login/").status_code == 200
    response = client.post("/accounts/login/", {"username": trainee.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").context["user"] == trainee


def test_wrong_password_shows_an_error_and_signs_nobody_in(client, trainee):
    response = client.post("/accounts/login/", {"username": trainee.username, "password": "wrong"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


def test_login_does_not_redirect_off_site(client, trainee):
    response = client.post(
        "/accounts/login/",
        {"username": trainee.username, "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response.url == "/learn/"


def test_logout_is_a_post_and_signs_out(client, trainee):
    client.force_login(trainee)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert not client.get("/").context["user"].is_authenticated


def test_repeated_failures_lock_the_account_out(client, trainee):
    for _ in range(5):
        client.post("/accounts/login/", {"username": trainee.username, "password": "wrong"})
    response = client.post("/accounts/login/", {"username": trainee.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


def test_password_reset_sends_a_link(
    client, trainee, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password/reset/", {"email": trainee.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "/accounts/reset/" in mailoutbox[0].body
