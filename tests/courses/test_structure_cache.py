"""The course structure is read from the cache until a page or site changes, in any way."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.progress import course_progress, load_structure
from courses.structure_cache import GENERATION_KEY
from tests.factories import LessonPageFactory, ModulePageFactory, UserFactory

pytestmark = pytest.mark.django_db


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def _titles(tree) -> list[str]:
    structure = load_structure([tree.course])
    return [s.title for steps in structure.steps_by_parent.values() for s in steps]


def test_a_second_read_costs_no_query(tree):
    assert _queries(lambda: load_structure([tree.course])) > 0
    assert _queries(lambda: load_structure([tree.course])) == 0


def test_each_learner_still_gets_their_own_state(tree):
    from courses.services import complete_lesson, enrol

    first, second = UserFactory(username="first"), UserFactory(username="second")
    for user in (first, second):
        enrol(user, tree.course)
    complete_lesson(first, tree.lessons[0])
    assert course_progress(first, tree.course).done == 1
    assert course_progress(second, tree.course).done == 0


@pytest.mark.parametrize(
    "change",
    [
        "publish_new_lesson",
        "unpublish",
        "rename_and_publish",
        "move",
        "delete",
        "save_without_publishing",
        "site_root_changes",
    ],
)
def test_every_kind_of_page_change_is_seen_at_once(tree, change):
    before = _titles(tree)
    lesson = tree.lessons[0]
    if change == "publish_new_lesson":
        LessonPageFactory(parent=tree.module, title="A new lesson")
        assert "A new lesson" in _titles(tree)
    elif change == "unpublish":
        lesson.unpublish()
        assert lesson.title not in _titles(tree)
    elif change == "rename_and_publish":
        lesson.title = "Renamed lesson"
        lesson.save_revision().publish()
        assert "Renamed lesson" in _titles(tree)
    elif change == "move":
        other = ModulePageFactory(parent=tree.course, title="Module 2")
        lesson.move(other, pos="last-child")
        structure = load_structure([tree.course])
        assert [s.title for s in structure.steps_by_parent[other.path]] == [lesson.title]
    elif change == "delete":
        lesson.delete()
        assert lesson.title not in _titles(tree)
    elif change == "save_without_publishing":
        lesson.live = False
        lesson.save()
        assert lesson.title not in _titles(tree)
    elif change == "site_root_changes":
        from wagtail.models import Site

        site = Site.objects.get(is_default_site=True)
        site.port = 8080
        site.save()
        structure = load_structure([tree.course])
        assert structure.steps_by_parent  # read again, under the new generation
    assert _titles(tree) != before or change in ("move", "site_root_changes")


def test_a_lost_generation_starts_a_new_one(tree):
    from django.core.cache import cache

    load_structure([tree.course])
    cache.delete(GENERATION_KEY)
    assert _queries(lambda: load_structure([tree.course])) > 0
    assert _queries(lambda: load_structure([tree.course])) == 0
