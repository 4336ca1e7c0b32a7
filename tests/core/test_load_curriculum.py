"""`load_curriculum` builds the HFS course from text files, idempotently, or writes nothing."""

import re

import pytest
from django.core.management import CommandError, call_command
from wagtail.models import Page, Revision

from core.models import Source
from courses.models import Competency, CoursePage, LessonPage, ModulePage

pytestmark = pytest.mark.django_db

MODULE_SLUGS = ["clinical-picture", "tcm-patterns", "palpation", "needle-safety"]


def counts() -> tuple[int, int, int, int]:
    return (
        Page.objects.count(),
        Revision.objects.count(),
        Source.objects.count(),
        Competency.objects.count(),
    )


def body_text(lesson: LessonPage) -> str:
    return str(lesson.body.raw_data)


def test_running_twice_changes_nothing(curriculum):
    first = counts()
    latest = {p.pk: p.latest_revision_id for p in Page.objects.all()}
    call_command("load_curriculum", verbosity=0)
    assert counts() == first
    assert {p.pk: p.latest_revision_id for p in Page.objects.all()} == latest


def test_every_lesson_cites_a_source_and_lists_competencies(curriculum):
    lessons = LessonPage.objects.all()
    assert lessons.count() >= 12
    for lesson in lessons:
        assert lesson.citations.exists(), lesson.title
        assert lesson.competencies.exists(), lesson.title
        assert all(c.passage.strip() for c in lesson.citations.all())


def test_the_course_has_the_four_modules_with_three_lessons_or_more(curriculum):
    course = CoursePage.objects.get(slug="hemifacial-spasm")
    modules = list(ModulePage.objects.child_of(course).order_by("path"))
    assert [m.slug for m in modules[:4]] == MODULE_SLUGS
    for module in modules[:4]:
        assert LessonPage.objects.child_of(module).count() >= 3, module.title
    assert not modules[0].requires_previous
    assert all(m.requires_previous for m in modules[1:4])


def test_safety_callouts_where_depth_vessels_nerves_or_referral_come_up(curriculum):
    pattern = re.compile(r"10 ?mm|vessels? and nerves?|refer", re.IGNORECASE)
    for lesson in LessonPage.objects.all():
        blocks = list(lesson.body.raw_data)
        if any(pattern.search(str(b["value"])) for b in blocks if b["type"] == "text"):
            styles = [b["value"]["style"] for b in blocks if b["type"] == "callout"]
            assert "safety" in styles, (
                f"{lesson.title} discusses depth/vessels/referral without a safety callout"
            )


def test_needle_safety_module_teaches_the_depth_limit(curriculum):
    module = ModulePage.objects.get(slug="needle-safety")
    text = " ".join(body_text(lesson) for lesson in LessonPage.objects.child_of(module))
    assert "10 mm" in text
    assert "0.35 mm" in text and "25 mm" in text
    assert "parallel" in text


def test_no_promotion_from_the_sources(curriculum):
    for lesson in LessonPage.objects.all():
        text = body_text(lesson).lower()
        assert "cliniko" not in text
        assert "book an appointment" not in text
        assert "rhomboid" not in text


def test_a_changed_file_updates_only_that_lesson(curriculum_copy):
    call_command("load_curriculum", root=curriculum_copy, verbosity=0)
    lesson_file = next(
        (curriculum_copy / "hemifacial-spasm" / "01-clinical-picture").glob("01-*.md")
    )
    lesson_file.write_text(lesson_file.read_text().replace("minutes = ", "minutes = 1", 1))
    before = Revision.objects.count()
    call_command("load_curriculum", root=curriculum_copy, verbosity=0)
    assert Revision.objects.count() == before + 1


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda text: text.replace("citations = [", "citations_missing = [", 1), "citations"),
        (
            lambda text: text.replace('source = "article"', 'source = "nowhere"', 1),
            "unknown source 'nowhere'",
        ),
        (lambda text: text + "\n::: callout style=safety title=Open\nnever closed\n", "not closed"),
        (lambda text: text + "\n::: sidebar\nx\n:::\n", "unknown directive 'sidebar'"),
        (lambda text: text.replace("+++", "", 1), "front matter"),
        (lambda text: text.replace('key = "', 'kee = "', 1), "missing field 'key'"),
        (lambda text: text.replace('key = "', 'key = "Not A Key ', 1), "'key' must be lowercase"),
    ],
)
def test_a_bad_file_names_the_problem_and_loads_nothing(curriculum_copy, edit, message):
    lesson_file = next(
        (curriculum_copy / "hemifacial-spasm" / "01-clinical-picture").glob("01-*.md")
    )
    text = lesson_file.read_text()
    if 'source = "article"' not in text:
        text = text.replace('source = "case-report"', 'source = "article"')
    lesson_file.write_text(edit(text))
    before = counts()
    with pytest.raises(CommandError) as excinfo:
        call_command("load_curriculum", root=curriculum_copy, verbosity=0)
    assert message in str(excinfo.value)
    assert lesson_file.name in str(excinfo.value) or "front matter" in str(excinfo.value)
    assert counts() == before


def test_loader_makes_the_catalogue_the_site_home(curriculum, client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Hemifacial spasm" in response.content
    assert client.get("/courses/hemifacial-spasm/").status_code == 200


def test_the_staff_roles_come_from_setup_roles_not_from_the_curriculum(curriculum):
    from django.contrib.auth.models import Group
    from wagtail.models import GroupPagePermission

    from core.roles import INSTRUCTORS, REVIEWERS, clinical_review_workflow
    from courses.models import CourseIndexPage

    assert not Group.objects.filter(name__in=[INSTRUCTORS, REVIEWERS]).exists()
    assert clinical_review_workflow() is None

    call_command("setup_roles", verbosity=0)
    call_command("setup_roles", verbosity=0)

    catalogue = CourseIndexPage.objects.get()
    workflow = clinical_review_workflow()
    assert workflow is not None and catalogue.get_workflow() == workflow
    instructors = Group.objects.get(name=INSTRUCTORS)
    assert instructors.permissions.filter(codename="grade_response").exists()
    assert GroupPagePermission.objects.filter(group=instructors, page=catalogue).count() == 4
    assert Group.objects.filter(name__in=[INSTRUCTORS, REVIEWERS]).count() == 2
