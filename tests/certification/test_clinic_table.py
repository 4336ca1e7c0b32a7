"""The clinic dashboard a page at a time and its CSV a batch at a time (certification.clinic_table):
the same rows, order and summary as the whole matrix, in queries that do not grow with staff."""

from __future__ import annotations

import csv
import io
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from certification import clinic_generation, clinic_table, services
from certification import views as certification_views
from certification.clinic_table import Filters, dashboard_page
from certification.clinics import STATUS_LABELS, clinic_matrix, clinic_programmes
from certification.cpd import format_hours
from certification.models import ClinicMembership, ClinicRole
from certification.requirements import Standing, load_programmes
from certification.views import REPORT_COLUMNS
from courses import services as course_services
from tests.certification.conftest import assess, finish_course, meet_everything
from tests.factories import UserFactory, take_quiz

pytestmark = pytest.mark.django_db

URL = "/clinics/riverside/"
# The dashboard page once the clinic's summary is cached, whatever the number of staff.
PAGE_MAX_QUERIES = 32


@contextmanager
def assert_max_queries(limit: int):
    with CaptureQueriesContext(connection) as captured:
        yield captured
    assert len(captured) <= limit, f"{len(captured)} queries, expected at most {limit}"


def add_staff(clinic, username: str, last_name: str = "") -> object:
    user = UserFactory.create(username=username, first_name="Pat", last_name=last_name or username)
    ClinicMembership.objects.create(clinic=clinic, user=user, role=ClinicRole.STAFF)
    return user


def in_days(n: int):
    return timezone.now().date() + timedelta(days=n)


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of 4 staff and pages of 5, so that a few staff need several of each."""
    monkeypatch.setattr(clinic_table, "STAFF_PER_BATCH", 4)
    monkeypatch.setattr(clinic_table, "REPORT_BATCH", 4)
    monkeypatch.setattr(certification_views, "STAFF_PER_PAGE", 5)


@pytest.fixture
def mixed(clinic, manager, tree, programme, assessor):
    """Thirteen staff: overdue, certified, in progress and not started, some assigned."""
    people = [add_staff(clinic, f"s{n:02}", last_name=f"Name{12 - n:02}") for n in range(13)]
    for n, user in enumerate(people):
        if n % 4 == 0:
            services.assign_programme(clinic, manager, [user], programme, in_days(-1 - n))
        elif n % 4 == 1:
            services.assign_programme(clinic, manager, [user], programme, in_days(10 + n))
            course_services.complete_lesson(user, tree.lessons[0])
        elif n % 4 == 2:
            meet_everything(user, tree, programme, assessor)
            services.issue_if_due(user, programme)
    return people


def page_usernames(client, **params) -> list[str]:
    response = client.get(URL, params)
    assert response.status_code == 200
    return [row.user.username for row in response.context["rows"]]


def all_pages(client, **params) -> list[str]:
    names, number = [], 1
    while True:
        response = client.get(URL, {**params, "p": str(number)})
        names += [row.user.username for row in response.context["rows"]]
        if not response.context["rows"].has_next():
            return names
        number += 1


SORTS = [
    {},
    {"dir": "desc"},
    {"sort": "status-{pk}"},
    {"sort": "status-{pk}", "dir": "desc"},
    {"sort": "due-{pk}"},
    {"sort": "due-{pk}", "dir": "desc"},
    {"sort": "status-{pk}", "status": "overdue"},
    {"q": "s1", "sort": "due-{pk}"},
]


@pytest.mark.parametrize("params", SORTS)
def test_pages_and_csv_follow_the_whole_matrix_order(
    client, manager, clinic, programme, mixed, small_batches, params
):
    params = {k: v.format(pk=programme.pk) for k, v in params.items()}
    matrix = clinic_matrix(
        clinic,
        status=params.get("status", ""),
        q=params.get("q", ""),
        sort=params.get("sort", ""),
        direction=params.get("dir", ""),
    )
    expected = [row.user.username for row in matrix.rows]
    client.force_login(manager)
    assert all_pages(client, **params) == expected
    response = client.get(URL + "report.csv", params)
    assert response.streaming
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["username"] for r in rows] == expected


def expected_csv(matrix) -> str:
    """The CSV as it was written from the whole matrix."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(REPORT_COLUMNS)
    for row in matrix.rows:
        for programme, cell in zip(matrix.programmes, row.cells, strict=True):
            certificate = cell.certificate
            writer.writerow(
                [
                    row.user.get_full_name(),
                    row.user.username,
                    row.user.email,
                    programme.title,
                    STATUS_LABELS[cell.status],
                    cell.percent,
                    cell.progress.skills,
                    cell.progress.skills_total,
                    certificate.expires_at.date().isoformat()
                    if certificate and (cell.held or cell.status == Standing.EXPIRED)
                    else "",
                    cell.due_date.isoformat() if cell.due_date else "",
                    certificate.code if certificate is not None and cell.held else "",
                ]
            )
    return out.getvalue()


def test_the_streamed_csv_is_the_whole_matrix_line_for_line(
    client, manager, clinic, mixed, small_batches
):
    client.force_login(manager)
    response = client.get(URL + "report.csv")
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    chunks = list(response.streaming_content)
    assert len(chunks) == 1 + 4  # the header, then 13 staff in batches of 4
    assert b"".join(chunks).decode() == expected_csv(clinic_matrix(clinic))


def test_dashboard_queries_do_not_grow_with_staff(
    client, manager, clinic, programme, small_batches
):
    client.force_login(manager)
    for n in range(3):
        services.assign_programme(
            clinic, manager, [add_staff(clinic, f"a{n}")], programme, in_days(5)
        )
    client.get(URL)  # builds the clinic's summary
    with assert_max_queries(PAGE_MAX_QUERIES) as few:
        assert client.get(URL, {"sort": f"status-{programme.pk}"}).status_code == 200
    for n in range(30):  # several batches, several pages
        services.assign_programme(
            clinic, manager, [add_staff(clinic, f"b{n}")], programme, in_days(5)
        )
    client.get(URL)
    with assert_max_queries(PAGE_MAX_QUERIES) as many:
        assert client.get(URL, {"sort": f"status-{programme.pk}", "p": "3"}).status_code == 200
    assert len(many) == len(few)


def test_the_summary_follows_writes_and_the_clock(clinic, manager, tree, programme):
    people = [add_staff(clinic, name) for name in ("ann", "bob")]
    services.assign_programme(clinic, manager, people, programme, in_days(1))
    now = timezone.now()
    page = dashboard_page(clinic, Filters(), None, 100, now=now)
    assert page.counts[Standing.NOT_STARTED] == 2 and page.counts[Standing.OVERDUE] == 0
    course_services.complete_lesson(people[0], tree.lessons[0])  # a write: summary out of date
    page = dashboard_page(clinic, Filters(), None, 100, now=now)
    assert page.counts[Standing.IN_PROGRESS] == 1 and page.counts[Standing.NOT_STARTED] == 1
    later = now + timedelta(days=3)  # the due date passes: nothing written, the clock alone
    page = dashboard_page(clinic, Filters(status="overdue"), None, 100, now=later)
    assert page.counts[Standing.OVERDUE] == 2 and page.total == 2


# Incremental invalidation: one person's write re-evaluates only their row. ---------------------


@pytest.fixture
def spy(monkeypatch):
    """Records the whole builds of the summary and the staff each evaluation is given."""
    calls: dict[str, list] = {"builds": [], "evaluated": []}
    build_summary, build_rows = clinic_table.build_summary, clinic_table.build_rows

    def counting_build(*args, **kwargs):
        calls["builds"].append(args[0])
        return build_summary(*args, **kwargs)

    def counting_rows(clinic, structure, memberships, now, **kwargs):
        calls["evaluated"].append(sorted(m.user.username for m in memberships))
        return build_rows(clinic, structure, memberships, now, **kwargs)

    monkeypatch.setattr(clinic_table, "build_summary", counting_build)
    monkeypatch.setattr(clinic_table, "build_rows", counting_rows)
    return calls


def reset(spy) -> None:
    spy["builds"].clear()
    spy["evaluated"].clear()


def staff_of(clinic, manager, programme, count: int) -> list:
    people = [add_staff(clinic, f"t{n:03}") for n in range(count)]
    services.assign_programme(clinic, manager, people, programme, in_days(30))
    return people


def test_one_trainees_attempt_re_evaluates_only_their_row(clinic, manager, programme, spy):
    people = staff_of(clinic, manager, programme, 6)
    page = dashboard_page(clinic, Filters(), None, 2)
    assert spy["builds"] and page.counts[Standing.NOT_STARTED] == 6
    reset(spy)
    take_quiz(people[3], programme.quiz, right=True)  # a graded attempt: one person's write
    page = dashboard_page(clinic, Filters(), None, 2)
    assert spy["builds"] == []  # no whole build
    assert ["t003"] in spy["evaluated"]
    assert sum(len(users) for users in spy["evaluated"]) == 1 + 2  # the change, then the page
    assert page.counts[Standing.IN_PROGRESS] == 1 and page.counts[Standing.NOT_STARTED] == 5
    assert page.total == 6 and page.staff_ids == {p.pk for p in people}
    # Filtered by status, the changed row is found from the patched summary.
    page = dashboard_page(clinic, Filters(status=Standing.IN_PROGRESS), None, 10)
    assert [row.user.username for row in page.page.object_list] == ["t003"]


def test_patching_costs_the_same_queries_for_few_and_many_staff(
    clinic, manager, tree, programme, spy
):
    def patch_queries(people) -> int:
        dashboard_page(clinic, Filters(), None, 2)
        course_services.complete_lesson(people[-1], tree.lessons[0])
        with CaptureQueriesContext(connection) as captured:
            dashboard_page(clinic, Filters(), None, 2)
        return len(captured)

    few = patch_queries(staff_of(clinic, manager, programme, 3))
    many = patch_queries([add_staff(clinic, f"u{n:02}") for n in range(20)])
    assert few == many and few <= PAGE_MAX_QUERIES + 16


def test_counts_and_cpd_follow_a_patched_row(clinic, manager, tree, programme, assessor, spy):
    people = staff_of(clinic, manager, programme, 3)
    for checklist in programme.required_checklists.all():
        assess(people[1], assessor, checklist)  # a sign-off: a global change
    first = dashboard_page(clinic, Filters(), None, 10)
    reset(spy)
    finish_course(people[1], tree, programme)  # lessons, modules, the quiz: CPD hours
    services.issue_if_due(people[1], programme)
    patched = dashboard_page(clinic, Filters(), None, 10)
    assert spy["builds"] == []
    rebuilt = clinic_table.build_summary(
        clinic, load_programmes(clinic_programmes(clinic)), timezone.now(), timezone.now().year
    )[0]
    assert patched.counts == rebuilt.counts and patched.counts[Standing.CERTIFIED] == 1
    assert patched.cpd_total == format_hours(rebuilt.cpd_total) != first.cpd_total


def test_a_programme_or_membership_change_rebuilds_the_summary(clinic, manager, programme, spy):
    staff_of(clinic, manager, programme, 2)
    dashboard_page(clinic, Filters(), None, 10)
    reset(spy)
    programme.title = "Renamed practitioner"
    programme.save()
    dashboard_page(clinic, Filters(), None, 10)
    assert len(spy["builds"]) == 1
    reset(spy)
    add_staff(clinic, "newcomer")  # a membership: who is in the clinic changes
    page = dashboard_page(clinic, Filters(), None, 10)
    assert len(spy["builds"]) == 1 and page.total == 3


def test_a_change_no_longer_logged_falls_back_to_a_whole_build(
    clinic, manager, tree, programme, spy
):
    people = staff_of(clinic, manager, programme, 2)
    dashboard_page(clinic, Filters(), None, 10)
    reset(spy)
    course_services.complete_lesson(people[0], tree.lessons[0])
    course_services.complete_lesson(people[1], tree.lessons[0])
    cache.delete(clinic_generation.CHANGE_KEY.format(number=clinic_generation.sequence() - 1))
    page = dashboard_page(clinic, Filters(), None, 10)
    assert len(spy["builds"]) == 1 and page.counts[Standing.IN_PROGRESS] == 2


def test_too_many_changes_fall_back_to_a_whole_build(
    clinic, manager, tree, programme, spy, monkeypatch
):
    monkeypatch.setattr(clinic_table, "MAX_CHANGES", 1)
    people = staff_of(clinic, manager, programme, 2)
    dashboard_page(clinic, Filters(), None, 10)
    reset(spy)
    course_services.complete_lesson(people[0], tree.lessons[0])
    course_services.complete_lesson(people[1], tree.lessons[0])
    page = dashboard_page(clinic, Filters(), None, 10)
    assert len(spy["builds"]) == 1 and page.counts[Standing.IN_PROGRESS] == 2


def test_a_change_made_while_the_summary_is_built_is_not_lost(
    clinic, manager, tree, programme, monkeypatch
):
    people = staff_of(clinic, manager, programme, 2)
    build_summary = clinic_table.build_summary

    def write_meanwhile(*args, **kwargs):
        built = build_summary(*args, **kwargs)  # evaluated before the write below
        course_services.complete_lesson(people[0], tree.lessons[0])
        return built

    monkeypatch.setattr(clinic_table, "build_summary", write_meanwhile)
    stale = dashboard_page(clinic, Filters(), None, 10)
    assert stale.counts[Standing.IN_PROGRESS] == 0
    monkeypatch.setattr(clinic_table, "build_summary", build_summary)
    assert dashboard_page(clinic, Filters(), None, 10).counts[Standing.IN_PROGRESS] == 1


def test_one_persons_write_is_logged_without_a_query(clinic, staff, tree):
    before, logged = clinic_generation.generation(), clinic_generation.sequence()
    completion, _ = course_services.complete_lesson(staff, tree.lessons[0])
    assert clinic_generation.generation() == before
    assert clinic_generation.changed_since(logged, clinic_generation.sequence()) == {staff.pk}
    with assert_max_queries(0):
        clinic_generation._saved(type(completion), instance=completion)
    staff.first_name = "Renamed"
    staff.save()  # the user model itself: a name orders and filters, so a global change
    assert clinic_generation.generation() != before
