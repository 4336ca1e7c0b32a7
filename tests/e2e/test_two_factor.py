"""A staff member sets up two-factor authentication before the admin opens, then signs in with it."""

from __future__ import annotations

import re
import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, sign_in
from tests.e2e.test_accessibility import Audit
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def app_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def test_staff_set_up_an_authenticator_then_pass_it_to_open_the_admin(page, settings):
    settings.STAFF_TWO_FACTOR_REQUIRED = True
    staff = UserFactory(username="lead-instructor", is_superuser=True, is_staff=True)
    audit = Audit(page)

    sign_in(page, "lead-instructor", PASSWORD)
    page.goto("/admin/")
    expect(page.get_by_role("heading", name="Set up two-factor authentication")).to_be_visible()
    audit.check("two-factor-setup")
    screenshot(page, "two-factor-setup")
    page.get_by_label("Six-digit code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.locator(".field__errors")).to_be_visible()
    page.wait_for_timeout(2100)  # a wrong code makes the next try wait (a second, then longer)
    device = TOTPDevice.objects.get(user=staff)
    page.get_by_label("Six-digit code from your authenticator app").fill(app_code(device))
    page.get_by_role("button", name="Confirm and continue").click()
    codes = page.get_by_role("list", name="Recovery codes").get_by_role("listitem")
    expect(codes).to_have_count(settings.STAFF_RECOVERY_CODES)
    audit.check("two-factor-recovery-codes")
    recovery = codes.first.inner_text().strip()
    page.get_by_role("link", name="I have saved these codes: continue").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.get_by_role("heading", level=1).first).to_be_visible()

    # A new sign-in asks for a code; a recovery code works, once.
    page.context.clear_cookies()
    sign_in(page, "lead-instructor", PASSWORD)
    page.goto("/admin/")
    code_field = page.get_by_label("Code from your authenticator app, or a recovery code")
    expect(code_field).to_be_visible()
    audit.check("two-factor-verify")
    code_field.fill(recovery)
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.get_by_role("heading", level=1).first).to_be_visible()
    # The refused code's page is answered with 400, which the console reports; nothing else.
    assert [e for e in page.js_errors if "status of 400" not in e] == []
    assert not audit.problems, audit.report()
