"""A clinic onboards its staff as it would day to day.

The manager uploads a CSV of five staff (one row bad, shown in the preview) and confirms; the
invitation e-mail arrives once the task has run; the new staff member accepts it, sees the
assignment and its due date on /learn/ and on their programme page, is reminded by the manager
and reads the reminder under the bell; the manager sees them progress.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from certification.demo import PROGRAMME
from certification.models import Programme
from tests.e2e.conftest import screenshot, sign_in
from tests.e2e.test_accessibility import Audit
from tests.e2e.worlds import DEMO_PASSWORD, load_demo

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NEW_PASSWORD = "Needle-depth-under-10mm"
PHONE = {"width": 390, "height": 844}


def test_a_clinic_invites_staff_by_csv_and_follows_them_through_their_programme(page, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)
    load_demo()
    assert len(mail.outbox) <= 1, "the demo e-mails only its pending invitation, not its history"
    mail.outbox.clear()
    programme = Programme.objects.get(key=PROGRAMME)
    due = (timezone.localdate() + timedelta(days=45)).isoformat()
    csv_text = "name,email,role,programmes,due_date\n" + "".join(
        f"{name},{email},staff,{PROGRAMME},{due}\n"
        for name, email in (
            ("Mara Quist", "mara@riverside.test"),
            ("Olu Bade", "olu@riverside.test"),
            ("Pia Lund", "not-an-address"),
            ("Rui Costa", "rui@riverside.test"),
            ("Sofia Rey", "sofia@riverside.test"),
        )
    )

    # The manager finds the invitation pages from the header and the dashboard.
    audit = Audit(page)
    sign_in(page, "manager", DEMO_PASSWORD)
    page.get_by_role("link", name="My clinic").click()
    page.get_by_role("link", name="Invite staff").click()
    audit.check("invitations")
    page.get_by_role("link", name="Invite several from a CSV file").click()
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "staff.csv", "mimeType": "text/csv", "buffer": csv_text.encode()}]
    )
    page.get_by_role("button", name="Check file").click()
    preview = page.get_by_role("region", name="Rows of the file, scrollable")
    expect(preview.get_by_text("not-an-address")).to_be_visible()
    expect(preview.get_by_role("row").filter(has_text="Pia Lund")).to_contain_text(
        "not a valid address"
    )
    screenshot(page, "invitation-import-preview")
    audit.check("invitation-import-preview")
    assert mail.outbox == [], "nothing is sent before the manager confirms"

    page.get_by_role("button", name="Confirm and send 4 invitations").click()
    expect(page.get_by_role("heading", name="Invite staff")).to_be_visible()
    invited = {message.to[0]: message for message in mail.outbox}
    assert set(invited) == {
        "mara@riverside.test",
        "olu@riverside.test",
        "rui@riverside.test",
        "sofia@riverside.test",
    }
    link = re.search(r"https?://\S+?(/invitations/\S+/)", invited["mara@riverside.test"].body)
    assert link, invited["mara@riverside.test"].body

    # Mara accepts on her phone.
    staff = page.context.browser.new_context(base_url=page.url.split("/clinics")[0])
    phone = staff.new_page()
    phone.set_viewport_size(PHONE)
    phone.goto(link.group(1))
    staff_audit = Audit(phone)
    staff_audit.check("invitation-accept")
    phone.set_viewport_size(PHONE)
    expect(phone.get_by_text("Riverside Integrative Clinic").first).to_be_visible()
    phone.get_by_label("First name").fill("Mara")
    phone.get_by_label("Last name").fill("Quist")
    phone.locator("#id_password1").fill(NEW_PASSWORD)
    phone.locator("#id_password2").fill(NEW_PASSWORD)
    screenshot(phone, "invitation-accept-phone")
    phone.get_by_role("button", name="Create my account").click()

    # /learn/ shows the assignment and its due date first; the programme page lists what it needs.
    phone.goto("/learn/")
    assignment = phone.get_by_role("link", name=programme.title).first
    expect(assignment).to_be_visible()
    expect(phone.get_by_text(re.compile(r"[Dd]ue .*45 days|45 days left"))).to_be_visible()
    staff_audit.check("learn-with-assignment")
    phone.set_viewport_size(PHONE)
    assignment.click()
    expect(phone.get_by_role("heading", name=programme.title)).to_be_visible()
    expect(phone.get_by_text("45 days left").first).to_be_visible()
    screenshot(phone, "my-programme-phone")
    staff_audit.check("my-programme")

    # The manager reminds her from the dashboard; she reads it under the bell.
    page.goto("/clinics/riverside/?q=Mara")
    page.get_by_role("checkbox", name=re.compile("Mara Quist")).check()
    page.get_by_role("button", name="Send reminder").click()
    expect(page.get_by_text(re.compile(r"Reminder queued for 1 (person|people)"))).to_be_visible()
    phone.goto("/learn/")
    bell = phone.get_by_role("link", name=re.compile(r"Notifications, \d+ unread"))
    expect(bell).to_be_visible()
    bell.click()
    expect(phone.get_by_text("reminds you of what is still to do").first).to_be_visible()
    screenshot(phone, "notifications-phone")
    staff_audit.check("notifications")
    phone.get_by_role("link", name="Profile").click()
    expect(phone.get_by_role("heading", name="Profile")).to_be_visible()
    staff_audit.check("profile")
    phone.set_viewport_size(PHONE)

    # She completes a lesson; the manager sees her in progress.
    phone.goto(programme.required_courses.first().url)
    phone.get_by_role("link", name=re.compile("^(Start|Continue)")).first.click()
    phone.get_by_role("button", name=re.compile("^Mark as complete")).click()
    page.goto("/clinics/riverside/?q=Mara")
    row = page.get_by_role("row").filter(has_text="Mara Quist")
    expect(row).to_contain_text("In progress")
    page.get_by_role("link", name="Mara Quist").click()
    expect(page.get_by_role("heading", name="Mara Quist")).to_be_visible()
    screenshot(page, "clinic-staff-drilldown")
    audit.check("clinic-staff")
    staff.close()
    assert page.js_errors == []
    problems = {**audit.problems, **staff_audit.problems}
    assert not problems, "\n".join(f"{where}: {found}" for where, found in problems.items())
