"""The clinic manager's toolkit: sorting, a selection kept across pages, one person's record,
reminders to the selected staff, and the header's "My clinic" link."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import ModelLogEntry

from accounts.models import Notification
from accounts.notifications import set_email_choices
from certification import services
from certification.clinic_reminders import MAX_PER_REQUEST, REMIND, RemindStaffAction
from certification.clinics import Sort, clinic_matrix, parse_sort
from certification.context_processors import ManagedClinics
from certification.models import ClinicMembership, ClinicRole, ProgrammeAssignment
from courses import services as course_services
from tests.certification.conftest import assess, finish_course, meet_everything
from tests.factories import ClinicFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/clinics/riverside/"


def add_staff(clinic, username: str, last_name: str = "", **names):
    user = UserFactory(username=username, last_name=last_name or username.title(), **names)
    ClinicMembership.objects.create(clinic=clinic, user=user, role=ClinicRole.STAFF)
    return user


def in_days(n: int):
    return timezone.now().date() + timedelta(days=n)


@pytest.fixture
def crew(clinic, manager, tree, programme, assessor):
    """Four staff: Adams overdue, Baker certified, Cole in progress (due in 20 days), Dunn
    not started and never assigned."""
    people = {
        name: add_staff(clinic, name, first_name="Pat")
        for name in ("adams", "baker", "cole", "dunn")
    }
    services.assign_programme(clinic, manager, [people["adams"]], programme, in_days(-3))
    services.assign_programme(clinic, manager, [people["baker"]], programme, in_days(5))
    services.assign_programme(clinic, manager, [people["cole"]], programme, in_days(20))
    meet_everything(people["baker"], tree, programme, assessor)
    services.issue_if_due(people["baker"], programme)
    course_services.complete_lesson(people["cole"], tree.lessons[0])
    return people


def table_names(html: str) -> list[str]:
    table = html[html.index('<table class="table clinic-matrix">') : html.index("</table>")]
    return re.findall(r'<input type="hidden" name="shown" value="(\d+)">', table)


def order(client, **params) -> list[str]:
    from accounts.models import User

    response = client.get(URL, params)
    assert response.status_code == 200
    ids = [int(pk) for pk in table_names(response.content.decode())]
    usernames = dict(User.objects.filter(pk__in=ids).values_list("pk", "username"))
    return [usernames[pk] for pk in ids]


# Sorting ---------------------------------------------------------------------------------------


def test_rows_sort_by_name_status_and_due_date_both_ways(client, manager, crew, programme):
    client.force_login(manager)
    status, due = f"status-{programme.pk}", f"due-{programme.pk}"
    assert order(client) == ["adams", "baker", "cole", "dunn"]
    assert order(client, sort="name", dir="desc") == ["dunn", "cole", "baker", "adams"]
    # Status: what needs attention first (overdue, then not started, in progress, certified).
    assert order(client, sort=status) == ["adams", "dunn", "cole", "baker"]
    assert order(client, sort=status, dir="desc") == ["baker", "cole", "dunn", "adams"]
    # Due date: only what is still to be met has one (Baker is certified); none sorts last.
    assert order(client, sort=due) == ["adams", "cole", "baker", "dunn"]
    assert order(client, sort=due, dir="desc") == ["cole", "adams", "baker", "dunn"]


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "bogus"},
        {"sort": "status-999999"},
        {"sort": "due-"},
        {"sort": "status-1x", "dir": "sideways"},
        {"sort": "name", "dir": "up"},
        {"sort": "x" * 5000},
        {"sort": "status-\u00b2"},
    ],
)
def test_bad_sort_parameters_fall_back_to_the_name_order(client, manager, crew, params):
    client.force_login(manager)
    assert order(client, **params) == ["adams", "baker", "cole", "dunn"]


def test_parse_sort_accepts_only_the_shown_programmes(programme):
    assert parse_sort(f"status-{programme.pk}", "desc", [programme]) == Sort(
        f"status-{programme.pk}", True
    )
    assert parse_sort(f"status-{programme.pk}", "desc", []) == Sort()


def test_headers_say_how_the_table_is_sorted_and_link_to_the_other_direction(
    client, manager, crew, programme
):
    client.force_login(manager)
    html = client.get(URL, {"sort": f"status-{programme.pk}", "status": "overdue"}).content.decode()
    head = html[html.index("<thead>") : html.index("</thead>")]
    assert head.count("aria-sort=") == 1 and 'aria-sort="ascending"' in head
    assert f"?status=overdue&amp;sort=status-{programme.pk}&amp;dir=desc" in head
    assert "?status=overdue&amp;sort=name&amp;dir=asc" in head
    assert "sort by status, descending" in head


def test_sorting_is_stable_across_pages(client, manager, clinic, programme):
    for n in range(105):
        user = add_staff(clinic, f"p{n:03}")
        if n % 2:
            services.assign_programme(clinic, manager, [user], programme, in_days(-1))
    client.force_login(manager)
    sort = {"sort": f"status-{programme.pk}", "dir": "desc"}
    first = order(client, **sort)
    second = order(client, p="2", **sort)
    assert len(first) == 100 and len(second) == 5
    together = first + second
    assert len(set(together)) == 105
    # Not started (even numbers) then overdue (odd), each by name.
    evens = [f"p{n:03}" for n in range(0, 105, 2)]
    odds = [f"p{n:03}" for n in range(1, 105, 2)]
    assert together == evens + odds


def test_the_csv_keeps_the_sort_and_the_filters(client, manager, crew, programme):
    client.force_login(manager)
    response = client.get(
        URL + "report.csv", {"sort": f"due-{programme.pk}", "dir": "desc", "q": "Pat"}
    )
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["username"] for r in rows] == ["cole", "adams", "baker", "dunn"]
    only = client.get(URL + "report.csv", {"sort": "nonsense", "status": "overdue"})
    rows = list(csv.DictReader(io.StringIO(b"".join(only.streaming_content).decode())))
    assert [r["username"] for r in rows] == ["adams"]


def test_matrix_sort_keeps_filters(clinic, crew, programme):
    matrix = clinic_matrix(clinic, status="overdue", sort=f"due-{programme.pk}", direction="desc")
    assert [r.user.username for r in matrix.rows] == ["adams"]
    assert matrix.sort == Sort(f"due-{programme.pk}", True)


# Selection -------------------------------------------------------------------------------------


@pytest.fixture
def big_clinic(clinic, manager):
    return [add_staff(clinic, f"s{n:03}") for n in range(105)]


def selected_count(html: str) -> int:
    return int(re.search(r"<strong data-selection-count>(\d+)</strong> selected", html).group(1))


def checked(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'name="staff" value="(\d+)" id="pick-\d+" checked', html)}


def test_selections_are_kept_across_pages(client, manager, big_clinic):
    client.force_login(manager)
    first_page = [u.pk for u in big_clinic[:100]]
    a, b = big_clinic[0], big_clinic[101]
    response = client.post(
        URL + "selection/?sort=name", {"shown": first_page, "staff": [a.pk], "go": "2"}
    )
    assert response.status_code == 302 and response["Location"] == URL + "?sort=name&p=2"
    page_two = client.get(URL, {"sort": "name", "p": "2"}).content.decode()
    assert selected_count(page_two) == 1 and checked(page_two) == set()
    client.post(
        URL + "selection/?p=2",
        {"shown": [u.pk for u in big_clinic[100:]], "staff": [b.pk], "go": "1"},
    )
    page_one = client.get(URL).content.decode()
    assert selected_count(page_one) == 2 and checked(page_one) == {a.pk}
    # Unticking on page one takes out only page one's people.
    client.post(URL + "selection/", {"shown": first_page, "staff": []})
    assert selected_count(client.get(URL).content.decode()) == 1


def test_select_all_on_a_page_and_clear(client, manager, big_clinic):
    client.force_login(manager)
    shown = [u.pk for u in big_clinic[:100]]
    client.post(URL + "selection/", {"shown": shown, "select": "page"})
    html = client.get(URL).content.decode()
    assert selected_count(html) == 100 and checked(html) == set(shown)
    assert checked(client.get(URL, {"p": "2"}).content.decode()) == set()
    response = client.post(
        URL + "selection/", {"shown": shown, "select": "none"}, HTTP_ACCEPT="application/json"
    )
    assert response.json() == {"selected": 0}


def test_the_selection_keeps_only_this_clinics_staff(client, manager, clinic, other_clinic):
    mine = add_staff(clinic, "mine")
    theirs = add_staff(other_clinic, "theirs")
    client.force_login(manager)
    response = client.post(
        URL + "selection/",
        {"shown": [mine.pk, theirs.pk, "abc", "-1"], "staff": [mine.pk, theirs.pk, "99999999"]},
        HTTP_ACCEPT="application/json",
    )
    assert response.json() == {"selected": 1}


def test_the_selection_is_per_clinic_and_other_managers_get_404(
    client, manager, other_manager, clinic, other_clinic
):
    mine = add_staff(clinic, "mine")
    client.force_login(other_manager)
    assert client.post(URL + "selection/", {"staff": [mine.pk]}).status_code == 404
    client.force_login(manager)
    client.post(URL + "selection/", {"staff": [mine.pk]})
    ClinicMembership.objects.create(clinic=other_clinic, user=manager, role=ClinicRole.MANAGER)
    assert selected_count(client.get("/clinics/harbour/").content.decode()) == 0


def test_assigning_acts_on_the_selection_of_every_page(client, manager, big_clinic, programme):
    client.force_login(manager)
    a, b = big_clinic[0], big_clinic[104]
    client.post(URL + "selection/", {"shown": [u.pk for u in big_clinic[:100]], "staff": [a.pk]})
    response = client.post(
        URL + "assign/?p=2&sort=name",
        {
            "shown": [u.pk for u in big_clinic[100:]],
            "staff": [b.pk],
            "programme": programme.pk,
            "due_date": in_days(30).isoformat(),
        },
    )
    assert response.status_code == 302 and response["Location"] == URL + "?sort=name&p=2"
    assert set(ProgrammeAssignment.objects.values_list("user_id", flat=True)) == {a.pk, b.pk}


def test_the_assign_form_is_above_the_table(client, manager, clinic):
    client.force_login(manager)
    html = client.get(URL).content.decode()
    assert html.index('id="id_due_date"') < html.index('<table class="table clinic-matrix">')
    assert html.index(">Send reminder<") < html.index('<table class="table clinic-matrix">')


# One person's record ---------------------------------------------------------------------------


def staff_url(user) -> str:
    return f"{URL}staff/{user.pk}/"


def test_the_record_shows_what_is_missing_with_dates(
    client, manager, clinic, staff, tree, programme, assessor
):
    services.assign_programme(clinic, manager, [staff], programme, in_days(10))
    finish_course(staff, tree, programme)
    palp = programme.required_checklists.get(key="palp")
    assess(staff, assessor, palp)
    client.force_login(manager)
    response = client.get(staff_url(staff))
    assert response.status_code == 200
    html = response.content.decode()
    today = timezone.localdate()
    assert staff.display_name in html and "Test practitioner" in html
    assert f"Due {in_days(10):%-d %b %Y}" in html
    assert "Still missing: 1 of 4" in html
    rows = re.findall(
        r"<tr>\s*<th scope=\"row\">(.*?)</th>.*?<td>(.*?)</td>\s*<td>(.*?)</td>", html, re.S
    )
    state = {title: "Met" in met for title, _kind, met in rows}
    assert state[tree.course.title] and state[programme.quiz.title] and state[palp.title]
    needle = programme.required_checklists.get(key="needle")
    assert state[needle.title] is False
    assert f"{today:%-d %b %Y}" in html


def test_the_record_lists_certificates(client, manager, clinic, staff, tree, programme, assessor):
    meet_everything(staff, tree, programme, assessor)
    certificate = services.issue_if_due(staff, programme)
    client.force_login(manager)
    html = client.get(staff_url(staff)).content.decode()
    assert "Every requirement met" in html
    assert f"valid until {certificate.expires_at:%-d %b %Y}" in html


def test_only_the_clinics_managers_see_a_record_of_its_staff(
    client, manager, other_manager, clinic, other_clinic, staff, admin_user
):
    outsider = add_staff(other_clinic, "outsider")
    assert client.get(staff_url(staff)).status_code == 302  # sign in first
    client.force_login(other_manager)
    assert client.get(staff_url(staff)).status_code == 404
    client.force_login(staff)
    assert client.get(staff_url(staff)).status_code == 404
    client.force_login(manager)
    assert client.get(staff_url(outsider)).status_code == 404
    assert client.get(staff_url(manager)).status_code == 404  # a manager is not staff
    assert client.get(f"{URL}staff/99999999999999999999999/").status_code == 404
    assert client.get(staff_url(staff)).status_code == 200
    client.force_login(admin_user)
    assert client.get(staff_url(staff)).status_code == 200


def test_the_record_costs_the_same_queries_however_much_history(
    client,
    manager,
    clinic,
    staff,
    other_trainee,
    tree,
    programme,
    assessor,
    django_assert_max_num_queries,
):
    ClinicMembership.objects.create(clinic=clinic, user=other_trainee, role=ClinicRole.STAFF)
    for _ in range(3):
        assess(staff, assessor, programme.required_checklists.first())
    meet_everything(staff, tree, programme, assessor)
    services.issue_if_due(staff, programme)
    client.force_login(manager)
    client.get(staff_url(other_trainee))
    with django_assert_max_num_queries(30) as fresh:
        assert client.get(staff_url(other_trainee)).status_code == 200
    with django_assert_max_num_queries(30) as busy:
        assert client.get(staff_url(staff)).status_code == 200
    assert len(busy.captured_queries) == len(fresh.captured_queries)


# Reminders -------------------------------------------------------------------------------------


def remind(client, people, **extra):
    ids = [p.pk for p in people]
    return client.post(URL + "remind/", {"shown": ids, "staff": ids, **extra})


def reminders(user) -> list[Notification]:
    return list(Notification.objects.filter(user=user, kind="clinic.reminder"))


def test_a_reminder_is_queued_notified_emailed_by_choice_and_audited(
    client, manager, clinic, crew, programme, django_capture_on_commit_callbacks
):
    adams, dunn = crew["adams"], crew["dunn"]
    set_email_choices(dunn, {"clinic.reminder": False})
    client.force_login(manager)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = remind(client, [adams, dunn])
    assert response.status_code == 302
    (note,) = reminders(adams)
    assert note.url == f"/learn/programmes/{programme.key}/"
    assert "Riverside" in note.message and "Test practitioner" in note.message
    assert programme.quiz.title in note.message  # what is still missing is named
    assert f"due {in_days(-3):%-d %b %Y}" in note.message
    assert len(reminders(dunn)) == 1
    assert [m.to for m in mail.outbox] == [[adams.email]]
    entry = ModelLogEntry.objects.get(action=REMIND)
    assert entry.object_id == str(clinic.pk) and entry.user_id == manager.pk
    assert entry.data["count"] == 2 and sorted(entry.data["staff"]) == sorted([adams.pk, dunn.pk])
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Reminder queued for 2 people; 0 skipped (reminded in the last 24 hours)."]


def test_nobody_is_reminded_twice_within_24_hours(
    client, manager, clinic, crew, django_capture_on_commit_callbacks
):
    adams, cole = crew["adams"], crew["cole"]
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        remind(client, [adams])
        response = remind(client, [adams, cole])
    assert [str(m) for m in response.wsgi_request._messages][-1] == (
        "Reminder queued for 1 person; 1 skipped (reminded in the last 24 hours)."
    )
    assert len(reminders(adams)) == 1 and len(reminders(cole)) == 1
    # Another manager of the same clinic is held to the same limit.
    second = UserFactory(username="manager-c")
    ClinicMembership.objects.create(clinic=clinic, user=second, role=ClinicRole.MANAGER)
    result = RemindStaffAction(clinic, user=second, staff_ids=[adams.pk, cole.pk]).execute()
    assert result.queued == [] and len(result.recently_reminded) == 2
    later = timezone.now() + timedelta(hours=24, minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        result = RemindStaffAction(clinic, user=second, staff_ids=[adams.pk]).execute(now=later)
    assert result.queued == [adams.pk] and len(reminders(adams)) == 2


def test_the_limit_is_per_clinic(manager, other_manager, clinic, other_clinic, crew):
    adams = crew["adams"]
    ClinicMembership.objects.create(clinic=other_clinic, user=adams, role=ClinicRole.STAFF)
    RemindStaffAction(clinic, user=manager, staff_ids=[adams.pk]).execute()
    result = RemindStaffAction(other_clinic, user=other_manager, staff_ids=[adams.pk]).execute()
    assert result.queued == [adams.pk]


def test_someone_with_nothing_outstanding_is_skipped(
    client, manager, crew, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = remind(client, [crew["baker"], crew["cole"]])
    assert [str(m) for m in response.wsgi_request._messages] == [
        "Reminder queued for 1 person; 0 skipped (reminded in the last 24 hours); "
        "1 skipped (nothing outstanding)."
    ]
    assert reminders(crew["baker"]) == [] and len(reminders(crew["cole"])) == 1


def test_a_reminder_is_capped_per_request_and_needs_someone(client, manager, clinic, crew):
    many = [add_staff(clinic, f"m{n:03}") for n in range(MAX_PER_REQUEST + 1)]
    client.force_login(manager)
    response = remind(client, many)
    assert response.status_code == 400
    assert f"Remind at most {MAX_PER_REQUEST} people at a time" in response.content.decode()
    assert not ModelLogEntry.objects.filter(action=REMIND).exists()
    assert not Notification.objects.filter(kind="clinic.reminder").exists()
    client.post(URL + "selection/", {"select": "none"})
    empty = client.post(URL + "remind/", {})
    assert empty.status_code == 400 and "Choose at least one staff member" in empty.content.decode()


def test_only_the_clinics_managers_remind_its_staff(client, other_manager, crew, staff, clinic):
    client.force_login(other_manager)
    assert remind(client, [crew["adams"]]).status_code == 404
    client.force_login(staff)
    assert remind(client, [crew["adams"]]).status_code == 404
    assert not ModelLogEntry.objects.filter(action=REMIND).exists()


def test_one_person_is_reminded_from_their_record(
    client, manager, other_clinic, crew, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    adams = crew["adams"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL + "remind/", {"person": adams.pk})
    assert response.status_code == 302 and response["Location"] == staff_url(adams)
    assert len(reminders(adams)) == 1
    outsider = add_staff(other_clinic, "outsider")
    assert client.post(URL + "remind/", {"person": outsider.pk}).status_code == 404


# The header ------------------------------------------------------------------------------------


def header(html: str) -> str:
    return html[html.index('<nav class="site-nav"') : html.index("</nav>")]


def test_a_manager_has_a_my_clinic_link_and_a_trainee_none(client, manager, trainee, clinic):
    client.force_login(manager)
    nav = header(client.get("/learn/").content.decode())
    assert f'<a href="{URL}">My clinic</a>' in nav
    assert 'aria-current="page">My clinic' in header(client.get(URL).content.decode())
    client.force_login(trainee)
    assert "/clinics/" not in header(client.get("/learn/").content.decode())


def test_a_manager_of_several_clinics_has_a_link_to_each(client, manager, other_clinic):
    ClinicMembership.objects.create(clinic=other_clinic, user=manager, role=ClinicRole.MANAGER)
    client.force_login(manager)
    nav = header(client.get("/learn/").content.decode())
    assert '<a href="/clinics/harbour/">Harbour</a>' in nav
    assert '<a href="/clinics/riverside/">Riverside</a>' in nav
    assert "My clinic" not in nav


def clinic_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return sum('FROM "certification_clinic" ' in q["sql"] for q in queries.captured_queries)


def test_the_header_link_costs_one_query_for_a_manager_and_none_otherwise(
    client, manager, trainee, clinic, rf, django_assert_num_queries
):
    # The signed-in user is read with how many clinics they manage (accounts.backends): a
    # trainee's header asks for no clinic at all.
    client.force_login(trainee)
    assert clinic_queries(client, "/search/?q=spasm") == 0
    client.force_login(manager)
    assert clinic_queries(client, "/search/?q=spasm") == 1
    client.logout()
    assert clinic_queries(client, "/search/?q=spasm") == 0
    request = rf.get("/")
    request.user = trainee
    lazy = ManagedClinics(request)
    with django_assert_num_queries(1):
        assert lazy.clinics == [] and lazy.clinics == []


# Queries ---------------------------------------------------------------------------------------


def test_dashboard_queries_stay_constant_with_sort_and_selection(
    client, manager, clinic, programme, django_assert_max_num_queries
):
    def batch(start: int, count: int) -> list:
        people = [add_staff(clinic, f"q{n:03}") for n in range(start, start + count)]
        services.assign_programme(clinic, manager, people, programme, in_days(10))
        return people

    client.force_login(manager)
    people = batch(0, 3)
    client.post(URL + "selection/", {"staff": [p.pk for p in people]})
    params = {"sort": f"due-{programme.pk}", "dir": "desc"}
    client.get(URL, params)
    # 30 before the CPD column, which reads the staff's learner states (four queries).
    with django_assert_max_num_queries(34) as small:
        assert client.get(URL, params).status_code == 200
    people = batch(3, 40)
    client.post(URL + "selection/", {"staff": [p.pk for p in people]})
    with django_assert_max_num_queries(34) as large:
        assert client.get(URL, params).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


def test_other_clinics_are_untouched(client, manager):
    ClinicFactory(name="Elsewhere", slug="elsewhere")
    client.force_login(manager)
    assert client.get("/clinics/elsewhere/").status_code == 404
    assert client.get("/clinics/elsewhere/staff/1/").status_code == 404
