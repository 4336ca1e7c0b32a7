"""Shared fixtures: users per role, a small course tree, the real curriculum, corpora paths."""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from core.indexing import unindexed
from core.roles import INSTRUCTORS, REVIEWERS, ensure_roles
from tests import db_template, world_snapshots
from tests.db_template import Template
from tests.e2e.browser import SHARED as SHARED_BROWSER
from tests.factories import Tree, UserFactory, build_tree

CORPORA = Path(
    os.environ.get("HFS_CORPORA", Path(__file__).resolve().parents[2] / "shared" / "corpora")
)
CURRICULUM = Path(__file__).resolve().parents[1] / "curriculum"


@pytest.fixture(scope="session")
def _db_template(request, django_db_modify_db_settings) -> Template | None:
    """The migrated-database template (tests/db_template.py), unless `--reuse-db` or turned off."""
    if request.config.getvalue("reuse_db") or not db_template.enabled():
        return None
    return Template()


@pytest.fixture(scope="session")
def django_db_keepdb(request, _db_template: Template | None, django_db_blocker) -> bool:
    """pytest-django's, and also True when this process's database was cloned from the
    template: Django then keeps it, migrating nothing, and `django_db_setup` drops it."""
    if _db_template is None:
        return bool(request.config.getvalue("reuse_db"))
    with django_db_blocker.unblock():
        return _db_template.clone_or_hold()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, _db_template: Template | None, django_db_blocker):
    """pytest-django's, then keep the migrated database as the template if this process made it."""
    if _db_template is not None:
        with django_db_blocker.unblock():
            _db_template.save()
    yield
    if _db_template is not None:
        with django_db_blocker.unblock():
            _db_template.destroy_clone()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def corpora() -> Path:
    if not CORPORA.is_dir():
        pytest.skip(f"external test corpora not found at {CORPORA} (set HFS_CORPORA)")
    return CORPORA


@pytest.fixture
def tree(request, db) -> Tree:
    """A small course tree (`build_tree()`): shared by consecutive tests that use it and no
    other world, each getting fresh objects read from the database."""
    if _uses_shared_tree(request.node):
        return _read_tree(request.getfixturevalue("_shared_worlds")[TREE].built)
    return build_tree()


def _build_tree_ids() -> tuple[int, int, int, list[int]]:
    """The shared tree, built, as the ids of its pages."""
    built = build_tree()
    return built.index.pk, built.course.pk, built.module.pk, [p.pk for p in built.lessons]


def _read_tree(ids: tuple[int, int, int, list[int]]) -> Tree:
    """The shared tree's pages, read afresh so no test sees another's in-memory changes."""
    from courses.models import CourseIndexPage, CoursePage, LessonPage, ModulePage

    index, course, module, lessons = ids
    by_pk = LessonPage.objects.in_bulk(lessons)
    return Tree(
        CourseIndexPage.objects.get(pk=index),
        CoursePage.objects.get(pk=course),
        ModulePage.objects.get(pk=module),
        [by_pk[pk] for pk in lessons],
    )


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


@pytest.fixture(autouse=True)
def _unindexed(request):
    """What a test saves updates neither Wagtail's search nor its reference index, unless the
    test is marked `indexed` or drives a browser. A shared world the test runs in is built
    first, and indexed (`load_curriculum` and `load_demo` index what they save, as in use).

    Keeping both indexes costs a fifth of the time of a test that builds pages and questions,
    and only tests that search, list usage or check references read them.
    """
    item = request.node
    if item.get_closest_marker("indexed") or item.get_closest_marker("e2e"):
        yield
        return
    if "_django_db_helper" in request.fixturenames:
        request.getfixturevalue("_django_db_helper")
    with unindexed():
        yield


class SharedWorld:
    """A database built once (the curriculum, the demo, the small tree) and kept in an outer transaction
    shared by consecutive tests.

    The tests that use one world are collected next to each other (see
    `pytest_collection_modifyitems`). The first of them opens a transaction and builds it; the
    first test after them that does not use it (or that is transactional) rolls it back first,
    so it starts on the empty database it expects. Each test inside still runs in its own
    savepoint: what one test writes is undone before the next.

    On SQLite the curriculum and the demo are not built in the transaction: the run's copy of
    the world is written over the database (tests/world_snapshots.py; the first process to need
    it builds it, committed, and keeps that copy), and when the world closes, a copy of the
    database as it was before is written back.
    """

    def __init__(self, django_db_blocker, name: str, build: Callable[[], Any]) -> None:
        self._blocker = django_db_blocker
        self._name = name
        self._build = build
        self._outer = None
        self._before: sqlite3.Connection | None = None  # the database before a copied world
        self.built: Any = None  # what `build` returned, while the world is open
        self.loads = 0

    def open(self) -> None:
        """Open the outer transaction and build the world, unless that is already done."""
        if self._outer is not None:
            return
        from django.db import transaction

        copied = self._name in WORLDS and world_snapshots.available()
        with self._blocker.unblock():
            if copied:
                # Built committed, or written back from the run's copy of it; the database as
                # it was is written back over it when the world closes.
                self._before = world_snapshots.copy_of_database()
                world_snapshots.load(self._name)
            self._outer = transaction.atomic()
            self._outer.__enter__()
            if not copied:
                self.built = self._build()
        self.loads += 1

    def close(self) -> None:
        """Roll the world back, leaving the database as empty as it was before."""
        if self._outer is None:
            return
        from django.db import connection, transaction

        outer, self._outer, self.built = self._outer, None, None
        if len(connection.atomic_blocks) != 1:
            raise RuntimeError(
                f"the shared {self._name} transaction is not the only open one: a module- or "
                "session-scoped fixture opened another inside it"
            )
        with self._blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            if self._before is not None:
                before, self._before = self._before, None
                world_snapshots.write_back(before)
                before.close()


# The worlds tests share, by the fixture that asks for one, and the command that builds it
# (tests/world_snapshots.py). The demo holds the curriculum too: a test asking for both gets
# the demo.
WORLDS = world_snapshots.WORLDS
# The small course tree is shared the same way, but only by tests that happen to follow each
# other (mostly those of one file): it is cheap enough to build once per run of them, so its
# tests are neither regrouped nor sent to one worker.
TREE = "tree"
_SHARED: dict[str, SharedWorld] = {}


@pytest.fixture(scope="session")
def _shared_worlds(django_db_setup, django_db_blocker):
    """The session's SharedWorlds, rolled back before the test database is destroyed."""
    for name, command in WORLDS.items():
        build = functools.partial(call_command, command, verbosity=0)
        _SHARED[name] = SharedWorld(django_db_blocker, name, build)
    _SHARED[TREE] = SharedWorld(django_db_blocker, TREE, _build_tree_ids)
    yield _SHARED
    for world in _SHARED.values():
        world.close()
    _SHARED.clear()


def _is_transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    marked = bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
    return marked or bool({"transactional_db", "live_server"} & set(item.fixturenames))


def _world_of(item: pytest.Item) -> str | None:
    """The shared world a test runs in, if any (a transactional test builds its own)."""
    names = set(getattr(item, "fixturenames", ()))
    if _is_transactional(item):
        return None
    return next((world for world in WORLDS if world in names), None)


def _uses_shared_tree(item: pytest.Item) -> bool:
    """Whether a test takes the shared small tree: it asks for `tree`, is not transactional,
    and runs in no other shared world."""
    names = set(getattr(item, "fixturenames", ()))
    return "tree" in names and not _is_transactional(item) and _world_of(item) is None


def _shared_world_of(item: pytest.Item) -> str | None:
    return _world_of(item) or (TREE if _uses_shared_tree(item) else None)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the tests of each shared world one after another, where the first of them was."""
    for world in WORLDS:
        shared = [item for item in items if _world_of(item) == world]
        if shared:
            first = items.index(shared[0])
            rest = [item for item in items if _world_of(item) != world]
            items[:] = rest[:first] + shared + rest[first:]


_USES_WORLD = {
    world: re.compile(rf"def \w+\([^)]*\b{world}\b[^)]*\)|usefixtures\([^)]*[\"']{world}[\"']")
    for world in WORLDS
}


_E2E_WORLD = re.compile(r"^\s+load_(demo|curriculum)\(\)", re.MULTILINE)


@functools.cache
def _world_of_file(path: str) -> str | None:
    """The shared world a test file asks for (a scheduling hint only).

    Browser tests are transactional: each gets its own world, committed (tests/e2e/worlds.py),
    and the files loading the same world share a worker too.
    """
    file = Path(__file__).resolve().parents[1] / path
    if not file.is_file():
        return None
    text = file.read_text(encoding="utf-8")
    if path.startswith("tests/e2e/"):
        loaded = _E2E_WORLD.search(text)
        return f"e2e-{loaded.group(1)}" if loaded else None
    return next((world for world, pattern in _USES_WORLD.items() if pattern.search(text)), None)


def _scope(nodeid: str) -> str:
    """The unit of work a test belongs to under `--dist loadfile`: its file, or the shared
    world its file uses."""
    path = nodeid.split("::", 1)[0]
    return _world_of_file(path) or path


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """Under `--dist loadfile`, one worker takes every file that uses a shared world.

    Each other file stays one unit of work, so its module fixtures are built once; the files
    using each world form one more, so each world is opened once per run. The units are handed
    out in the order the workers collected them (`LongestWorkFirst`), not by test count.
    """
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    config.option.loadscopereorder = False

    class WorldOnOneWorker(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _scope(nodeid)

    return WorldOnOneWorker(config, log)


# A unit of work's rough cost, in ordinary tests (a third of a second), for handing out the
# longest units first: a browser test loads several pages in Chromium (10 to 30 times an
# ordinary test, some far more), and building a shared world takes 10 to 20 seconds.
BROWSER_TEST_COST = 30
WORLD_BUILD_COST = 50


class LongestWorkFirst:
    """In an xdist worker, orders the units of work longest first, the browser tests' before
    all others, each unit's tests kept in their order (after every other plugin has ordered
    them: pytest-django puts transactional tests last).

    xdist hands units out in this order as workers free up. Ordered by test count (its
    default), the browser-test files, few tests each but the longest, came last, and one
    worker ran them alone while the other stood idle.
    """

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        if hasattr(config, "workerinput"):  # an xdist worker (its own `dist` reads "no")
            _longest_work_first(items)


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(LongestWorkFirst(), "hfs-longest-work-first")


def _longest_work_first(items: list[pytest.Item]) -> None:
    scopes = {id(item): _scope(item.nodeid) for item in items}
    cost: dict[str, int] = {}
    first: dict[str, int] = {}
    browser: set[str] = set()  # units of browser tests (marked e2e by tests/e2e/conftest.py)
    for index, item in enumerate(items):
        scope = scopes[id(item)]
        first.setdefault(scope, index)
        if item.get_closest_marker("e2e"):
            browser.add(scope)
        cost[scope] = cost.get(scope, 0) + (BROWSER_TEST_COST if scope in browser else 1)
    for scope in cost:
        if scope in WORLDS or scope.startswith("e2e-"):
            cost[scope] += WORLD_BUILD_COST
    position = {id(item): index for index, item in enumerate(items)}
    # The browser tests' units first, so each worker starts Chromium once (tests/e2e/conftest.py).
    items.sort(
        key=lambda item: (
            scopes[id(item)] not in browser,
            -cost[scopes[id(item)]],
            first[scopes[id(item)]],
            position[id(item)],
        )
    )


@contextlib.contextmanager
def rolled_back_at_end(django_db_blocker) -> Iterator[None]:
    """An outer transaction for what a module-scoped fixture builds once for the module's
    tests: each test runs in a savepoint inside it, and it is rolled back when the block ends,
    leaving the database as empty as before. Build inside `django_db_blocker.unblock()`."""
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


_FLUSHED: list[bool] = [False]


def _restore_after_flush(config: pytest.Config) -> None:
    """Put back what the migrations wrote (Wagtail's root page, content types, groups...).

    A transactional test ends by emptying every table. Run alone, pytest-django runs those
    tests after all others; under xdist a worker takes a whole file, so the next file's tests
    can follow one. They get the database as serialized after migrating, as a test marked
    `serialized_rollback` does.
    """
    from django.db import connections
    from pytest_django.plugin import blocking_manager_key

    with config.stash[blocking_manager_key].unblock():
        for connection in connections.all(initialized_only=True):
            contents = getattr(connection, "_test_serialized_contents", None)
            if contents:
                connection.creation.deserialize_db_from_string(contents)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before any fixture of a test, roll back every shared world it does not use; before the
    first test that is not transactional after one that is, restore the database; before any
    test that is not a browser test, stop the browser the browser tests share."""
    if item.get_closest_marker("e2e"):
        SHARED_BROWSER.adopt()
    else:
        SHARED_BROWSER.stop()
    world = _shared_world_of(item)
    for name, shared in _SHARED.items():
        if name != world:
            shared.close()
    if _is_transactional(item):
        _FLUSHED[0] = True
    elif _FLUSHED[0]:
        _restore_after_flush(item.config)
        _FLUSHED[0] = False


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef, request):
    """Build the test's shared world just before pytest-django opens the test's own transaction."""
    if fixturedef.argname == "_django_db_helper":
        world = _shared_world_of(request.node)
        if world:
            request.getfixturevalue("_shared_worlds")[world].open()
    return (yield)


def _own_world(request, world: str) -> None:
    """A transactional test builds its own world, committed and flushed away when it ends;
    any other test is already inside the shared one (`pytest_fixture_setup`)."""
    if _is_transactional(request.node):
        world_snapshots.load(world)


@pytest.fixture
def curriculum(request, db) -> None:
    """The real HFS curriculum, as `load_curriculum` builds it (loaded once per test session)."""
    _own_world(request, "curriculum")


@pytest.fixture
def demo(request, db) -> None:
    """The demo, as `load_demo` builds it with the default password (loaded once per session)."""
    _own_world(request, "demo")


@pytest.fixture
def curriculum_copy(tmp_path) -> Path:
    """A writable copy of curriculum/ for tests that break or change files."""
    target = tmp_path / "curriculum"
    shutil.copytree(CURRICULUM, target)
    return target
