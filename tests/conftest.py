"""Shared fixtures: users per role, a small course tree, the real curriculum, corpora paths."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command

from core.roles import INSTRUCTORS, REVIEWERS, ensure_roles
from courses.models import CourseIndexPage, CoursePage, LessonPage, ModulePage
from tests.factories import (
    CourseIndexPageFactory,
    CoursePageFactory,
    LessonPageFactory,
    ModulePageFactory,
    UserFactory,
    make_home,
)

CORPORA = Path(
    os.environ.get("HFS_CORPORA", Path(__file__).resolve().parents[2] / "shared" / "corpora")
)
CURRICULUM = Path(__file__).resolve().parents[1] / "curriculum"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def corpora() -> Path:
    if not CORPORA.is_dir():
        pytest.skip(f"external test corpora not found at {CORPORA} (set HFS_CORPORA)")
    return CORPORA


@dataclass
class Tree:
    index: CourseIndexPage
    course: CoursePage
    module: ModulePage
    lessons: list[LessonPage]


def build_tree(lessons: int = 3, modules: int = 1) -> Tree:
    home = make_home()
    index = CourseIndexPage.objects.first() or CourseIndexPageFactory(parent=home)
    course = CoursePageFactory(parent=index, title="Test course")
    module_pages = [
        ModulePageFactory(parent=course, title=f"Module {m}") for m in range(1, modules + 1)
    ]
    lesson_pages = [
        LessonPageFactory(parent=module_pages[0], title=f"Lesson {n}")
        for n in range(1, lessons + 1)
    ]
    return Tree(index, course, module_pages[0], lesson_pages)


@pytest.fixture
def tree(db) -> Tree:
    return build_tree()


@pytest.fixture
def roles(db, tree):
    return ensure_roles(tree.index)


def _learner(request, username: str):
    """A trainee, enrolled in the test's course when the test has one (the `tree` fixture)."""
    from courses.services import enrol

    user = UserFactory(username=username, groups=["Trainees"])
    if "tree" in request.fixturenames:
        enrol(user, request.getfixturevalue("tree").course)
    return user


@pytest.fixture
def trainee(db, request):
    return _learner(request, "trainee-a")


@pytest.fixture
def other_trainee(db, request):
    return _learner(request, "trainee-b")


@pytest.fixture
def instructor(db, roles):
    return UserFactory(username="instructor-a", groups=[INSTRUCTORS])


@pytest.fixture
def reviewer(db, roles):
    return UserFactory(username="reviewer-a", groups=[REVIEWERS])


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin-a", is_superuser=True, is_staff=True)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (Wagtail caches site root paths there)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="module")
def _curriculum_once(django_db_setup, django_db_blocker):
    """The curriculum loaded once per test module, inside a transaction rolled back at its end.

    Each test still runs in its own savepoint, so what a test writes is undone after it.
    """
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        call_command("load_curriculum", verbosity=0)
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def curriculum(_curriculum_once, db):
    """The real HFS curriculum, as `load_curriculum` builds it (loaded once per module)."""


@pytest.fixture
def curriculum_copy(tmp_path) -> Path:
    """A writable copy of curriculum/ for tests that break or change files."""
    target = tmp_path / "curriculum"
    shutil.copytree(CURRICULUM, target)
    return target
