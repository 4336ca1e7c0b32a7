"""CPD: a module's hours (override or lessons' minutes), hours earned once every step is done,
the learner's transcript (page, PDF, CSV) per role, and the clinic dashboard's totals."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from certification.cpd import (
    clinic_cpd,
    cpd_records,
    format_hours,
    hours_from_minutes,
    module_hours,
    transcript,
)
from certification.models import ClinicMembership, ClinicRole
from core.course_files import read_cpd_hours
from core.curriculum import CurriculumError
from courses import services as course_services
from courses.models import ModuleCompletion
from tests.certification.conftest import finish_course
from tests.factories import UserFactory
from tests.factories.courses import CoursePageFactory, LessonPageFactory, ModulePageFactory

pytestmark = pytest.mark.django_db

URLS = ("/learn/transcript/", "/learn/transcript.pdf", "/learn/transcript.csv")


# The rules -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "hours"),
    [
        (0, "0"),
        (7, "0"),
        (8, "0.25"),
        (15, "0.25"),
        (50, "0.75"),
        (52, "0.75"),
        (53, "1"),
        (90, "1.5"),
    ],
)
def test_minutes_round_to_the_nearest_quarter_hour(minutes, hours):
    assert format_hours(hours_from_minutes(minutes)) == hours


def test_an_override_wins_over_the_lessons_minutes():
    assert module_hours(None, [30, 45, None]) == Decimal("1.25")
    assert module_hours(Decimal("2.5"), [30, 45]) == Decimal("2.50")
    assert format_hours(Decimal("100.00")) == "100"


@pytest.mark.parametrize("value", [0.3, 0, -1, 1000, "2", True])
def test_the_curriculum_refuses_odd_cpd_hours(value):
    with pytest.raises(CurriculumError, match="cpd_hours"):
        read_cpd_hours({"cpd_hours": value}, "module.toml")


def test_the_curriculum_reads_cpd_hours_when_given():
    assert read_cpd_hours({"cpd_hours": 1.5}, "module.toml") == Decimal("1.50")
    assert read_cpd_hours({"cpd_hours": 3}, "module.toml") == Decimal("3.00")
    assert read_cpd_hours({}, "module.toml") is None


# Earning hours ---------------------------------------------------------------------------------


def test_hours_default_to_the_lessons_minutes_once_every_step_is_done(trainee, tree, programme):
    course_services.complete_lesson(trainee, tree.lessons[0])
    assert cpd_records([trainee])[trainee.pk] == []  # the module is not complete yet
    finish_course(trainee, tree, programme)
    [entry] = cpd_records([trainee])[trainee.pk]
    # Three lessons of 5 minutes: a quarter hour; the quiz adds no minutes.
    assert (entry.module_title, entry.hours_label) == (tree.module.title, "0.25")
    completion = ModuleCompletion.objects.get(user=trainee, module=tree.module)
    assert entry.completed_at == completion.completed_at


def test_the_module_override_is_used(trainee, tree, programme):
    tree.module.cpd_hours = Decimal("2.5")
    tree.module.save()
    finish_course(trainee, tree, programme)
    [entry] = cpd_records([trainee])[trainee.pk]
    assert entry.hours == Decimal("2.50")


def test_a_year_filter_keeps_that_years_modules(trainee, tree, programme):
    finish_course(trainee, tree, programme)
    ModuleCompletion.objects.filter(user=trainee).update(
        completed_at=timezone.make_aware(datetime(2023, 6, 1, 12))
    )
    assert transcript(trainee, 2023).total == Decimal("0.25")
    assert transcript(trainee, 2024).entries == []
    assert 2023 in transcript(trainee).years


# The pages, per role ---------------------------------------------------------------------------


@pytest.fixture
def people(trainee, other_trainee, instructor, manager, other_manager, admin_user, staff):
    return {
        "trainee": trainee,
        "other trainee": other_trainee,
        "assessor": instructor,
        "manager": manager,
        "other manager": other_manager,
        "admin": admin_user,
    }


@pytest.mark.parametrize("url", URLS)
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("url", URLS)
def test_every_role_sees_only_their_own_transcript(client, people, tree, programme, url):
    tree.module.title = "Module of the holder"
    tree.module.save()
    finish_course(people["trainee"], tree, programme)
    for role, user in people.items():
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, role
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if url.endswith(".pdf"):
            assert body.startswith(b"%PDF"), role
        elif role == "trainee":
            assert b"Module of the holder" in body
        else:
            assert b"Module of the holder" not in body, role


def test_the_page_shows_hours_total_and_certificates(client, trainee, tree, programme):
    finish_course(trainee, tree, programme)
    client.force_login(trainee)
    page = client.get("/learn/transcript/").content.decode()
    assert tree.module.title in page and "0.25" in page
    assert "/learn/transcript.pdf" in page and "/learn/transcript.csv" in page
    assert client.get("/learn/transcript/?year=abcd").status_code == 200  # ignored: all years


def test_the_csv_is_safe_against_formulas(client, trainee, tree, programme):
    tree.module.title = '=HYPERLINK("http://evil")'
    tree.module.save()
    tree.course.title = "+cmd"
    tree.course.save()
    finish_course(trainee, tree, programme)
    client.force_login(trainee)
    response = client.get("/learn/transcript.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["kind", "title", "course", "hours"]
    module = next(r for r in rows if r[0] == "module")
    assert module[1].startswith("'=") and module[2] == "'+cmd" and module[3] == "0.25"
    assert rows[-1][0] == "total" and rows[-1][3] == "0.25"


def _course_with_modules(tree, title: str, modules: int, lessons: int = 2):
    course = CoursePageFactory(parent=tree.index, title=title)
    built = []
    for m in range(modules):
        module = ModulePageFactory(parent=course, title=f"{title} module {m}")
        built.append(
            [LessonPageFactory(parent=module, title=f"{title} {m}-{n}") for n in range(lessons)]
        )
    return course, built


def _complete(user, course, built) -> None:
    course_services.enrol(user, course)
    for lessons in built:
        for lesson in lessons:
            course_services.complete_lesson(user, lesson)


def test_transcript_queries_do_not_grow_with_modules_or_courses(
    client, trainee, tree, django_assert_max_num_queries
):
    _complete(trainee, *_course_with_modules(tree, "First", 1))
    client.force_login(trainee)
    client.get("/learn/transcript/")
    with django_assert_max_num_queries(20) as small:
        assert client.get("/learn/transcript/").status_code == 200
    _complete(trainee, *_course_with_modules(tree, "Second", 3))
    _complete(trainee, *_course_with_modules(tree, "Third", 2, lessons=4))
    client.get("/learn/transcript/")  # the course structure is cached, as above
    with django_assert_max_num_queries(20) as large:
        page = client.get("/learn/transcript/").content.decode()
    assert "Third module 1" in page
    assert len(large.captured_queries) == len(small.captured_queries)


# The clinic dashboard --------------------------------------------------------------------------


def test_the_dashboard_shows_each_staff_members_hours_and_the_clinic_total(
    client, manager, clinic, staff, other_trainee, tree, programme
):
    ClinicMembership.objects.create(clinic=clinic, user=other_trainee, role=ClinicRole.STAFF)
    tree.module.cpd_hours = Decimal("1.5")
    tree.module.save()
    finish_course(staff, tree, programme)
    finish_course(other_trainee, tree, programme)
    users = [staff, other_trainee]
    totals = clinic_cpd(users)
    assert totals.of(staff.pk) == "1.5" and totals.total_label == "3"
    client.force_login(manager)
    page = client.get("/clinics/riverside/").content.decode()
    assert f"CPD hours {totals.year}" in page
    assert "<strong>3 hours</strong>" in page


def test_clinic_totals_count_only_the_year_asked_for(staff, tree, programme):
    finish_course(staff, tree, programme)
    ModuleCompletion.objects.filter(user=staff).update(
        completed_at=timezone.make_aware(datetime(2022, 3, 1, 9))
    )
    assert clinic_cpd([staff], year=2022).total == Decimal("0.25")
    assert clinic_cpd([staff], year=2023).total == Decimal(0)


def test_clinic_totals_are_read_in_a_constant_number_of_queries(
    tree, programme, django_assert_max_num_queries
):
    def batch(start: int, count: int) -> list:
        people = [UserFactory(username=f"cpd{n}") for n in range(start, start + count)]
        for person in people:
            finish_course(person, tree, programme)
        return people

    few = batch(0, 2)
    clinic_cpd(few)
    with django_assert_max_num_queries(12) as small:
        clinic_cpd(few)
    many = few + batch(2, 8)
    with django_assert_max_num_queries(12) as large:
        totals = clinic_cpd(many)
    assert totals.total == Decimal("0.25") * 10
    assert len(large.captured_queries) == len(small.captured_queries)
