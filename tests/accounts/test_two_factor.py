"""Staff reach the admin only after a second factor: an authenticator app or a recovery code.

Test settings switch two-factor off (many tests sign staff into the admin with force_login);
every test here switches it on.
"""

from __future__ import annotations

import time
from datetime import timedelta
from io import StringIO
from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from freezegun import freeze_time
from wagtail.models import ModelLogEntry

from accounts import otp
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

START = "2026-03-02 09:00:00"
SETUP = "/accounts/two-factor/setup/"
VERIFY = "/accounts/two-factor/verify/"
CODES = "/accounts/two-factor/recovery-codes/"
NEW_CODES = "/accounts/two-factor/recovery-codes/new/"
RESET = "/accounts/two-factor/reset/"
PROFILE = "/accounts/profile/"


@pytest.fixture(autouse=True)
def two_factor_on(settings):
    settings.STAFF_TWO_FACTOR_REQUIRED = True


@pytest.fixture
def clock():
    with freeze_time(START) as frozen:
        yield frozen


def app_code(device: TOTPDevice) -> str:
    """The code the person's app shows now (the frozen clock's now)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    right = app_code(device)
    return f"{(int(right) + 500_000) % 1_000_000:06d}"


def set_up(user) -> tuple[TOTPDevice, list[str]]:
    """`user` with a confirmed authenticator app and recovery codes, as the set-up page leaves them."""
    device = otp.pending_authenticator(user)
    result, codes = otp.confirm_authenticator(user, app_code(device))
    assert result.passed
    device.refresh_from_db()
    return device, codes


def entries(action: str):
    return ModelLogEntry.objects.filter(action=action).order_by("timestamp")


def signed_in_with_password(client, user) -> None:
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.parametrize("who", ["instructor", "reviewer", "admin_user"])
def test_staff_without_a_device_are_sent_to_set_up_from_any_admin_page(client, request, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    for path in ("/admin/", "/admin/pages/", "/admin/snippets/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.url == f"{SETUP}?next={quote(path, safe='')}"


def test_set_up_refuses_a_wrong_code_and_confirms_with_the_right_one(client, instructor, clock):
    client.force_login(instructor)
    page = client.get(f"{SETUP}?next=/admin/pages/")
    html = page.content.decode()
    assert page.status_code == 200
    assert '<svg class="qr-code" role="img" aria-label="QR code for your authenticator app"' in html
    device = TOTPDevice.objects.get(user=instructor)
    assert not device.confirmed
    assert otp.secret_text(device) in html
    assert '<label for="id_code">' in html
    assert client.get(SETUP).content.decode().count(otp.secret_text(device)) == 1, (
        "a reload shows the same secret"
    )
    assert TOTPDevice.objects.filter(user=instructor).count() == 1

    refused = client.post(SETUP, {"code": wrong_code(device), "next": "/admin/pages/"})
    assert refused.status_code == 400
    assert "That code is not right" in refused.content.decode()
    device.refresh_from_db()
    assert not device.confirmed and not StaticDevice.objects.filter(user=instructor).exists()
    assert client.get("/admin/").status_code == 302, "still not past the second factor"
    (failure,) = entries("accounts.two_factor_failed")
    assert failure.object_id == str(instructor.pk) and failure.user_id is None

    clock.tick(timedelta(seconds=31))
    response = client.post(SETUP, {"code": app_code(device), "next": "/admin/pages/"})
    assert response.status_code == 302
    assert response.url == f"{CODES}?next={quote('/admin/pages/', safe='')}"
    device.refresh_from_db()
    assert device.confirmed
    assert StaticToken.objects.filter(device__user=instructor).count() == 10

    shown = client.get(response.url)
    html = shown.content.decode()
    assert shown.status_code == 200
    tokens = list(
        StaticToken.objects.filter(device__user=instructor).values_list("token", flat=True)
    )
    for token in tokens:
        assert f"<code>{token[:5]}-{token[5:]}</code>" in html
    assert 'href="/admin/pages/"' in html and "I have saved these codes" in html
    again = client.get(response.url)
    assert again.status_code == 302 and again.url == "/admin/pages/", "the codes are shown once"
    assert client.get("/admin/").status_code == 200, "set-up passes this session"
    (set_up_entry,) = entries("accounts.two_factor_set_up")
    assert set_up_entry.user_id == instructor.pk


def test_set_up_is_refused_once_a_device_exists(client, instructor, clock):
    _device, _codes = set_up(instructor)
    client.force_login(instructor)
    response = client.get(SETUP)
    assert response.status_code == 302 and response.url.startswith(VERIFY), (
        "a password alone never replaces the device"
    )
    assert TOTPDevice.objects.filter(user=instructor).count() == 1


def test_the_next_sign_in_asks_for_a_code_then_opens_the_admin(client, instructor, clock):
    device, _codes = set_up(instructor)
    clock.tick(timedelta(seconds=31))
    signed_in_with_password(client, instructor)
    response = client.get("/admin/pages/")
    assert response.status_code == 302
    assert response.url == f"{VERIFY}?next={quote('/admin/pages/', safe='')}"
    page = client.get(response.url)
    assert page.status_code == 200
    assert 'value="/admin/pages/"' in page.content.decode()
    passed = client.post(VERIFY, {"code": app_code(device), "next": "/admin/pages/"})
    assert passed.status_code == 302 and passed.url == "/admin/pages/"
    assert client.get("/admin/").status_code == 200
    assert client.get(VERIFY).url == "/admin/", "a passed session is sent on"


def test_an_app_code_is_accepted_once(client, instructor, clock):
    device, _codes = set_up(instructor)
    clock.tick(timedelta(seconds=31))
    code = app_code(device)
    assert otp.check_code(instructor, code).passed
    clock.tick(timedelta(seconds=2))
    assert not otp.check_code(instructor, code).passed, "the same code cannot be replayed"


def test_a_recovery_code_passes_once_only(client, instructor, clock):
    _device, codes = set_up(instructor)
    signed_in_with_password(client, instructor)
    passed = client.post(VERIFY, {"code": f"  {codes[0].upper()} "}, follow=True)
    assert passed.redirect_chain[0] == ("/admin/", 302)
    assert "You used a recovery code; 9 left" in passed.content.decode()
    assert StaticToken.objects.filter(device__user=instructor).count() == 9
    (used,) = entries("accounts.two_factor_recovery_used")
    assert used.user_id == instructor.pk

    client.post("/admin/logout/")
    clock.tick(timedelta(minutes=1))
    signed_in_with_password(client, instructor)
    again = client.post(VERIFY, {"code": codes[0]})
    assert again.status_code == 400
    assert "That code is not right" in again.content.decode()
    assert client.get("/admin/").status_code == 302


def test_trainees_and_the_public_site_are_not_affected(client, trainee, tree):
    assert client.get("/").status_code == 200
    anonymous = client.get("/admin/")
    assert anonymous.status_code == 302 and "/login/" in anonymous.url
    client.force_login(trainee)
    for path in ("/", "/learn/", PROFILE, tree.course.url):
        assert client.get(path).status_code == 200, path
    refused = client.get("/admin/")
    assert refused.status_code == 302 and "two-factor" not in refused.url, (
        "the admin refuses a trainee as before"
    )
    for path in (SETUP, VERIFY, RESET):
        assert client.get(path).status_code == 403
    assert not TOTPDevice.objects.filter(user=trainee).exists()


def test_staff_browse_the_public_site_before_setting_up(client, instructor, tree):
    client.force_login(instructor)
    assert client.get("/").status_code == 200
    assert client.get(tree.course.url).status_code == 200


def test_staff_may_sign_out_of_the_admin_without_a_second_factor(client, instructor):
    client.force_login(instructor)
    response = client.post("/admin/logout/")
    assert response.status_code == 302 and "two-factor" not in response.url
    assert "_auth_user_id" not in client.session


def test_wrong_codes_slow_down_further_tries(client, instructor, clock):
    device, codes = set_up(instructor)
    clock.tick(timedelta(seconds=31))
    signed_in_with_password(client, instructor)
    assert client.post(VERIFY, {"code": wrong_code(device)}).status_code == 400
    throttled = client.post(VERIFY, {"code": app_code(device)})
    assert throttled.status_code == 429
    assert "Too many wrong codes. Wait 1 seconds" in throttled.content.decode()
    assert client.post(VERIFY, {"code": codes[0]}).status_code == 429, (
        "switching to a recovery code does not get round the wait"
    )
    clock.tick(timedelta(seconds=2))
    assert client.post(VERIFY, {"code": wrong_code(device)}).status_code == 400
    clock.tick(timedelta(seconds=1))
    assert client.post(VERIFY, {"code": app_code(device)}).status_code == 429, "now 2 s"
    clock.tick(timedelta(seconds=2))
    assert client.post(VERIFY, {"code": app_code(device)}).status_code == 302
    assert len(entries("accounts.two_factor_failed")) == 2, "throttled tries are not logged"
    assert StaticToken.objects.filter(device__user=instructor).count() == 10


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/admin/",
        "//evil.example/admin/",
        "http://testserver/admin/",
        "/\\evil.example",
        "javascript:alert(1)",
    ],
)
def test_next_never_leads_off_the_site(client, instructor, clock, target):
    device, _codes = set_up(instructor)
    clock.tick(timedelta(seconds=31))
    client.force_login(instructor)
    page = client.get(VERIFY, {"next": target})
    assert 'name="next" value="/admin/"' in page.content.decode()
    response = client.post(VERIFY, {"code": app_code(device), "next": target})
    assert response.status_code == 302 and response.url == "/admin/"


def test_new_recovery_codes_replace_the_old_ones(client, instructor, clock):
    device, old = set_up(instructor)
    clock.tick(timedelta(seconds=31))
    client.force_login(instructor)
    not_passed = client.post(NEW_CODES)
    assert not_passed.status_code == 302 and not_passed.url.startswith(VERIFY)
    client.post(VERIFY, {"code": app_code(device)})
    response = client.post(NEW_CODES)
    assert response.status_code == 302 and response.url.startswith(CODES)
    html = client.get(response.url).content.decode()
    new = [
        t
        for t in StaticToken.objects.filter(device__user=instructor).values_list("token", flat=True)
    ]
    assert len(new) == 10 and not {c.replace("-", "") for c in old} & set(new)
    assert all(f"{t[:5]}-{t[5:]}" in html for t in new)
    assert client.get("/admin/").status_code == 200, "the session stays passed"
    assert len(entries("accounts.two_factor_new_codes")) == 1
    assert client.get(NEW_CODES).status_code == 405


def test_resetting_needs_a_current_code_then_asks_for_a_new_set_up(client, instructor, clock):
    device, codes = set_up(instructor)
    clock.tick(timedelta(seconds=31))
    client.force_login(instructor)
    assert client.get(RESET).status_code == 200
    refused = client.post(RESET, {"code": wrong_code(device)})
    assert refused.status_code == 400 and TOTPDevice.objects.filter(user=instructor).exists()
    clock.tick(timedelta(seconds=2))
    response = client.post(RESET, {"code": codes[3]})
    assert response.status_code == 302 and response.url.startswith(SETUP)
    assert not TOTPDevice.objects.filter(user=instructor, confirmed=True).exists()
    assert not StaticDevice.objects.filter(user=instructor).exists()
    (reset,) = entries("accounts.two_factor_reset")
    assert reset.user_id == instructor.pk
    assert client.get("/admin/").url.startswith(SETUP)


def test_the_reset_command_removes_a_locked_out_persons_devices(client, instructor, clock):
    device, _codes = set_up(instructor)
    clock.tick(timedelta(seconds=31))
    client.force_login(instructor)
    client.post(VERIFY, {"code": app_code(device)})
    assert client.get("/admin/").status_code == 200

    call_command("reset_two_factor", instructor.username, stdout=(out := StringIO()))
    assert f"Removed 2 two-factor device(s) of {instructor.username}" in out.getvalue()
    assert not TOTPDevice.objects.filter(user=instructor).exists()
    assert not StaticDevice.objects.filter(user=instructor).exists()
    (reset,) = entries("accounts.two_factor_reset")
    assert reset.user_id is None and reset.data == {"address": "the command line"}
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url.startswith(SETUP), (
        "the session that passed with the removed device no longer counts"
    )

    call_command("reset_two_factor", instructor.username, stdout=(out := StringIO()))
    assert "nothing changed" in out.getvalue()
    with pytest.raises(CommandError, match="No account"):
        call_command("reset_two_factor", "nobody-here")


def test_two_factor_events_read_in_the_site_history(client, admin_user, instructor, clock):
    device, _codes = set_up(instructor)
    staff = Client(REMOTE_ADDR="203.0.113.20")
    staff.force_login(instructor)
    staff.post(VERIFY, {"code": wrong_code(device)})
    admin_device, _ = set_up(admin_user)
    clock.tick(timedelta(seconds=31))
    client.force_login(admin_user)
    client.post(VERIFY, {"code": app_code(admin_device)})
    history = client.get("/admin/reports/site-history/", {"action": "accounts.two_factor_failed"})
    assert history.status_code == 200
    assert "A wrong two-factor code was entered (from 203.0.113.20)" in history.content.decode()


def test_the_profile_shows_two_factor_to_staff_only(
    client, instructor, trainee, clock, django_assert_max_num_queries
):
    client.force_login(trainee)
    assert "Two-factor authentication" not in client.get(PROFILE).content.decode()

    client.force_login(instructor)
    html = client.get(PROFILE).content.decode()
    assert "Not set up yet" in html
    assert f'href="{SETUP}?next=/accounts/profile/"' in html
    device, _codes = set_up(instructor)
    clock.tick(timedelta(seconds=31))
    html = client.get(PROFILE).content.decode()
    assert "You have 10 unused recovery codes" in html
    assert f'href="{VERIFY}?next=/accounts/profile/"' in html and NEW_CODES not in html
    client.post(VERIFY, {"code": app_code(device)})
    with django_assert_max_num_queries(14):
        html = client.get(PROFILE).content.decode()
    assert f'action="{NEW_CODES}"' in html and f'href="{RESET}"' in html


def test_the_two_factor_pages_need_a_sign_in(client):
    for path in (SETUP, VERIFY, RESET, CODES):
        response = client.get(path)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_two_factor_pages_cost_a_fixed_number_of_queries(
    client, instructor, clock, django_assert_max_num_queries
):
    _device, _codes = set_up(instructor)
    client.force_login(instructor)
    with django_assert_max_num_queries(
        12
    ):  # with the site shell's (an assessor's queue count) and Wagtail's first visit
        assert client.get(VERIFY).status_code == 200
    with django_assert_max_num_queries(10):  # the assessor's queue count
        assert client.get(VERIFY).status_code == 200
    with django_assert_max_num_queries(5):  # session, user, permissions, device
        assert client.get("/admin/").status_code == 302


def test_an_administrator_passes_two_factor_before_any_clinic_dashboard(client):
    """Administrators see every clinic's staff: the clinic pages ask for the second factor too;
    a clinic manager (no admin access) is not asked."""
    from certification.models import Clinic, ClinicMembership, ClinicRole
    from tests.factories import UserFactory

    clinic = Clinic.objects.create(name="Riverside", slug="riverside")
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    for path in ("/clinics/riverside/", "/clinics/riverside/report.csv"):
        response = client.get(path)
        assert response.status_code == 302 and response.url.startswith(SETUP), path
    manager = UserFactory(username="clinic-manager")
    ClinicMembership.objects.create(user=manager, clinic=clinic, role=ClinicRole.MANAGER)
    client.force_login(manager)
    assert client.get("/clinics/riverside/").status_code == 200
