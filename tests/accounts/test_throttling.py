"""Password spraying across accounts, and password-reset floods."""

import re

import pytest
from django_tasks import task_backends

from accounts.tasks import send_password_reset_email
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
RESET = "/accounts/password/reset/"
SPRAYER = "203.0.113.66"


def attempt(client, username: str, typed: str = "wrong", address: str = SPRAYER):
    return client.post(LOGIN, {"username": username, "password": typed}, REMOTE_ADDR=address)


def test_one_address_trying_many_accounts_is_locked_out(client, settings):
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 20
    users = [UserFactory(username=f"staff{n}") for n in range(6)]
    codes = [attempt(client, user.username).status_code for user in users[:5] for _ in range(4)]
    assert codes[:19] == [200] * 19, "four tries per account stay under the per-account limit"
    assert codes[19] == 429, "the twentieth failure from one address locks it"
    response = attempt(client, users[5].username, PASSWORD)
    assert response.status_code == 429
    assert not response.wsgi_request.user.is_authenticated
    other = attempt(client, users[5].username, PASSWORD, address="198.51.100.1")
    assert other.status_code == 302, "other addresses are not affected"


def test_signing_in_to_ones_own_account_does_not_reset_the_address_count(client, settings):
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 20
    own = UserFactory(username="own")
    victims = [UserFactory(username=f"victim{n}") for n in range(5)]
    for user in victims[:4]:
        for _ in range(4):
            attempt(client, user.username)
    assert attempt(client, own.username, PASSWORD).status_code == 302
    client.logout()
    codes = [attempt(client, victims[4].username).status_code for _ in range(4)]
    assert codes[-1] == 429


def reset(client, email: str, address: str = SPRAYER):
    return client.post(RESET, {"email": email}, REMOTE_ADDR=address)


def test_reset_requests_from_one_address_are_limited(client, settings, mailoutbox):
    settings.PASSWORD_RESET_LIMIT_PER_ADDRESS = 10
    codes = [reset(client, f"nobody{n}@example.org").status_code for n in range(11)]
    assert codes == [302] * 10 + [429]
    assert "Too many reset requests" in reset(client, "x@example.org").content.decode()
    assert reset(client, "x@example.org", address="198.51.100.1").status_code == 302


def test_reset_emails_to_one_address_are_limited_and_the_page_answers_the_same(
    client, settings, trainee, mailoutbox, django_capture_on_commit_callbacks
):
    settings.PASSWORD_RESET_LIMIT_PER_EMAIL = 3
    responses = []
    for n in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            responses.append(reset(client, trainee.email, address=f"198.51.100.{n}"))
    unknown = reset(client, "no-such-account@example.org", address="198.51.100.50")
    assert len(mailoutbox) == 3
    assert {r.status_code for r in responses} == {302}
    assert {r.url for r in responses} == {unknown.url}


def test_the_reset_email_is_sent_by_a_task_made_after_the_request(
    client, settings, trainee, mailoutbox, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        response = reset(client, trainee.email.upper())
    assert response.status_code == 302
    assert mailoutbox == [], "nothing is sent inside the request"
    (queued,) = task_backends["default"].results
    assert queued.task.func is send_password_reset_email.func
    assert queued.kwargs == {"user_id": trainee.pk, "domain": "testserver", "use_https": False}

    assert send_password_reset_email.call(**queued.kwargs) is True
    (message,) = mailoutbox
    assert message.to == [trainee.email]
    assert message.subject == "Reset your HFS Academy password"
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body).group(1)
    form = client.get(link, follow=True)
    assert form.context["validlink"]


def test_no_reset_email_for_an_account_deactivated_before_the_task_runs(trainee, mailoutbox):
    trainee.is_active = False
    trainee.save()
    assert send_password_reset_email.call(user_id=trainee.pk, domain="x", use_https=True) is False
    assert mailoutbox == []
