"""Inviting a clinic's staff from a CSV file: check every row first, then invite the good ones.

The file has a header row and the columns `name,email,role,programmes,due_date` (only `name`
and `email` must be present; `role` is staff or manager, staff when empty; `programmes` are
programme keys separated by `;`; `due_date` is YYYY-MM-DD, needed when programmes are given).
`check_file` reads it and returns every row with its own errors, writing nothing; what is wrong
with the file as a whole (not UTF-8 text, not CSV, no header, too many rows) is a FileError.

The rows that passed travel from the preview to the confirmation as a payload signed with the
site's secret key, tied to the clinic and the manager and valid for an hour (`sign_rows`,
`unsign_rows`): an altered payload is refused. The confirmed rows are invited by a background
task (`import_rows`), each through certification.invitations.invite.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from certification.invitations import InvitationError, invite, normalise_email
from certification.models import Clinic, ClinicRole, Invitation, Programme

logger = logging.getLogger(__name__)

MAX_ROWS = 500
MAX_BYTES = 512 * 1024
COLUMNS = ("name", "email", "role", "programmes", "due_date")
REQUIRED_COLUMNS = ("name", "email")
SALT = "certification.invitation-import"
PAYLOAD_MAX_AGE = 60 * 60  # seconds between checking a file and confirming it


class FileError(Exception):
    """The file as a whole cannot be read as the expected CSV."""


@dataclass
class Row:
    """One line of the file (`number` counts the header as line 1) and what is wrong with it."""

    number: int
    name: str
    email: str
    role: str
    programmes: list[str]
    due_date: date | None
    errors: list[str] = field(default_factory=list)
    has_account: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_payload(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "email": self.email,
            "role": self.role,
            "programmes": self.programmes,
            "due_date": self.due_date.isoformat() if self.due_date else "",
        }


def _decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise FileError(
            f"The file is larger than {MAX_BYTES // 1024} KB; split it into smaller files."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileError(
            "The file is not UTF-8 text. Save it from your spreadsheet as “CSV UTF-8” and try again."
        ) from None
    if "\x00" in text:
        raise FileError("This is not a CSV text file (it contains binary data).")
    return text


def split_name(name: str) -> tuple[str, str]:
    """First and last name from one `name` column: the last word is the last name."""
    words = name.split()
    if len(words) < 2:
        return name.strip(), ""
    return " ".join(words[:-1]), words[-1]


def check_file(data: bytes, clinic: Clinic, *, today: date | None = None) -> list[Row]:
    """Every row of the file with its errors (nothing is written). Raises FileError."""
    today = today or timezone.localdate()
    text = _decode(data)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise FileError(f"This file could not be read as CSV ({exc}).") from None
    records = [r for r in records if any(cell.strip() for cell in r)]
    if not records:
        raise FileError("The file is empty.")
    header = [cell.strip().lower() for cell in records[0]]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise FileError(
            "The first row must name the columns: "
            + ",".join(COLUMNS)
            + f" (missing: {', '.join(missing)})."
        )
    unknown = [c for c in header if c not in COLUMNS]
    if unknown:
        raise FileError(
            f"Unknown column{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)[:200]}. "
            f"The columns are {','.join(COLUMNS)}."
        )
    if len(header) != len(set(header)):
        raise FileError("A column is named twice in the first row.")
    body = records[1:]
    if not body:
        raise FileError("The file has a header row but no one to invite.")
    if len(body) > MAX_ROWS:
        raise FileError(
            f"The file has {len(body)} rows; at most {MAX_ROWS} can be imported at once."
        )

    programmes = {p.key.lower(): p for p in Programme.objects.all()}
    rows = []
    for number, record in enumerate(body, start=2):
        values = {
            column: (record[i].strip() if i < len(record) else "")
            for i, column in enumerate(header)
        }
        rows.append(_check_row(number, values, len(record) > len(header), programmes, today))
    _mark_duplicates(rows)
    _mark_accounts(rows)
    return rows


def _check_row(
    number: int,
    values: dict[str, str],
    too_many_cells: bool,
    programmes: dict[str, Programme],
    today: date,
) -> Row:
    errors = []
    if too_many_cells:
        errors.append("More cells than columns (a comma inside a name needs quotes).")
    name = " ".join(values.get("name", "").split())
    if not name:
        errors.append("Name is empty.")
    elif len(name) > 300 or any(len(part) > 150 for part in split_name(name)):
        errors.append("Name is too long.")
    email = normalise_email(values.get("email", ""))
    if not email:
        errors.append("E-mail is empty.")
    else:
        try:
            validate_email(email)
        except ValidationError:
            errors.append("E-mail is not a valid address.")
        else:
            if len(email) > 150:
                errors.append("E-mail is longer than 150 characters.")
    role = values.get("role", "").lower() or ClinicRole.STAFF
    if role not in ClinicRole.values:
        errors.append("Role must be staff or manager.")
    keys = [key.strip().lower() for key in values.get("programmes", "").split(";") if key.strip()]
    unknown = [key for key in keys if key not in programmes]
    if unknown:
        errors.append(f"Unknown programme: {', '.join(unknown)[:200]}.")
    keys = list(dict.fromkeys(keys))
    if keys and role == ClinicRole.MANAGER:
        errors.append("Programmes are assigned to staff only; leave them empty for a manager.")
    due: date | None = None
    raw_due = values.get("due_date", "")
    if raw_due:
        try:
            due = date.fromisoformat(raw_due)
            if len(raw_due) != 10:
                raise ValueError
        except ValueError:
            errors.append("Due date must be a date written YYYY-MM-DD.")
            due = None
        else:
            if due < today:
                errors.append("Due date is in the past.")
    elif keys:
        errors.append("Give a due date for the programmes.")
    return Row(
        number=number,
        name=name[:300],
        email=email[:254],
        role=role if role in ClinicRole.values else values.get("role", "")[:40],
        programmes=[programmes[k].key for k in keys if k in programmes],
        due_date=due,
        errors=errors,
    )


def _mark_duplicates(rows: list[Row]) -> None:
    first_seen: dict[str, int] = {}
    for row in rows:
        if not row.email:
            continue
        if row.email in first_seen:
            row.errors.append(f"The same e-mail is on row {first_seen[row.email]}.")
        else:
            first_seen[row.email] = row.number


def _mark_accounts(rows: list[Row]) -> None:
    """Note the rows whose address already has an account (one query for the whole file)."""
    emails = [row.email for row in rows if row.ok]
    if not emails:
        return
    User = get_user_model()
    known = {
        e.lower() for e in User.objects.filter(email__in=emails).values_list("email", flat=True)
    }
    for row in rows:
        row.has_account = row.email in known


# Between the preview and the confirmation ---------------------------------------------------


def sign_rows(rows: list[Row], clinic: Clinic, user: Any) -> str:
    """The good rows, signed for this clinic and this manager."""
    return signing.dumps(
        {
            "clinic": clinic.pk,
            "user": user.pk,
            "checked": timezone.now().isoformat(),
            "rows": [r.as_payload() for r in rows if r.ok],
        },
        salt=SALT,
        compress=True,
    )


def unsign_rows(payload: str, clinic: Clinic, user: Any) -> list[dict[str, Any]]:
    """The rows `sign_rows` signed; raises FileError when the payload was altered, is older
    than an hour, or was made for another clinic or person."""
    try:
        data = signing.loads(payload, salt=SALT, max_age=PAYLOAD_MAX_AGE)
    except signing.SignatureExpired:
        raise FileError("The checked file is more than an hour old; check it again.") from None
    except (signing.BadSignature, ValueError):
        raise FileError("The checked rows were altered or damaged; check the file again.") from None
    if not isinstance(data, dict) or data.get("clinic") != clinic.pk or data.get("user") != user.pk:
        raise FileError("The checked rows were made for another clinic; check the file again.")
    rows = data.get("rows")
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise FileError("The checked rows were altered or damaged; check the file again.")
    # Each row carries when the file was checked, so that confirming twice invites once.
    return [{**row, "checked": data.get("checked", "")} for row in rows]


def _invited_since(email: str, clinic: Clinic, checked: str) -> bool:
    """Whether `email` was invited to `clinic` (or re-invited) after the file was checked: a
    confirmation sent again, or one sent after the invitation was withdrawn, invites nobody."""
    when = parse_datetime(checked) if checked else None
    if when is None:
        return False
    issued_after = when + timedelta(days=settings.INVITATION_DAYS)
    return Invitation.objects.filter(
        email__iexact=email, clinic=clinic, expires_at__gte=issued_after
    ).exists()


def import_rows(clinic_id: int, inviter_id: int, rows: list[dict[str, Any]]) -> int:
    """Invite every row (the background part of a confirmed import); return how many were
    invited. A row that no longer passes (a programme removed meanwhile) is skipped and logged."""
    clinic = Clinic.objects.filter(pk=clinic_id).first()
    inviter = get_user_model().objects.filter(pk=inviter_id).first()
    if clinic is None or inviter is None:
        return 0
    programmes = {p.key: p for p in Programme.objects.all()}
    done = 0
    for row in rows:
        if _invited_since(row["email"], clinic, row.get("checked", "")):
            logger.info("Invitation of %s from a file skipped: invited since", row["email"])
            continue
        first, last = split_name(row["name"])
        try:
            invite(
                email=row["email"],
                invited_by=inviter,
                first_name=first,
                last_name=last,
                clinic=clinic,
                clinic_role=row["role"],
                programmes=[programmes[key] for key in row["programmes"]],
                due_date=date.fromisoformat(row["due_date"]) if row["due_date"] else None,
            )
        except (InvitationError, PermissionDenied, KeyError) as exc:
            logger.warning("Invitation of %s from a file skipped: %s", row.get("email"), exc)
            continue
        done += 1
    return done
