"""Speed figures for HFS Academy, each relative to a trivial Django view timed in the same run.

Usage (from the project root; `make benchmark` runs the first form):

    .venv/bin/python benchmarks/run.py                  # every scenario
    .venv/bin/python benchmarks/run.py --quick          # fewer repetitions, rougher figures
    .venv/bin/python benchmarks/run.py --scenario quiz-submit
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hfs_academy .venv/bin/python benchmarks/run.py

What it measures
    Every figure is the wall-clock time of one request made with django.test.Client, so the full
    middleware stack, URL routing (Wagtail's page tree for pages) and the database round trips
    are included; the network, a WSGI server and static files are not. The work a scenario needs
    before its request (users, attempts, saved answers) is done outside the timed part.

    trivial view  GET of a view that returns HttpResponse("ok"), added at /__bench__/trivial/ by
                  benchmarks/urls.py, by a signed-in client: the floor every request pays (it
                  makes no query: the session and user are loaded only when a view asks).
                  It is timed again at the end ("again" row); if that ratio is far from 1.0
                  the machine's load changed during the run and every ratio is rough.
    quiz-submit   POST to a quiz attempt's submit URL with every answer in the form (as the
                  quiz page sends it), for quizzes of 10, 25 and 100 questions mixing single
                  choice, multiple response, numeric and short answer. The view saves the
                  answers, grades every response, closes the attempt and redirects to the
                  result (not followed). Each repetition uses a new trainee, whose attempt is
                  started and whose answers are saved (untimed) beforehand.
    learn-dashboard
                  GET /learn/ ("My learning") by a signed-in trainee enrolled in one course, at
                  two sizes. "small": 2 modules of 5 lessons, 10 finished attempts. "200 lessons
                  / 1000 attempts": 5 modules of 40 lessons, 1,000 finished attempts. Each
                  module ends with a one-question quiz allowing unlimited attempts, and modules
                  2+ require the previous one. The trainee has read the first half of the
                  lessons, and the attempts are spread evenly over the quizzes, numbered 1..n per
                  quiz and alternately failed and passed, so every quiz is passed; the module
                  completions this implies are recorded. The pages are made with the test
                  factories; completions and attempts with bulk_create (the pages only read
                  them), so building takes about ten seconds, once per run.
    course-page   GET of that course's page by the same two trainees: the overview with their
                  progress, every module and every step.
                  For both, every response is checked (untimed, warm-ups included) to answer
                  200 and to show the trainee's progress ("105 of 205 steps done"); the table's
                  n column names the size. --quick runs fewer repetitions of the same sizes.
    clinic-dashboard
                  GET /clinics/<slug>/ by the clinic's manager: the staff x programme matrix
                  (certification/clinics.py), its status summary, and the "Assign a programme"
                  form, whose staff field is a checkbox per staff member. Two clinics of one
                  shape: "small", 20 staff, and "1000 staff x 3 programmes". The three programmes
                  share one course (6 lessons and a one-question quiz) and mix it with three
                  checklists: course + quiz + checklist A, course + checklist B, quiz +
                  checklists A and C (valid 24, 24 and 12 months); all three are assigned in both
                  clinics. Staff member i's state in programme p is CELL_KINDS[(i + p) % 20]:
                  30% certified (a third of them expiring within 60 days), 10% expired, 5%
                  revoked, 10% overdue (half of them with some progress), 20% in progress, 25%
                  not started, except that progress in a shared requirement also counts in the
                  other programme, so the summary ends up at 20% certified, 10% expiring, 10%
                  expired, 5% revoked, 10% overdue, 25% in progress, 20% not started. Certified,
                  expired and revoked staff did every requirement (the expired ones' sign-offs
                  are too old to count now), those in progress some. The users, memberships,
                  assignments, cycle-1 certificates, lesson completions, passed attempts and
                  signed assessments are written with bulk_create: about a second per run.
                  Every response is checked (untimed, warm-ups included) to answer 200, to say
                  "1000 staff members" (or 20) in the table's caption, and to show all seven
                  statuses in its summary, adding up to staff x programmes.
    clinic-csv    GET /clinics/<slug>/report.csv for the same two clinics, the streamed body
                  read to its end inside the timed part (the matrix is built before the first
                  line is sent, so the body alone is a small part). Checked to answer 200 with
                  the header and a line per staff member and programme (3,001 lines at 1,000).
                  Both use the page repetitions, and both print their query counts per size
                  as they go: at 1,000 staff the dashboard takes about half a second a request,
                  so the two add about 20 s to a full run.

How to read the table
    median ms / p90 ms   the median and 90th percentile of the timed repetitions, after a few
                         untimed warm-up ones (the garbage collector is paused while timing, as
                         timeit does).
    x trivial            median / the trivial view's median from the same run. Absolute times
                         depend on the machine and its load; the ratio much less, so compare
                         ratios between runs, machines and commits. A ratio that grows with n
                         faster than the work itself is the thing to look for.
    queries              SQL queries in one request, counted on an extra untimed repetition
                         (counting slows queries down). It should not depend on n: a count
                         that grows with n is an N+1 query. For learn-dashboard, course-page,
                         clinic-dashboard and clinic-csv a count that differs between the two
                         sizes is also printed as a WARNING, when measured and again under the
                         table.

Test-environment caveats: setup_test_environment() is in force (as in the test suite), so
template rendering sends Django's template_rendered signal, and the test client neither opens
nor closes a database connection per request, whereas production with CONN_MAX_AGE=0 does.
The test client also keeps a copy of the context of every template rendered, which costs in
proportion to the number of templates: the 1,000-staff dashboard renders about 4,000 (one per
checkbox in its assign form), and recording them was a quarter to a third of its time when
measured apart.
On SQLite each submit's commit waits for the disk, so its spread depends on the disk too.

Nothing here asserts a timing: it is not a test, and a slow figure is something to look into,
not a failure. The script builds its own throwaway database with Django's test database
machinery (.bench-db.sqlite3 in a temporary folder on SQLite, test_<name>_bench on PostgreSQL)
and destroys it at the end, so it never touches a developer database or a running test suite's.

Adding a scenario: write a function that takes the Bench and returns rows (see quiz_submit),
decorate it with @scenario("name", "summary"), and time its request with measure(). Data that
several scenarios read is built once and kept in bench.shared (see learners()).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import count
from pathlib import Path
from typing import Any, NamedTuple

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# Repetitions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Repetitions:
    """How often to run a request: untimed warm-up runs, then timed ones."""

    warmup: int
    repeat: int


TRIVIAL_REPS = {
    "full": Repetitions(warmup=20, repeat=200),
    "quick": Repetitions(warmup=5, repeat=50),
}
SUBMIT_REPS = {"full": Repetitions(warmup=3, repeat=15), "quick": Repetitions(warmup=1, repeat=5)}
QUIZ_SIZES = (10, 25, 100)
PAGE_REPS = {"full": Repetitions(warmup=3, repeat=25), "quick": Repetitions(warmup=1, repeat=5)}


# Timing helper -------------------------------------------------------------------------------


class Trial(NamedTuple):
    """One repetition, prepared: `call` is timed; `check` (untimed) gets its result."""

    call: Callable[[], Any]
    check: Callable[[Any], None] | None = None


@dataclass(frozen=True)
class Timing:
    samples_ms: list[float]
    queries: int

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p90_ms(self) -> float:
        if len(self.samples_ms) < 2:
            return self.samples_ms[0]
        return statistics.quantiles(self.samples_ms, n=10, method="inclusive")[-1]


def measure(prepare: Callable[[], Trial], reps: Repetitions) -> Timing:
    """Warm up, count one run's queries, then time `reps.repeat` runs with perf_counter.

    `prepare` is called before every run, outside the timing, and returns the Trial to run.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def run(trial: Trial) -> Any:
        result = trial.call()
        if trial.check is not None:
            trial.check(result)
        return result

    for _ in range(reps.warmup):
        run(prepare())

    # Counted apart from the timed runs: the debug cursor that records SQL adds its own cost.
    trial = prepare()
    with CaptureQueriesContext(connection) as captured:
        result = trial.call()
    if trial.check is not None:
        trial.check(result)
    queries = len(captured.captured_queries)

    samples = []
    for _ in range(reps.repeat):
        trial = prepare()
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            started = time.perf_counter()
            result = trial.call()
            elapsed = time.perf_counter() - started
        finally:
            if gc_was_enabled:
                gc.enable()
        if trial.check is not None:
            trial.check(result)
        samples.append(elapsed * 1000)
    return Timing(samples, queries)


class BenchmarkError(RuntimeError):
    """A request did not do what the scenario expects: its timing would mean nothing."""


def expect_status(response, status: int) -> None:
    if response.status_code != status:
        raise BenchmarkError(
            f"{response.request['REQUEST_METHOD']} {response.request['PATH_INFO']} answered "
            f"{response.status_code}, expected {status}"
        )


# Scenario registry ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    scenario: str
    n: int | str | None  # a size: a number, or a label such as "small"
    timing: Timing


@dataclass
class Bench:
    """What scenarios share: repetition settings, the baseline, and a supply of fresh users."""

    quick: bool
    baseline: Timing | None = None
    warnings: list[str] = field(default_factory=list)
    # Data that more than one scenario uses, built by the first that needs it (see learners()).
    shared: dict[str, Any] = field(default_factory=dict)
    _users: count = field(default_factory=lambda: count(1))

    def warn(self, message: str) -> None:
        """Say it now, loudly, and again under the table."""
        self.warnings.append(message)
        print(f"  !!! WARNING: {message}", flush=True)

    def reps(self, table: dict[str, Repetitions]) -> Repetitions:
        return table["quick" if self.quick else "full"]

    def new_user(self, prefix: str = "bench-trainee", group: str = "Trainees"):
        from tests.factories import UserFactory

        return UserFactory(username=f"{prefix}-{next(self._users)}", groups=[group])

    def signed_in_client(self, user):
        from django.test import Client

        client = Client()
        client.force_login(user)
        return client


@dataclass(frozen=True)
class Scenario:
    name: str
    summary: str
    run: Callable[[Bench], list[Row]]


SCENARIOS: dict[str, Scenario] = {}


def scenario(
    name: str, summary: str
) -> Callable[[Callable[[Bench], list[Row]]], Callable[[Bench], list[Row]]]:
    def register(function: Callable[[Bench], list[Row]]) -> Callable[[Bench], list[Row]]:
        SCENARIOS[name] = Scenario(name, summary, function)
        return function

    return register


def measure_trivial(bench: Bench) -> Timing:
    from benchmarks.urls import TRIVIAL_PATH

    client = bench.signed_in_client(bench.new_user("bench-baseline"))
    return measure(
        lambda: Trial(lambda: client.get(TRIVIAL_PATH), lambda r: expect_status(r, 200)),
        bench.reps(TRIVIAL_REPS),
    )


# Scenario: quiz submit -----------------------------------------------------------------------

QUESTION_TYPES = ("single_choice", "multiple_response", "numeric", "short_answer")
STEM = (
    "<p>A 54-year-old woman has had involuntary twitching around her left eye for two years, "
    "now spreading to the left corner of her mouth. The contractions continue during sleep and "
    "worsen with stress and fatigue. Neurological examination is otherwise normal, and an MRI "
    "with thin slices through the posterior fossa is planned.</p><p>Question {i}: which of the "
    "following best fits the findings described above?</p>"
)
EXPLANATION = (
    "<p>Vascular compression of the facial nerve at its root exit zone is the usual cause; "
    "the pattern of spread and persistence in sleep distinguish it from blepharospasm.</p>"
)


def _options(kind: str) -> list[dict[str, Any]]:
    """Option rows as the admin's inline form would hold them, valid for `kind`."""
    if kind == "single_choice":
        return [
            {
                "text": f"Option {c}",
                "is_correct": c == "C",
                "feedback": f"Option {c} is {'right' if c == 'C' else 'wrong'}.",
            }
            for c in "ABCD"
        ]
    if kind == "multiple_response":
        return [
            {
                "text": f"Statement {c}",
                "is_correct": c in "ACE",
                "feedback": f"Statement {c} is {'true' if c in 'ACE' else 'false'} here.",
            }
            for c in "ABCDE"
        ]
    if kind == "short_answer":
        return [
            {"text": "microvascular decompression", "is_correct": True, "feedback": ""},
            {"text": "MVD*", "is_correct": True, "feedback": ""},
        ]
    return []  # numeric: the answer is on the question


def make_questions(n: int, *, category, source, competencies) -> list:
    """`n` live questions cycling through QUESTION_TYPES, each with its options."""
    from quizzes.models import Question, QuestionOption, validate_options

    questions = []
    for i in range(1, n + 1):
        kind = QUESTION_TYPES[(i - 1) % len(QUESTION_TYPES)]
        rows = _options(kind)
        numeric = (
            {
                "numeric_answer": Decimal("2.5"),
                "numeric_tolerance": Decimal("0.1"),
                "numeric_unit": "mg",
            }
            if kind == "numeric"
            else {}
        )
        validate_options(kind, rows, numeric)
        question = Question(
            key=f"bench-{n}-{i}",
            question_type=kind,
            title=f"Benchmark question {i} of {n}",
            stem=STEM.format(i=i),
            explanation=EXPLANATION,
            category=category,
            source=source,
            passage="Discussion, second paragraph",
            live=True,
            **numeric,
        )
        question.options = [QuestionOption(sort_order=k, **row) for k, row in enumerate(rows)]
        question.competencies = competencies
        question.save()
        questions.append(question)
    return questions


def make_quiz(module, n: int, questions: list):
    """A published quiz asking `questions`, with unlimited attempts, shuffled as by default."""
    from quizzes.models import QuizPage, QuizQuestion

    quiz = QuizPage(title=f"Benchmark quiz {n}", slug=f"benchmark-quiz-{n}", attempts_allowed=0)
    quiz.fixed_questions = [QuizQuestion(question=q, sort_order=k) for k, q in enumerate(questions)]
    module.add_child(instance=quiz)
    quiz.save_revision().publish()
    quiz.refresh_from_db()
    return quiz


def right_answers(responses) -> dict[str, list[str]]:
    """Form data answering every response correctly, field names as the quiz page posts them."""
    from quizzes.answers import field_name

    data: dict[str, list[str]] = {}
    for response in responses:
        snapshot, display = response.question_snapshot, response.display
        name = field_name(response.position)
        tokens = display.get("tokens", [])
        data[f"{name}-shown"] = ["1"]
        kind = snapshot["type"]
        if kind in ("single_choice", "multiple_response"):
            data[name] = [tokens[i] for i, o in enumerate(snapshot["options"]) if o["is_correct"]]
        elif kind == "numeric":
            data[name] = [f"{snapshot['numeric']['answer']} {snapshot['numeric']['unit']}"]
        elif kind == "short_answer":
            data[name] = ["  MVD (microvascular decompression) "]
        else:
            raise BenchmarkError(f"no right answer written for {kind} questions")
    return data


def as_query_dict(data: dict[str, list[str]]):
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for key, values in data.items():
        query.setlist(key, values)
    return query


@scenario(
    "quiz-submit", "POST a quiz attempt's submit URL with all answers (10, 25, 100 questions)"
)
def quiz_submit(bench: Bench) -> list[Row]:
    from quizzes import services
    from quizzes.models import Attempt, AttemptState, QuestionCategory
    from tests.conftest import build_tree
    from tests.factories import CompetencyFactory, SourceFactory

    tree = build_tree(lessons=1)
    category = QuestionCategory.objects.create(key="benchmark", name="Benchmark")
    source = SourceFactory()
    competencies = [CompetencyFactory(), CompetencyFactory()]

    rows = []
    for n in QUIZ_SIZES:
        questions = make_questions(n, category=category, source=source, competencies=competencies)
        quiz = make_quiz(tree.module, n, questions)

        def prepare(quiz=quiz, n=n) -> Trial:
            user = bench.new_user()
            client = bench.signed_in_client(user)
            attempt = services.start_attempt(user, quiz)
            data = right_answers(attempt.responses.all())
            saved = services.save_answers(attempt.pk, user, as_query_dict(data))
            if saved.errors or saved.saved != n:
                raise BenchmarkError(f"saving answers: {saved}")
            url = quiz.url + quiz.reverse_subpage("submit", args=[attempt.pk])
            result_url = quiz.url + quiz.reverse_subpage("result", args=[attempt.pk])

            def check(response) -> None:
                expect_status(response, 302)
                if response["Location"] != result_url:
                    raise BenchmarkError(f"submit redirected to {response['Location']}")
                graded = Attempt.objects.get(pk=attempt.pk)
                if graded.state != AttemptState.GRADED or graded.percent != 100:
                    raise BenchmarkError(
                        f"attempt {graded.state} at {graded.percent}%, expected graded at 100%"
                    )

            return Trial(lambda: client.post(url, data), check)

        rows.append(Row("quiz-submit", n, measure(prepare, bench.reps(SUBMIT_REPS))))
    return rows


# Scenarios: the learner's progress pages ------------------------------------------------------


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

    from courses.models import CourseIndexPage, LessonCompletion
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
    course = CoursePageFactory(
        parent=index, title=f"Benchmark course ({size.label})", slug=f"benchmark-course-{key}"
    )
    lessons, quizzes = [], []
    for m in range(1, size.modules + 1):
        module = ModulePageFactory(
            parent=course, title=f"Module {m}", slug=f"module-{m}", requires_previous=m > 1
        )
        for n in range(1, size.lessons_per_module + 1):
            lessons.append(
                LessonPageFactory(
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


def warn_if_queries_differ(bench: Bench, name: str, rows: list[Row], what: str) -> None:
    """Warn if the rows' query counts differ: a query per item, somewhere (an N+1 query)."""
    counts = {row.n: row.timing.queries for row in rows}
    if len(set(counts.values())) > 1:
        bench.warn(
            f"{name}: the query count depends on {what} ("
            + ", ".join(f"{label}: {n}" for label, n in counts.items())
            + "): an N+1 query"
        )


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


# Scenarios: a clinic manager's certification dashboard and its CSV ----------------------------


@dataclass(frozen=True)
class ClinicSize:
    label: str
    staff: int


CLINIC_SIZES = (
    ClinicSize("small", staff=20),
    ClinicSize("1000 staff x 3 programmes", staff=1000),
)
CLINIC_LESSONS = 6
FIRST_NAMES = ("Ana", "Ben", "Chloé", "Dev", "Eva", "Femi", "Greta", "Hugo", "Ines", "Jonas")
LAST_NAMES = ("Abbott", "Bauer", "Costa", "Dubois", "Evans", "Fischer", "García", "Horvat")
# What staff member i has in programme p: CELL_KINDS[(i + p) % 20]. So 30% certified (a third
# of them expiring within 60 days), 10% expired, 5% revoked, 10% overdue (half with some
# progress), 20% in progress and 25% not started, before what is shared between programmes
# (the course's lessons, the quiz, a checklist) turns some "not started" into "in progress".
CELL_KINDS = (
    *["certified"] * 4,
    *["expiring"] * 2,
    *["expired"] * 2,
    "revoked",
    "overdue_progress",
    "overdue",
    *["in_progress"] * 4,
    *["not_started"] * 5,
)
# A line of the dashboard's status summary: `...status--clinic-expired">Expired: 12</a>`.
SUMMARY_COUNT = re.compile(r'class="status status--clinic-(\w+)">[^<]*: (\d+)</a>')


@dataclass(frozen=True)
class Steps:
    """Some or all of a programme's requirements."""

    lessons: list
    quizzes: list
    checklists: list


@dataclass(frozen=True)
class ClinicProgramme:
    programme: Any
    partial: Steps  # what staff "in progress" have done
    full: Steps  # every requirement


@dataclass(frozen=True)
class ClinicSetup:
    size: ClinicSize
    clinic: Any
    manager: Any
    programmes: int


def build_programmes(bench: Bench) -> tuple[list[ClinicProgramme], Any]:
    """Three programmes over one small course (6 lessons, a one-question quiz) and three
    checklists, each programme a different mix; and the assessor who signs assessments."""
    from certification.models import Programme
    from courses.models import CourseIndexPage
    from tests.certification.conftest import make_checklist
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

    index = CourseIndexPage.objects.first() or CourseIndexPageFactory(parent=make_home())
    source, competency = SourceFactory(), CompetencyFactory()
    course = CoursePageFactory(parent=index, title="Clinic skills", slug="benchmark-clinic-skills")
    module = ModulePageFactory(parent=course, title="Essentials", slug="essentials")
    lessons = [
        LessonPageFactory(
            parent=module,
            title=f"Essentials {n}",
            slug=f"essentials-{n}",
            sources=[source],
            competencies=[competency],
        )
        for n in range(1, CLINIC_LESSONS + 1)
    ]
    question = make_question(
        key="bench-clinic",
        category=QuestionCategoryFactory(key="bench-clinic"),
        source=source,
        competency=competency,
    )
    quiz = make_module_quiz(module, [question], title="Essentials quiz", slug="quiz")
    needle = make_checklist("bench-needle", safety=True)
    palp = make_checklist("bench-palp", safety=False)
    aseptic = make_checklist("bench-aseptic", safety=True)
    shapes = [
        # key, title, validity (months), requirements, what "in progress" has done
        ("needling", "Dry needling practitioner", 24,
         Steps(lessons, [quiz], [needle]), Steps(lessons[:3], [], [])),
        ("palpation", "Myofascial palpation", 24,
         Steps(lessons, [], [palp]), Steps(lessons[:2], [], [palp])),
        ("safety", "Needling safety refresher", 12,
         Steps([], [quiz], [needle, aseptic]), Steps([], [quiz], [])),
    ]  # fmt: skip
    programmes = []
    for key, title, months, full, partial in shapes:
        programme = Programme(key=f"bench-{key}", title=title, validity_months=months)
        programme.save()
        programme.required_courses = [course] if full.lessons else []
        programme.required_quizzes = full.quizzes
        programme.required_checklists = full.checklists
        programme.save()
        programmes.append(ClinicProgramme(programme, partial, full))
    return programmes, bench.new_user("bench-assessor", group="Instructors")


def build_clinic(
    bench: Bench, size: ClinicSize, key: str, programmes: list[ClinicProgramme], assessor
) -> tuple[ClinicSetup, dict[str, int]]:
    """A clinic with a manager and `size.staff` staff in the states of CELL_KINDS, every row
    written with bulk_create. Returns the clinic and how many rows of each kind it holds."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from certification.models import (
        AssessmentStatus,
        Certificate,
        Clinic,
        ClinicMembership,
        ClinicRole,
        ProgrammeAssignment,
        SkillAssessment,
    )
    from certification.services import checklist_snapshot
    from courses.models import LessonCompletion
    from quizzes.models import Attempt, AttemptState

    user_model = get_user_model()
    unusable = make_password(None)
    now, today = timezone.now(), timezone.localdate()
    clinic = Clinic.objects.create(name=f"Benchmark clinic {key}", slug=f"bench-clinic-{key}")
    manager = bench.new_user("bench-manager", group="Clinic managers")
    ClinicMembership.objects.create(clinic=clinic, user=manager, role=ClinicRole.MANAGER)
    staff = user_model.objects.bulk_create(
        user_model(
            username=f"bench-{key}-staff-{i:04d}",
            email=f"bench-{key}-staff-{i:04d}@example.org",
            first_name=FIRST_NAMES[i % len(FIRST_NAMES)],
            last_name=LAST_NAMES[i // len(FIRST_NAMES) % len(LAST_NAMES)],
            password=unusable,  # nobody signs in as them, and nothing to hash
        )
        for i in range(size.staff)
    )
    ClinicMembership.objects.bulk_create(
        ClinicMembership(user=user, clinic=clinic, role=ClinicRole.STAFF) for user in staff
    )

    assignments, certificates = [], []
    # Per staff member: when each lesson was read, the quiz passed, a checklist signed off
    # (programmes share some, so each is recorded once: the first reading, the last sign-off).
    lessons_read: dict[tuple[Any, Any], Any] = {}
    quizzes_passed: dict[tuple[Any, Any], Any] = {}
    checklists_signed: dict[tuple[Any, Any], Any] = {}

    def did(user, steps: Steps, when) -> None:
        for lesson in steps.lessons:
            lessons_read.setdefault((user, lesson), when)
        for quiz in steps.quizzes:
            quizzes_passed.setdefault((user, quiz), when)
        for checklist in steps.checklists:
            checklists_signed[(user, checklist)] = max(
                when, checklists_signed.get((user, checklist), when)
            )

    def assign(user, programme, due) -> None:
        assignments.append(
            ProgrammeAssignment(
                clinic=clinic,
                user=user,
                programme=programme,
                due_date=due,
                assigned_by=manager,
                assigned_at=now - timedelta(days=400),
            )
        )

    for i, user in enumerate(staff):
        for p, entry in enumerate(programmes):
            kind, programme = CELL_KINDS[(i + p) % len(CELL_KINDS)], entry.programme
            validity = programme.validity
            if kind in ("certified", "expiring", "expired", "revoked"):
                if kind == "certified":
                    issued = now - timedelta(days=30 + i % 200)
                elif kind == "expiring":
                    issued = now + timedelta(days=5 + i % 50) - validity
                elif kind == "expired":
                    issued = now - timedelta(days=10 + i % 300) - validity
                else:
                    issued = now - timedelta(days=20 + i % 100)
                revoked = kind == "revoked"
                certificates.append(
                    Certificate(
                        user=user,
                        programme=programme,
                        cycle=1,
                        code=f"bench-{key}-{i}-{p}",
                        holder_name=user.get_full_name(),
                        issued_at=issued,
                        expires_at=issued + validity,
                        revoked_at=issued + timedelta(days=10) if revoked else None,
                        revoked_by=assessor if revoked else None,
                        revocation_reason="Practised outside the protocol (audit)."
                        if revoked
                        else "",
                    )
                )
                did(user, entry.full, issued - timedelta(days=1))
                if kind in ("certified", "expiring") and i % 2 == 0:
                    assign(user, programme, (issued - timedelta(days=10)).date())  # met in time
                elif kind in ("expired", "revoked") and i % 2 == 0:
                    assign(user, programme, today + timedelta(days=30 + i % 60))  # to renew
            elif kind in ("overdue", "overdue_progress"):
                assign(user, programme, today - timedelta(days=1 + i % 90))
                if kind == "overdue_progress":
                    did(user, entry.partial, now - timedelta(days=60 + i % 30))
            elif kind == "in_progress":
                assign(user, programme, today + timedelta(days=14 + i % 120))
                did(user, entry.partial, now - timedelta(days=1 + i % 30))
            elif i % 3:  # not started: two in three have been asked to
                assign(user, programme, today + timedelta(days=30 + i % 120))

    ProgrammeAssignment.objects.bulk_create(assignments, batch_size=500)
    Certificate.objects.bulk_create(certificates, batch_size=500)
    LessonCompletion.objects.bulk_create(
        (
            LessonCompletion(user=user, lesson=lesson, completed_at=when)
            for (user, lesson), when in lessons_read.items()
        ),
        batch_size=500,
    )
    Attempt.objects.bulk_create(
        (
            Attempt(
                user=user,
                quiz=quiz,
                number=1,
                state=AttemptState.GRADED,
                started_at=when - timedelta(minutes=5),
                submitted_at=when,
                graded_at=when,
                pass_mark=quiz.pass_mark,
                review_policy=quiz.review_policy,
                score=Decimal(1),
                max_score=Decimal(1),
                percent=Decimal(100),
                passed=True,
            )
            for (user, quiz), when in quizzes_passed.items()
        ),
        batch_size=500,
    )
    snapshots = {
        checklist: checklist_snapshot(
            checklist, list(checklist.items.select_related("competency").order_by("sort_order"))
        )
        for checklist in {c for p in programmes for c in p.full.checklists}
    }
    SkillAssessment.objects.bulk_create(
        (
            SkillAssessment(
                trainee=user,
                assessor=assessor,
                checklist=checklist,
                checklist_snapshot=snapshots[checklist],
                assessed_on=when.date(),
                global_rating=5,
                comments="Safe, fluent technique.",
                status=AssessmentStatus.SIGNED,
                passed=True,
                created_at=when - timedelta(hours=1),
                signed_at=when,
            )
            for (user, checklist), when in checklists_signed.items()
        ),
        batch_size=500,
    )
    written = {
        "assignments": len(assignments),
        "certificates": len(certificates),
        "lesson completions": len(lessons_read),
        "passed attempts": len(quizzes_passed),
        "signed assessments": len(checklists_signed),
    }
    return ClinicSetup(size, clinic, manager, len(programmes)), written


def clinics(bench: Bench) -> list[ClinicSetup]:
    """One clinic per CLINIC_SIZES, sharing the programmes, built once per run."""
    if "clinics" not in bench.shared:
        programmes, assessor = build_programmes(bench)
        built = []
        for k, size in enumerate(CLINIC_SIZES, start=1):
            started = time.perf_counter()
            setup, written = build_clinic(bench, size, f"c{k}", programmes, assessor)
            built.append(setup)
            print(
                f"    built {size.label}: {size.staff} staff, "
                + ", ".join(f"{n} {what}" for what, n in written.items())
                + f" ({time.perf_counter() - started:.1f} s)",
                flush=True,
            )
        bench.shared["clinics"] = built
    return bench.shared["clinics"]


def expect_dashboard(response, setup: ClinicSetup, seen: dict[str, int]) -> None:
    """200, the staff count in the table's caption, and a summary in which every status of
    the matrix occurs and the cells add up to staff x programmes (copied into `seen`)."""
    expect_status(response, 200)
    html = response.content.decode()
    caption = f"<caption>{setup.size.staff} staff members"
    if caption not in html:
        raise BenchmarkError(f"GET {response.request['PATH_INFO']} does not say {caption!r}")
    counts = {status: int(n) for status, n in SUMMARY_COUNT.findall(html)}
    cells = setup.size.staff * setup.programmes
    if sum(counts.values()) != cells or not all(counts.values()) or len(counts) < 7:
        raise BenchmarkError(f"dashboard summary {counts}: expected all 7 statuses, {cells} cells")
    seen.update(counts)


def expect_csv(result, setup: ClinicSetup) -> None:
    response, body = result
    expect_status(response, 200)
    lines = body.count(b"\r\n")  # the csv module ends every row so
    expected = setup.size.staff * setup.programmes + 1
    if not body.startswith(b"name,username,email,programme,status") or lines != expected:
        raise BenchmarkError(f"the CSV has {lines} lines, expected {expected} (with the header)")


def measure_clinic_sizes(
    bench: Bench, name: str, prepare_for: Callable[[ClinicSetup, Any], Trial]
) -> list[Row]:
    """Time `prepare_for(setup, client)` for each clinic, signed in as its manager."""
    rows = []
    for setup in clinics(bench):
        client = bench.signed_in_client(setup.manager)
        timing = measure(
            lambda setup=setup, client=client: prepare_for(setup, client), bench.reps(PAGE_REPS)
        )
        rows.append(Row(name, setup.size.label, timing))
        print(
            f"    {setup.size.label}: {timing.queries} queries per request, "
            f"median {timing.median_ms:.0f} ms",
            flush=True,
        )
    warn_if_queries_differ(bench, name, rows, "the clinic's size")
    return rows


@scenario(
    "clinic-dashboard",
    "GET /clinics/<slug>/ by its manager: 20 staff x 3 programmes, and 1000 x 3",
)
def clinic_dashboard(bench: Bench) -> list[Row]:
    from django.urls import reverse

    mixes: dict[str, dict[str, int]] = {}

    def prepare(setup: ClinicSetup, client) -> Trial:
        url = reverse("clinics:dashboard", args=[setup.clinic.slug])
        seen = mixes.setdefault(setup.size.label, {})
        return Trial(lambda: client.get(url), lambda r: expect_dashboard(r, setup, seen))

    rows = measure_clinic_sizes(bench, "clinic-dashboard", prepare)
    for label, seen in mixes.items():
        print(f"    {label}, statuses: " + ", ".join(f"{k} {n}" for k, n in seen.items()))
    return rows


@scenario(
    "clinic-csv",
    "GET /clinics/<slug>/report.csv, read to the end, for the same two clinics",
)
def clinic_csv(bench: Bench) -> list[Row]:
    from django.urls import reverse

    def prepare(setup: ClinicSetup, client) -> Trial:
        url = reverse("clinics:report_csv", args=[setup.clinic.slug])

        def call():
            response = client.get(url)
            return response, b"".join(response.streaming_content)

        return Trial(call, lambda result: expect_csv(result, setup))

    return measure_clinic_sizes(bench, "clinic-csv", prepare)


# Running -------------------------------------------------------------------------------------


def configure_django() -> None:
    sys.path.insert(0, str(PROJECT_ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()

    from django.conf import settings
    from django.urls import clear_url_caches

    settings.ROOT_URLCONF = "benchmarks.urls"
    clear_url_caches()


def create_database(workdir: Path) -> str:
    """A fresh, migrated database for this run only; returns its name."""
    from django.conf import settings
    from django.db import connection

    db = connection.settings_dict
    test = db.setdefault("TEST", {})
    if db["ENGINE"] == "django.db.backends.sqlite3":
        test["NAME"] = str(workdir / ".bench-db.sqlite3")
    else:
        test["NAME"] = f"{test.get('NAME') or 'test_' + db['NAME']}_bench"
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = test["NAME"]
    return connection.creation.create_test_db(
        verbosity=0, autoclobber=True, keepdb=False, serialize=False
    )


def describe_database() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
            version = cursor.fetchone()[0]
        else:
            version = "?"
    return f"{connection.vendor} {version}"


def print_table(rows: list[Row], baseline: Timing) -> None:
    header = ("scenario", "n", "median ms", "p90 ms", "x trivial", "queries")
    lines = [
        (
            row.scenario,
            "" if row.n is None else str(row.n),
            f"{row.timing.median_ms:.2f}",
            f"{row.timing.p90_ms:.2f}",
            f"{row.timing.median_ms / baseline.median_ms:.1f}",
            str(row.timing.queries),
        )
        for row in rows
    ]
    widths = [max(len(cells[i]) for cells in [header, *lines]) for i in range(len(header))]
    left = {0}

    def fmt(cells: tuple[str, ...]) -> str:
        return " | ".join(
            c.ljust(w) if i in left else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    print(fmt(header))
    print("-+-".join("-" * w for w in widths))
    for cells in lines:
        print(fmt(cells))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Print request times relative to a trivial view (see the module docstring)."
    )
    parser.add_argument("--quick", action="store_true", help="fewer repetitions: faster, noisier")
    parser.add_argument(
        "--scenario",
        choices=sorted(SCENARIOS),
        action="append",
        help="run only this scenario (repeatable); the trivial baseline always runs",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    configure_django()

    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    media_root = Path(settings.MEDIA_ROOT)
    bench = Bench(quick=args.quick)
    chosen = [SCENARIOS[name] for name in (args.scenario or SCENARIOS)]
    setup_test_environment()
    workdir = Path(tempfile.mkdtemp(prefix="hfs-bench-"))
    old_name = connection.settings_dict["NAME"]
    started = time.perf_counter()
    try:
        name = create_database(workdir)
        print(
            f"HFS Academy benchmarks: {describe_database()} ({name}), "
            f"Python {platform.python_version()}, {'quick' if args.quick else 'full'} run",
            flush=True,
        )
        bench.baseline = measure_trivial(bench)
        rows = [Row("trivial view", None, bench.baseline)]
        for chosen_scenario in chosen:
            print(f"  {chosen_scenario.name}: {chosen_scenario.summary}", flush=True)
            rows += chosen_scenario.run(bench)
        # Timed again at the end: if the machine got busier or quieter meanwhile, it shows here.
        again = measure_trivial(bench)
        rows.append(Row("trivial view (again)", None, again))
        print()
        print_table(rows, bench.baseline)
        drift = again.median_ms / bench.baseline.median_ms
        if not 0.8 <= drift <= 1.25:
            print(
                f"\nNote: the trivial view ran {drift:.2f}x as long at the end as at the start; "
                "the machine's load changed during the run, so the ratios are rough."
            )
        for message in bench.warnings:
            print(f"\n!!! WARNING: {message}")
        print(f"\n({time.perf_counter() - started:.0f} s including database set-up)")
    finally:
        if connection.settings_dict["NAME"] != old_name:  # created, if only in part
            connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)
        teardown_test_environment()
        shutil.rmtree(workdir, ignore_errors=True)
        if media_root.name.startswith("hfs-test-media-"):
            shutil.rmtree(media_root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
