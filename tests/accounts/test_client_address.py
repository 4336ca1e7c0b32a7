"""The client address behind proxies, and sign-in lock-outs that follow it."""

import pytest
from django.test import RequestFactory

from accounts.client_address import client_ip
from tests.factories import PASSWORD

LOGIN = "/accounts/login/"
BALANCER = "10.0.0.2"
ALICE = "203.0.113.5"
BOB = "198.51.100.7"


def request_from(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_from(ALICE, forwarded="1.2.3.4")) == ALICE


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (1, ALICE, ALICE),
        (1, f"6.6.6.6, 7.7.7.7, {ALICE}", ALICE),  # entries the client wrote are skipped
        (2, f"6.6.6.6, {ALICE}, 172.16.0.9", ALICE),  # CDN, then load balancer
        (2, ALICE, BALANCER),  # fewer entries than proxies: not through our proxies
        (1, "not-an-address", BALANCER),
        (1, f"{ALICE}:51234", ALICE),
        (1, "[2001:db8::7]:443", "2001:db8::7"),
        (1, "::ffff:203.0.113.5", ALICE),
        (1, f"{ALICE},,", ALICE),
    ],
)
def test_the_client_is_the_entry_our_nearest_proxies_vouch_for(
    settings, count, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(request_from(BALANCER, forwarded)) == expected


def fail(client, username: str, client_address: str, fake: str = "") -> int:
    forwarded = f"{fake}, {client_address}" if fake else client_address
    response = client.post(
        LOGIN,
        {"username": username, "password": "wrong"},
        REMOTE_ADDR=BALANCER,
        HTTP_X_FORWARDED_FOR=forwarded,
    )
    return response.status_code


@pytest.mark.django_db
def test_two_clients_behind_the_balancer_are_locked_out_separately(client, settings, trainee):
    settings.TRUSTED_PROXY_COUNT = 1
    codes = [fail(client, trainee.username, ALICE) for _ in range(5)]
    assert codes[-1] == 429
    response = client.post(
        LOGIN,
        {"username": trainee.username, "password": PASSWORD},
        REMOTE_ADDR=BALANCER,
        HTTP_X_FORWARDED_FOR=BOB,
    )
    assert response.status_code == 302, "another client behind the same balancer may sign in"
    assert response.wsgi_request.user == trainee


@pytest.mark.django_db
def test_forged_forwarded_entries_do_not_dodge_the_lock_out(client, settings, trainee):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(5):
        fail(client, trainee.username, ALICE, fake=f"192.0.2.{n}")
    response = client.post(
        LOGIN,
        {"username": trainee.username, "password": PASSWORD},
        REMOTE_ADDR=BALANCER,
        HTTP_X_FORWARDED_FOR=f"192.0.2.99, 8.8.8.8, {ALICE}",
    )
    assert response.status_code == 429
    assert not response.wsgi_request.user.is_authenticated
