"""Inviting staff from a CSV file: every row checked first (nothing written), then only the good
rows invited, through a signed payload that cannot be altered."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from certification.invitation_import import MAX_ROWS
from certification.models import ClinicMembership, Invitation, ProgrammeAssignment

User = get_user_model()
HEADER = "name,email,role,programmes,due_date\n"


@pytest.fixture
def commits(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def url(clinic):
    return reverse("clinics:invitations_import", args=[clinic.slug])


@pytest.fixture
def signed_in(client, manager):
    client.force_login(manager)
    return client


def upload(client, url, content: bytes | str, name: str = "staff.csv"):
    data = content.encode() if isinstance(content, str) else content
    return client.post(url, {"file": SimpleUploadedFile(name, data, content_type="text/csv")})


def counts() -> tuple[int, int, int, int]:
    return (
        Invitation.objects.count(),
        User.objects.count(),
        ClinicMembership.objects.count(),
        ProgrammeAssignment.objects.count(),
    )


def due(days: int = 30) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


@pytest.fixture
def mixed_file(programme, trainee) -> str:
    return HEADER + "\n".join(
        [
            f"Ana Silva,ana@example.org,staff,{programme.key},{due()}",  # 2 good
            "Bo Berg,not-an-address,staff,,",  # 3 bad e-mail
            f"Cy Dahl,cy@example.org,staff,no-such-programme,{due()}",  # 4 unknown programme
            f"Di Eng,di@example.org,staff,{programme.key},31/12/2030",  # 5 bad date
            "Ed Foy,ed@example.org,owner,,",  # 6 unknown role
            "Ana Again,ANA@example.org,staff,,",  # 7 duplicate of row 2
            "Fay Gil,fay@example.org,manager,,",  # 8 good (manager)
            f"Tom Trainee,{trainee.email},staff,{programme.key},{due()}",  # 9 good, has account
            f"Gus Holt,gus@example.org,staff,{programme.key},",  # 10 programmes without date
        ]
    )


def test_the_preview_shows_each_rows_errors_and_writes_nothing(signed_in, url, mixed_file):
    before = counts()
    response = upload(signed_in, url, mixed_file)
    assert response.status_code == 200
    assert counts() == before
    rows = {row.number: row for row in response.context["rows"]}
    assert [n for n, row in rows.items() if row.ok] == [2, 8, 9]
    assert "not a valid address" in " ".join(rows[3].errors)
    assert "Unknown programme: no-such-programme" in " ".join(rows[4].errors)
    assert "YYYY-MM-DD" in " ".join(rows[5].errors)
    assert "staff or manager" in " ".join(rows[6].errors)
    assert "same e-mail is on row 2" in " ".join(rows[7].errors)
    assert "due date" in " ".join(rows[10].errors)
    assert rows[9].has_account
    text = response.text
    assert "<caption>" in text and "Confirm and send 3 invitations" in text
    assert "6 rows with errors will be skipped" in text


def test_confirming_invites_only_the_good_rows(
    signed_in, url, mixed_file, clinic, programme, trainee, mailoutbox, commits
):
    preview = upload(signed_in, url, mixed_file)
    payload = preview.context["confirm"]["payload"].value()
    with commits():
        response = signed_in.post(url, {"payload": payload})
    assert response.status_code == 302
    assert response["Location"] == reverse("clinics:invitations", args=[clinic.slug])
    assert sorted(Invitation.objects.values_list("email", flat=True)) == [
        "ana@example.org",
        "fay@example.org",
        trainee.email,
    ]
    assert Invitation.objects.get(email="fay@example.org").clinic_role == "manager"
    # An existing account is invited like anyone else: it joins only once its owner accepts.
    assert not ProgrammeAssignment.objects.filter(user=trainee, programme=programme).exists()
    invited = sorted(m.to[0] for m in mailoutbox if "/invitations/" in m.body)
    assert invited == sorted(["ana@example.org", "fay@example.org", trainee.email])
    follow = signed_in.get(response["Location"])
    assert "Sending 3 invitations" in follow.text


def test_confirming_the_same_checked_file_twice_invites_once(
    signed_in, url, mixed_file, mailoutbox, commits
):
    preview = upload(signed_in, url, mixed_file)
    payload = preview.context["confirm"]["payload"].value()
    with commits():
        signed_in.post(url, {"payload": payload})
    first = {m.to[0]: m.body for m in mailoutbox}
    nonces = dict(Invitation.objects.values_list("email", "nonce"))
    with commits():
        signed_in.post(url, {"payload": payload})
    assert Invitation.objects.count() == 3
    assert dict(Invitation.objects.values_list("email", "nonce")) == nonces, "links kept"
    assert len(mailoutbox) == len(first)


def test_the_link_in_an_imported_invitation_works(
    client, signed_in, url, programme, mailoutbox, commits
):
    preview = upload(
        signed_in, url, HEADER + f"Ana Silva,ana@example.org,staff,{programme.key},{due()}\n"
    )
    with commits():
        signed_in.post(url, {"payload": preview.context["confirm"]["payload"].value()})
    (message,) = mailoutbox
    link = message.body.split("http://testserver", 1)[1].split()[0]
    client.logout()
    password = "a-Long-clinic-pass-2026"
    client.post(
        link,
        {"first_name": "Ana", "last_name": "Silva", "password1": password, "password2": password},
    )
    assert User.objects.get(email="ana@example.org").programme_assignments.count() == 1


@pytest.mark.parametrize(
    "change",
    [
        lambda p: p[:-2] + ("xy" if not p.endswith("xy") else "zz"),
        lambda p: "e" + p[1:],
        lambda p: "",
        lambda p: "garbage",
    ],
)
def test_an_altered_payload_is_a_clear_error_and_writes_nothing(signed_in, url, mixed_file, change):
    payload = upload(signed_in, url, mixed_file).context["confirm"]["payload"].value()
    before = counts()
    response = signed_in.post(url, {"payload": change(payload)})
    assert response.status_code == 400
    assert "check the file again" in response.text
    assert counts() == before


def test_a_payload_made_for_another_clinic_is_refused(
    client, signed_in, url, mixed_file, other_clinic, other_manager
):
    payload = upload(signed_in, url, mixed_file).context["confirm"]["payload"].value()
    client.force_login(other_manager)
    other_url = reverse("clinics:invitations_import", args=[other_clinic.slug])
    response = client.post(other_url, {"payload": payload})
    assert response.status_code == 400
    assert Invitation.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"name,email\n", "no one to invite"),
        (b"email\nx@example.org\n", "missing: name"),
        (b"name,email,age\nA,a@example.org,3\n", "Unknown column"),
        ("naïve,ünïcode\n".encode("latin-1"), "not UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not"),
        (b'name,email\n"unterminated,a@example.org\n', "could not be read as CSV"),
    ],
)
def test_a_file_that_is_not_the_expected_csv_is_a_form_error(signed_in, url, content, message):
    response = upload(signed_in, url, content)
    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors["file"])
    assert message in errors
    assert Invitation.objects.count() == 0


def test_too_many_rows_is_a_form_error(signed_in, url):
    body = "".join(f"P {n},p{n}@example.org,staff,,\n" for n in range(MAX_ROWS + 1))
    response = upload(signed_in, url, HEADER + body)
    assert response.status_code == 400
    assert f"at most {MAX_ROWS}" in " ".join(response.context["form"].errors["file"])


def test_a_utf8_file_with_a_byte_order_mark_and_windows_lines_is_read(signed_in, url):
    content = ("\ufeff" + HEADER + "Zoë Ðaniel,zoe@example.org,Staff,,\r\n").encode()
    response = upload(signed_in, url, content)
    (row,) = response.context["rows"]
    assert row.ok and row.name == "Zoë Ðaniel" and row.role == "staff"


def test_naughty_strings_as_names_are_previewed_escaped_and_invited_as_typed(
    signed_in, url, corpora, commits
):
    strings = [s for s in json.loads((corpora / "blns.json").read_text()) if s.strip()]
    strings = [s for s in strings if "\x00" not in s][:150]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["name", "email", "role", "programmes", "due_date"])
    for n, text in enumerate(strings):
        writer.writerow([text, f"n{n}@example.org", "staff", "", ""])
    response = upload(signed_in, url, buffer.getvalue())
    assert response.status_code == 200
    assert "<script>alert" not in response.text
    rows = response.context["rows"]
    assert len(rows) == len(strings)
    good = [row for row in rows if row.ok]
    assert good, "some names from the corpus are ordinary enough to invite"
    for row in rows:
        assert row.ok or row.errors  # every row is either ready or says why not
    with commits():
        signed_in.post(url, {"payload": response.context["confirm"]["payload"].value()})
    assert Invitation.objects.count() == len(good)


def test_naughty_strings_as_emails_roles_and_dates_are_row_errors(signed_in, url, corpora):
    strings = [
        s for s in (corpora / "blns.txt").read_text().splitlines() if s and not s.startswith("#")
    ]
    strings = [s for s in strings if "\x00" not in s][:120]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["name", "email", "role", "programmes", "due_date"])
    for text in strings:
        writer.writerow(["Some One", text, text, text, text])
    response = upload(signed_in, url, buffer.getvalue())
    assert response.status_code == 200
    assert all(not row.ok for row in response.context["rows"])
    assert Invitation.objects.count() == 0


def test_a_nul_byte_is_refused_as_not_text(signed_in, url):
    response = upload(signed_in, url, HEADER + "A\x00B,a@example.org,staff,,\n")
    assert response.status_code == 400


def test_only_the_clinics_managers_may_import(client, url, other_manager, staff, mixed_file):
    for user in (other_manager, staff):
        client.force_login(user)
        assert upload(client, url, mixed_file).status_code == 404
    assert Invitation.objects.count() == 0


def test_the_upload_page_has_the_check_button(signed_in, url):
    page = signed_in.get(url)
    assert page.status_code == 200 and "Check file" in page.text
