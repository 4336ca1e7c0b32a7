"""learn-dashboard and course-page: a learner's progress pages, for a small and a large course.

learn-dashboard GETs /learn/ ("My learning") by a signed-in trainee enrolled in one course, at
two sizes. "small": 2 modules of 5 lessons, 10 finished attempts. "200 lessons / 1000
attempts": 5 modules of 40 lessons, 1,000 finished attempts. Each module ends with a
one-question quiz allowing unlimited attempts, and modules 2+ require the previous one. The
trainee has read the first half of the lessons, and the attempts are spread evenly over the
quizzes, numbered 1..n per quiz and alternately failed and passed, so every quiz is passed; the
module completions this implies are recorded. The pages are made with the test factories;
completions and attempts with bulk_create (the pages only read them), so building takes about
ten seconds, once per run.

course-page GETs that course's page by the same two trainees: the overview with their
progress, every module and every step.

For both, every response is checked (untimed, warm-ups included) to answer 200 and to show the
trainee's progress ("105 of 205 steps done"); the table's n column names the size.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from benchmarks.harness import (
    PAGE_REPS,
    Bench,
    BenchmarkError,
    Row,
    Trial,
    expect_status,
    measure,
    scenario,
    warn_if_queries_differ,
)


@dataclass(frozen=True)
class CourseSize:
    """A course and one learner's history in it: half the lessons read, `attempts` finished."""

    label: str
    modules: int
    lessons_per_module: int
    attempts: int  # spread evenly over the modules' quizzes, numbered 1..n per quiz

    @property
    def lessons(self) -> int:
        return self.modules * self.lessons_per_module


PROGRESS_SIZES = (
    CourseSize("small", modules=2, lessons_per_module=5, attempts=10),
    CourseSize("200 lessons / 1000 attempts", modules=5, lessons_per_module=40, attempts=1000),
)


@dataclass(frozen=True)
class Learner:
    size: CourseSize
    user: Any
    course: Any
    summary: str  # what the progress bar must say, e.g. "105 of 205 steps done"


def build_learner(bench: Bench, size: CourseSize, key: str) -> Learner:
    """A course of `size` (each module ends with a quiz; modules 2+ require the previous one)
    and a trainee enrolled in it who has read the first half of its lessons and finished
    `size.attempts` attempts, alternately failed and passed (so every quiz has a pass)."""
    from datetime import timedelta

    from django.utils import timezone

    from courses.models import CourseIndexPage, CoursePage, LessonCompletion
    from courses.services import enrol, record_progress
    from quizzes.models import Attempt, AttemptState
    from tests.factories import (
        CompetencyFactory,
        CourseIndexPageFactory,
        CoursePageFactory,
        LessonPageFactory,
        ModulePageFactory,
        QuestionCategoryFactory,
        SourceFactory,
        make_home,
        make_question,
    )
    from tests.factories import make_quiz as make_module_quiz

    per_quiz, remainder = divmod(size.attempts, size.modules)
    if remainder or per_quiz < 2:
        raise BenchmarkError(f"{size.label}: give every quiz the same number (2+) of attempts")
    index = CourseIndexPage.objects.first() or CourseIndexPageFactory(parent=make_home())
    source, competency = SourceFactory(), CompetencyFactory()
    category = QuestionCategoryFactory(key=f"bench-{key}")
    # `create` (the factories' default strategy) is typed; calling a factory class is not.
    course: CoursePage = CoursePageFactory.create(
        parent=index, title=f"Benchmark course ({size.label})", slug=f"benchmark-course-{key}"
    )
    lessons, quizzes = [], []
    for m in range(1, size.modules + 1):
        module = ModulePageFactory(
            parent=course, title=f"Module {m}", slug=f"module-{m}", requires_previous=m > 1
        )
        for n in range(1, size.lessons_per_module + 1):
            lessons.append(
                LessonPageFactory.create(
                    parent=module,
                    title=f"Lesson {m}.{n}",
                    slug=f"lesson-{m}-{n}",
                    sources=[source],
                    competencies=[competency],
                )
            )
        question = make_question(
            key=f"bench-{key}-{m}", category=category, source=source, competency=competency
        )
        quizzes.append(
            make_module_quiz(
                module, [question], title=f"Module {m} quiz", slug="quiz", attempts_allowed=0
            )
        )

    user = bench.new_user("bench-learner")
    enrol(user, course)
    now = timezone.now()
    read = lessons[: size.lessons // 2]
    LessonCompletion.objects.bulk_create(
        LessonCompletion(user=user, lesson=lesson, completed_at=now - timedelta(days=30, hours=i))
        for i, lesson in enumerate(read)
    )
    # Created directly, not through take_quiz: the pages only read finished attempts.
    attempts = []
    for i in range(size.attempts):
        quiz, number = quizzes[i % len(quizzes)], i // len(quizzes) + 1
        passed = number % 2 == 0
        submitted = now - timedelta(days=20) + timedelta(minutes=10 * i)
        attempts.append(
            Attempt(
                user=user,
                quiz=quiz,
                number=number,
                state=AttemptState.GRADED,
                started_at=submitted - timedelta(minutes=5),
                submitted_at=submitted,
                graded_at=submitted,
                pass_mark=quiz.pass_mark,
                review_policy=quiz.review_policy,
                score=Decimal(8 if passed else 4),
                max_score=Decimal(10),
                percent=Decimal(80 if passed else 40),
                passed=passed,
            )
        )
    Attempt.objects.bulk_create(attempts, batch_size=500)
    record_progress(user, course)  # the module completions the writes above would have made
    done, total = len(read) + len(quizzes), size.lessons + len(quizzes)
    return Learner(size, user, course, f"{done} of {total} steps done")


def learners(bench: Bench) -> list[Learner]:
    """One Learner per PROGRESS_SIZES, built once per run whichever scenario asks first."""
    if "learners" not in bench.shared:
        built = []
        for k, size in enumerate(PROGRESS_SIZES, start=1):
            started = time.perf_counter()
            built.append(build_learner(bench, size, key=f"p{k}"))
            print(
                f"    built {size.label}: {size.lessons} lessons, {size.attempts} attempts "
                f"({time.perf_counter() - started:.1f} s)",
                flush=True,
            )
        bench.shared["learners"] = built
    return bench.shared["learners"]


def expect_page(response, text: str) -> None:
    expect_status(response, 200)
    if text not in response.content.decode():
        raise BenchmarkError(f"GET {response.request['PATH_INFO']} does not say {text!r}")


def measure_page_sizes(bench: Bench, name: str, url_of: Callable[[Learner], str]) -> list[Row]:
    """GET `url_of(learner)` as each learner; warn if the query count depends on the size."""
    rows = []
    for learner in learners(bench):
        client = bench.signed_in_client(learner.user)
        url = url_of(learner)

        def prepare(client=client, url=url, summary=learner.summary) -> Trial:
            return Trial(lambda: client.get(url), lambda r: expect_page(r, summary))

        rows.append(Row(name, learner.size.label, measure(prepare, bench.reps(PAGE_REPS))))
    warn_if_queries_differ(bench, name, rows, "the course's size")
    return rows


@scenario(
    "learn-dashboard",
    "GET /learn/ (My learning) for a learner with 10 lessons / 10 attempts, and 200 / 1000",
)
def learn_dashboard(bench: Bench) -> list[Row]:
    from django.urls import reverse

    return measure_page_sizes(bench, "learn-dashboard", lambda learner: reverse("learn:dashboard"))


@scenario(
    "course-page",
    "GET the course page, with the learner's progress, for the same two learners",
)
def course_page(bench: Bench) -> list[Row]:
    return measure_page_sizes(bench, "course-page", lambda learner: learner.course.url)
