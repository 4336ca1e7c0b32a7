"""A clinic manager opens the dashboard and downloads the CSV; anyone opens a verification page."""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from certification.models import Certificate
from tests.e2e.conftest import screenshot, sign_in
from tests.e2e.worlds import DEMO_PASSWORD, load_demo

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_manager_reads_the_dashboard_and_downloads_the_csv_and_anyone_can_verify(
    page, settings, monkeypatch
):
    monkeypatch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)
    load_demo()

    sign_in(page, "manager", DEMO_PASSWORD)
    page.goto("/learn/")
    page.get_by_role("link", name="Riverside Integrative Clinic").click()
    expect(page.get_by_role("heading", name="Riverside Integrative Clinic")).to_be_visible()
    table = page.get_by_role("table", name="14 staff members")
    for label in (
        "Certified: until",
        "Expiring within 60 days",
        "Expired",
        "Revoked",
        "Overdue",
        "In progress",
        "Not started",
    ):
        expect(table.get_by_text(label).first, label).to_be_visible()
    screenshot(page, "clinic-dashboard")

    # The selection: a tick is saved at once (clinic.js), a page is ticked in one go, and the
    # count follows; sorting by a header keeps the ticks.
    count = page.locator("[data-selection-count]")
    expect(count).to_have_text("0")
    table.get_by_role("checkbox").first.check()
    expect(count).to_have_text("1")
    page.get_by_role("button", name="Select all on this page").click()
    expect(count).to_have_text("14")
    page.get_by_role("link", name=re.compile(r"^Staff\W+sort by name, descending$")).click()
    expect(page.get_by_role("columnheader", name="Staff").first).to_have_attribute(
        "aria-sort", "descending"
    )
    expect(count).to_have_text("14")
    page.get_by_role("button", name="Clear selection").click()
    expect(count).to_have_text("0")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
    assert len(rows) == 14
    assert {r["status"] for r in rows} >= {
        "Certified",
        "Expiring within 60 days",
        "Expired",
        "Overdue",
        "Not started",
    }

    certificate = Certificate.objects.filter(revoked_at__isnull=True).order_by("-issued_at").first()
    page.context.clear_cookies()
    page.goto(f"/certificates/{certificate.code}/")
    expect(page.get_by_role("heading", name=certificate.programme.title)).to_be_visible()
    expect(page.get_by_text(certificate.holder_name)).to_be_visible()
    expect(
        page.get_by_role("link", name="Sign in").first, "the verification page needs no account"
    ).to_be_visible()
    screenshot(page, "certificate-verification")
    assert page.js_errors == []
