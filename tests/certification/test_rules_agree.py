"""Every page, export and job that speaks of a learner's programme says the same thing.

For each learner and programme: the clinic dashboard's cell, its CSV row, the learner's own
/learn/ page, the evaluation that issues certificates, the certificate status rule (in Python
and in SQL) and the reminders agree. Checked here on every demo learner (the demo is loaded once
for this module), and with the same checks on edge cases in test_rules_agree_edges.py.
"""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from certification import services
from certification.clinics import STATUS_LABELS, learners
from certification.models import (
    Certificate,
    CertificateStatus,
    Clinic,
    ClinicMembership,
    ClinicRole,
    certificate_status,
)
from certification.reminders import notices
from certification.requirements import (
    HELD,
    Standing,
    learner_programmes,
    load_programmes,
    programmes_queryset,
)
from courses.progress import percent_done

pytestmark = pytest.mark.django_db

COURSE_BAR = re.compile(
    r'aria-label="Progress in ([^"]*)">\d+%</progress>\s*'
    r'<span class="progress__label">\d+% <span class="muted">· (\d+) of (\d+) steps done'
)
CERTIFICATE_CARD = re.compile(r'certificate-card--(\w+)">\s*<h3 class="card__title">([^<]*)</h3>')
# The certificate status a held, expired or revoked standing refers to.
CERTIFICATE_OF = {
    Standing.CERTIFIED: CertificateStatus.ACTIVE,
    Standing.EXPIRING: CertificateStatus.EXPIRING,
    Standing.EXPIRED: CertificateStatus.EXPIRED,
    Standing.REVOKED: CertificateStatus.REVOKED,
}


def dashboard(client, clinic: Clinic) -> tuple[list, dict, dict]:
    """The programmes, cells and CSV rows a manager of `clinic` is shown."""
    manager = ClinicMembership.objects.filter(clinic=clinic, role=ClinicRole.MANAGER).first()
    client.force_login(manager.user)
    response = client.get(f"/clinics/{clinic.slug}/")
    assert response.status_code == 200
    programmes = list(response.context["programmes"])
    cells = {
        (row.user, programme.pk): cell
        for row in response.context["rows"]
        for programme, cell in zip(programmes, row.cells, strict=True)
    }
    report = client.get(f"/clinics/{clinic.slug}/report.csv")
    rows = csv.DictReader(io.StringIO(b"".join(report.streaming_content).decode()))
    return programmes, cells, {(row["username"], row["programme"]): row for row in rows}


def learn_page(client, user) -> tuple[dict[str, tuple[int, int]], dict[str, set[str]]]:
    """What `user` reads on /learn/: steps done of each course, certificate statuses by title."""
    client.force_login(user)
    page = client.get("/learn/").content.decode()
    courses = {html.unescape(t): (int(d), int(n)) for t, d, n in COURSE_BAR.findall(page)}
    cards: dict[str, set[str]] = {}
    for status, title in CERTIFICATE_CARD.findall(page):
        cards.setdefault(html.unescape(title).strip(), set()).add(status)
    return courses, cards


def check_csv_row(row: dict, cell) -> None:
    certificate = cell.certificate
    assert row["status"] == STATUS_LABELS[cell.status]
    assert row["percent"] == str(cell.percent)
    assert (row["skills observed"], row["skills required"]) == (
        str(cell.progress.skills),
        str(cell.progress.skills_total),
    )
    assert row["certificate code"] == (certificate.code if cell.held else "")
    assert row["due date"] == (cell.due_date.isoformat() if cell.due_date else "")


def check_learner_side(client, user, programmes, cells: dict, now: datetime) -> None:
    """The learner's /learn/ page and evaluation say what their manager's dashboard says."""
    courses, cards = learn_page(client, user)
    states = {s.programme.pk: s for s in learner_programmes(user, programmes, now=now)}
    for programme in programmes:
        cell, state = cells[(user, programme.pk)], states[programme.pk]
        # The evaluation behind the learner's pages is the one behind the dashboard.
        assert (state.done, state.total, state.skills, state.skills_total) == (
            cell.progress.done,
            cell.progress.total,
            cell.progress.skills,
            cell.progress.skills_total,
        ), user.username
        assert [r.met for r in state.requirements] == [r.met for r in cell.progress.requirements]
        assert (
            state.standing(cell.assignment.due_date if cell.assignment else None)[0] == cell.status
        )
        # The percent from the course progress the learner reads on /learn/.
        shown = [courses[c.title] for c in programme.required_courses.all() if c.title in courses]
        if shown:
            assert len(shown) == programme.required_courses.count(), user.username
            done, total = map(sum, zip(*shown, strict=True))
            assert percent_done(done, total) == cell.percent, user.username
        else:
            assert cell.progress.done == 0, user.username
        # The certificate panel shows the held certificate with the dashboard's status.
        if cell.status in HELD:
            assert CERTIFICATE_OF[cell.status] in cards.get(programme.title, set()), user.username


def check_certificate_rules(user, programme, cell, now: datetime) -> None:
    """The cell's certificate and the certificate rules, in Python and SQL, agree; issuing
    follows the same evaluation."""
    certificate = cell.certificate
    valid = Certificate.objects.valid(now).filter(user=user, programme=programme)
    if cell.status in CERTIFICATE_OF:
        assert certificate is not None and certificate.status_at(now) == CERTIFICATE_OF[cell.status]
        assert (
            certificate_status(certificate.revoked_at, certificate.expires_at, now)
            == CERTIFICATE_OF[cell.status]
        )
    assert valid.exists() == (cell.status in HELD), user.username
    if cell.held:
        assert certificate.pk in set(valid.values_list("pk", flat=True))
    with transaction.atomic():
        issued = services.issue_if_due(user, programme, now=now)
        assert (issued is not None) == cell.progress.due, user.username
        if cell.held:
            assert issued is None
        assert services.issue_if_due(user, programme, now=now) is None, "issued twice"
        transaction.set_rollback(True)


def check_reminders(cells: dict, now: datetime) -> None:
    """An overdue reminder goes to exactly the overdue; an expiring one to the expiring."""
    found = notices(now)
    keys = {n.key for n in found}
    expiring = {
        (n.recipient, n.context["certificate"].programme_id)
        for n in found
        if n.key.startswith("expiring:") and n.context["is_holder"]
    }

    def has_key(prefix: str, recipient_pk: int) -> bool:
        # Keys run what:which:when...:recipient (the threshold or the week sits in between).
        return any(k.startswith(prefix) and k.endswith(f":{recipient_pk}") for k in keys)

    for (user, programme_id), cell in cells.items():
        if cell.assignment is not None:
            overdue = f"overdue:{cell.assignment.pk}:{cell.assignment.due_date.isoformat()}:"
            assert has_key(overdue, user.pk) == (cell.status == Standing.OVERDUE), user.username
        assert ((user, programme_id) in expiring) == (cell.status == Standing.EXPIRING)
        if cell.status == Standing.EXPIRING:
            assert has_key(f"expiring:{cell.certificate.pk}:", user.pk), user.username


def check_clinic(client, clinic: Clinic) -> int:
    """Every check above for every staff member of `clinic`; returns how many cells it checked."""
    now = timezone.now()
    programmes, cells, rows = dashboard(client, clinic)
    assert not load_programmes(programmes).extra_quizzes, "each required quiz is a course step"
    for (user, programme_id), cell in cells.items():
        programme = next(p for p in programmes if p.pk == programme_id)
        check_csv_row(rows[(user.username, programme.title)], cell)
        check_certificate_rules(user, programme, cell, now)
    for user in {user for user, _ in cells}:
        check_learner_side(client, user, programmes, cells, now)
    check_reminders(cells, now)
    return len(cells)


# The demo --------------------------------------------------------------------------------------


def test_every_demo_learner_is_shown_alike_everywhere(client, demo):
    checked = sum(check_clinic(client, clinic) for clinic in Clinic.objects.all())
    assert checked >= 15
    statuses = {
        cell.status
        for clinic in Clinic.objects.all()
        for cell in dashboard(client, clinic)[1].values()
    }
    assert statuses >= set(Standing) - {Standing.EXPIRED}, "the demo shows every standing"


def test_learners_outside_a_clinic_are_evaluated_by_the_same_rules(demo):
    now = timezone.now()
    programmes = list(programmes_queryset())
    for user in learners().exclude(clinic_memberships__role=ClinicRole.STAFF):
        for state in learner_programmes(user, programmes, now=now):
            held = state.certificate
            assert (held is not None) == Certificate.objects.valid(now).filter(
                user=user, programme=state.programme
            ).exists()
            with transaction.atomic():
                issued = services.issue_if_due(user, state.programme, now=now)
                assert (issued is not None) == state.due
                transaction.set_rollback(True)


def test_issuing_again_after_the_demo_issues_nothing(demo):
    for user in learners():
        with transaction.atomic():
            assert services.issue_due_certificates(user) == [], user.username
            transaction.set_rollback(True)
