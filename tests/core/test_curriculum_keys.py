"""The loader knows courses, modules and lessons by the `key` in their files, not by file names.

Renaming or moving a file updates its page in place; a file that goes away unpublishes its page
and never deletes it; learners' records (completions, attempts, course completion) stay put.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from core.indexing import unindexed
from courses.models import (
    CoursePage,
    Enrollment,
    LessonCompletion,
    LessonPage,
    ModuleCompletion,
    ModulePage,
)
from courses.progress import course_progress
from courses.services import enrol, record_progress
from quizzes.models import Attempt, AttemptState, QuizPage
from tests.conftest import CURRICULUM, rolled_back_at_end
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

COURSE = "hemifacial-spasm"
MODULE_DIR = "01-clinical-picture"
LESSON_FILE = "01-what-hfs-is.md"
LESSON_KEY = "what-hfs-is"


def load(root: Path) -> None:
    call_command("load_curriculum", root=root, verbosity=0)


def course_page() -> CoursePage:
    return CoursePage.objects.get(key=COURSE)


def lesson(key: str = LESSON_KEY) -> LessonPage:
    return LessonPage.objects.get(key=key)


def pass_quiz(user, quiz: QuizPage) -> None:
    now = timezone.now()
    Attempt.objects.create(
        user=user,
        quiz=quiz,
        number=1,
        state=AttemptState.GRADED,
        pass_mark=70,
        review_policy="answers",
        score=1,
        max_score=1,
        percent=100,
        passed=True,
        submitted_at=now,
        graded_at=now,
    )


def finish_course(username: str, *, skip: set[str] = frozenset()) -> object:
    """An enrolled learner who completed every live lesson (but those keyed in `skip`) and
    passed every quiz; progress recorded as the site records it."""
    user = UserFactory(username=username)
    course = course_page()
    enrol(user, course)
    for page in LessonPage.objects.live().descendant_of(course).exclude(key__in=skip):
        LessonCompletion.objects.create(user=user, lesson=page)
    for quiz in QuizPage.objects.live().descendant_of(course):
        pass_quiz(user, quiz)
    record_progress(user, course)
    return user


def assert_still_finished(user, completed_at) -> None:
    progress = course_progress(user, course_page())
    assert progress.percent == 100
    assert progress.complete
    assert not any(module.locked for module in progress.modules)
    assert Enrollment.objects.get(user=user).completed_at == completed_at


def first_two_modules(root: Path) -> Path:
    """`root`, a copy of the curriculum, cut to its first two modules (the rest only makes each
    load slower)."""
    for module_dir in (root / COURSE).iterdir():
        if module_dir.is_dir() and module_dir.name[:2] not in ("01", "02"):
            shutil.rmtree(module_dir)
    (root / COURSE / "02-tcm-patterns" / "quiz.toml").unlink()
    return root


@pytest.fixture(scope="module")
def _loaded_once(django_db_setup, django_db_blocker, tmp_path_factory):
    """The first two modules, loaded once for the module in a transaction rolled back at its
    end; each test runs in a savepoint inside it, so it starts from that load, as if it had
    loaded them itself (the database holds nothing of the folder's own path)."""
    root = tmp_path_factory.mktemp("loaded") / "curriculum"
    shutil.copytree(CURRICULUM, root)
    with rolled_back_at_end(django_db_blocker):
        with django_db_blocker.unblock(), unindexed():
            load(first_two_modules(root))
        yield


@pytest.fixture
def loaded(_loaded_once, curriculum_copy: Path) -> Path:
    """The first two modules, loaded; the test's own copy of their files to change."""
    return first_two_modules(curriculum_copy)


def test_renamed_lesson_file_updates_the_same_page_and_keeps_finished_learners_finished(loaded):
    learner = finish_course("finished")
    completed_at = Enrollment.objects.get(user=learner).completed_at
    assert completed_at is not None
    before = lesson()
    modules_done = ModuleCompletion.objects.filter(user=learner).count()
    module_dir = loaded / COURSE / MODULE_DIR
    (module_dir / LESSON_FILE).rename(module_dir / "01-hemifacial-spasm-defined.md")

    load(loaded)

    after = lesson()
    assert after.pk == before.pk
    assert after.slug == "hemifacial-spasm-defined"
    assert after.live
    assert after.url_path.endswith("/clinical-picture/hemifacial-spasm-defined/")
    assert LessonPage.objects.filter(title=before.title).count() == 1
    assert LessonCompletion.objects.filter(user=learner, lesson=after).exists()
    assert ModuleCompletion.objects.filter(user=learner).count() == modules_done
    assert_still_finished(learner, completed_at)


def test_running_again_after_a_rename_changes_nothing(loaded):
    module_dir = loaded / COURSE / MODULE_DIR
    (module_dir / LESSON_FILE).rename(module_dir / "01-hemifacial-spasm-defined.md")
    load(loaded)
    latest = {p.pk: p.latest_revision_id for p in LessonPage.objects.all()}
    load(loaded)
    assert {p.pk: p.latest_revision_id for p in LessonPage.objects.all()} == latest


def test_reordering_lesson_files_makes_no_new_revision(loaded):
    module_dir = loaded / COURSE / MODULE_DIR
    revision = lesson().latest_revision_id
    (module_dir / LESSON_FILE).rename(module_dir / "09-what-hfs-is.md")
    load(loaded)
    page = lesson()
    assert page.latest_revision_id == revision
    module = page.get_parent()
    assert module.get_children().live().type(LessonPage).order_by("path").last().pk == page.pk


def test_lesson_moved_to_another_module_moves_its_page(loaded):
    learner = finish_course("finished")
    completed_at = Enrollment.objects.get(user=learner).completed_at
    before = lesson()
    course = loaded / COURSE
    (course / MODULE_DIR / LESSON_FILE).rename(course / "02-tcm-patterns" / "05-what-hfs-is.md")

    load(loaded)

    after = lesson()
    assert after.pk == before.pk
    assert after.get_parent().specific.key == "tcm-patterns"
    assert LessonPage.objects.filter(key=LESSON_KEY).count() == 1
    assert_still_finished(learner, completed_at)


def test_renamed_module_folder_keeps_the_module_and_its_quiz(loaded):
    module = ModulePage.objects.get(key="clinical-picture")
    quiz = QuizPage.objects.child_of(module).get()
    modules = ModulePage.objects.count()
    course = loaded / COURSE
    (course / MODULE_DIR).rename(course / "01-clinical-signs")

    load(loaded)

    renamed = ModulePage.objects.get(key="clinical-picture")
    assert renamed.pk == module.pk
    assert renamed.slug == "clinical-signs"
    assert QuizPage.objects.child_of(renamed).get().pk == quiz.pk
    assert ModulePage.objects.count() == modules
    assert lesson().get_parent().pk == module.pk


def test_removed_lesson_file_unpublishes_the_page_and_keeps_its_completions(loaded):
    learner = finish_course("finished")
    completed_at = Enrollment.objects.get(user=learner).completed_at
    page = lesson()
    (loaded / COURSE / MODULE_DIR / LESSON_FILE).unlink()

    load(loaded)

    page.refresh_from_db()
    assert not page.live
    assert LessonCompletion.objects.filter(user=learner, lesson=page).exists()
    assert_still_finished(learner, completed_at)
    step_ids = [s.page_id for m in course_progress(learner, course_page()).modules for s in m.steps]
    assert page.pk not in step_ids


def test_removing_the_last_step_a_learner_lacked_completes_their_course(
    loaded, django_capture_on_commit_callbacks
):
    learner = finish_course("nearly", skip={LESSON_KEY})
    assert Enrollment.objects.get(user=learner).completed_at is None
    (loaded / COURSE / MODULE_DIR / LESSON_FILE).unlink()

    with django_capture_on_commit_callbacks(execute=True):
        load(loaded)

    assert Enrollment.objects.get(user=learner).completed_at is not None
    module = ModulePage.objects.get(key="clinical-picture")
    assert ModuleCompletion.objects.filter(user=learner, module=module).exists()


def test_restored_lesson_file_republishes_the_same_page(loaded):
    path = loaded / COURSE / MODULE_DIR / LESSON_FILE
    text = path.read_text()
    page = lesson()
    path.unlink()
    load(loaded)
    path.write_text(text)

    load(loaded)

    restored = lesson()
    assert restored.pk == page.pk
    assert restored.live
    assert restored.slug == page.slug


def test_new_file_taking_a_removed_lessons_name_is_a_new_page(loaded):
    path = loaded / COURSE / MODULE_DIR / LESSON_FILE
    old = lesson()
    path.write_text(path.read_text().replace(f'key = "{LESSON_KEY}"', 'key = "hfs-defined"', 1))

    load(loaded)

    old.refresh_from_db()
    new = lesson("hfs-defined")
    assert new.pk != old.pk
    assert new.live
    assert new.slug == "what-hfs-is"
    assert not old.live
    assert old.slug == f"what-hfs-is-{old.pk}"


def test_removed_module_folder_unpublishes_the_module_and_its_quiz(loaded):
    module = ModulePage.objects.get(key="clinical-picture")
    quiz = QuizPage.objects.child_of(module).get()
    learner = UserFactory(username="quiz-taker")
    pass_quiz(learner, quiz)
    shutil.rmtree(loaded / COURSE / MODULE_DIR)

    load(loaded)

    module.refresh_from_db()
    quiz.refresh_from_db()
    assert not module.live and not quiz.live
    assert not LessonPage.objects.child_of(module).live().exists()
    assert Attempt.objects.filter(user=learner, quiz=quiz).exists()


def test_pages_loaded_before_keys_existed_are_adopted_in_place(loaded):
    ids = set(LessonPage.objects.values_list("pk", flat=True))
    first_revision = lesson().revisions.order_by("created_at", "pk").first()
    for model in (CoursePage, ModulePage, LessonPage):
        model.objects.update(key="")

    load(loaded)

    assert set(LessonPage.objects.values_list("pk", flat=True)) == ids
    assert not LessonPage.objects.filter(key="").exists()
    assert not ModulePage.objects.filter(key="").exists()
    assert course_page().live
    # An old revision restored later keeps the page's identity.
    assert first_revision.as_object().key == LESSON_KEY


def test_a_copied_lesson_does_not_share_its_key(loaded):
    page = lesson()
    copy = page.copy(update_attrs={"slug": "what-hfs-is-copy", "title": "Copy"})
    assert copy.key == ""
    load(loaded)
    assert LessonPage.objects.filter(key=LESSON_KEY).get().pk == page.pk


def test_lesson_key_used_twice_in_a_course_is_refused(loaded):
    module_dir = loaded / COURSE / MODULE_DIR
    second = next(module_dir.glob("02-*.md"))
    key_line = next(line for line in second.read_text().splitlines() if line.startswith("key ="))
    second.write_text(second.read_text().replace(key_line, f'key = "{LESSON_KEY}"', 1))
    with pytest.raises(CommandError) as excinfo:
        load(loaded)
    assert f"lesson key '{LESSON_KEY}' is already used by" in str(excinfo.value)
    assert second.name in str(excinfo.value)


def test_two_lesson_files_swapping_names_swap_their_pages_slugs(loaded):
    module_dir = loaded / COURSE / MODULE_DIR
    first, second = lesson(), lesson("how-it-starts-and-spreads")
    (module_dir / LESSON_FILE).rename(module_dir / "01-swap.md")
    (module_dir / "02-how-it-starts-and-spreads.md").rename(module_dir / "02-what-hfs-is.md")
    (module_dir / "01-swap.md").rename(module_dir / "01-how-it-starts-and-spreads.md")

    load(loaded)

    assert lesson().pk == first.pk and lesson().slug == "how-it-starts-and-spreads"
    moved = lesson("how-it-starts-and-spreads")
    assert moved.pk == second.pk and moved.slug == "what-hfs-is"
    assert lesson().live and moved.live
    revisions = {p.pk: p.latest_revision_id for p in LessonPage.objects.all()}
    load(loaded)
    assert {p.pk: p.latest_revision_id for p in LessonPage.objects.all()} == revisions


def test_two_lesson_files_with_one_slug_in_a_module_are_refused(loaded):
    module_dir = loaded / COURSE / MODULE_DIR
    text = (module_dir / LESSON_FILE).read_text()
    twin = module_dir / "09-what-hfs-is.md"
    twin.write_text(text.replace(f'key = "{LESSON_KEY}"', 'key = "another-lesson"', 1))
    with pytest.raises(CommandError) as excinfo:
        load(loaded)
    assert "lesson slug 'what-hfs-is' is already used by" in str(excinfo.value)
    assert twin.name in str(excinfo.value)
