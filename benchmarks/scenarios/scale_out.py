"""scale-out: two gunicorn instances and the task worker on one PostgreSQL database and one Redis.

PostgreSQL and Redis only (DATABASE_URL, REDIS_URL); otherwise it says why it is skipped. Give
it a Redis database nothing else uses (e.g. redis://127.0.0.1:6379/14).

It builds, in the benchmark's throwaway database, a course with one lesson and a quiz of ten
single-choice questions (questions and options shuffled), a trainee with a real password, and
SCALE_OUT_TRAINEES (100) burst and SCALE_OUT_WARMUP (8) warm-up trainees, all enrolled, whose
sessions are made here as `Client.force_login` makes them, signed with the servers' secret key
(signing 100 people in over HTTP would time PBKDF2, not the site). It collects the static files
into a temporary DJANGO_STATIC_ROOT, starts `manage.py run_worker` (TASKS_BACKEND=rq) and two
gunicorn instances, A and B, under the production settings, and drives them over HTTP:

a. shared session: the trainee signs in on A (the real form, CSRF and all), starts the quiz on
   A and continues on B (attempt page, save, submit); the score is checked in the database.
   Sessions live in PostgreSQL (SESSION_ENGINE), so every instance reads them; Redis holds the
   cache and the task queue.
b. cross-process invalidation: B serves the lesson and the course page (its lesson list comes
   from courses/structure_cache.py, in Redis); this process, a third one, publishes a new
   revision with a new title and body through the ORM (the Wagtail admin wants a second
   factor); B's next requests must show both.
c. the exam burst: each trainee makes five requests (quiz intro, start, attempt page, save,
   submit), sent to A and B in turn as a round-robin balancer would, from SCALE_OUT_CONCURRENCY
   (32) threads, after an untimed warm-up by the warm-up trainees (every worker process then
   has its templates and database connection, as on a site already running). The database
   must then hold a graded attempt per trainee, scored as its answers imply (trainee k answers
   k mod 11 questions right), and every response must be the 200 or redirect expected.

SCALE_OUT_GUNICORN lists gunicorn settings to compare, comma-separated: `sync:2` (two sync
workers per instance), `gthread:2x4` (two workers of four threads), either with `+preload`;
each gets a burst of its own (the trainees' next attempt). Printed per burst: wall time,
requests/s, errors, p50/p90 latency (all and per step), the CPU time it used, the settings and
the cores. Nothing goes in the table: latency under load does not compare with its figures."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchmarks.harness import Bench, BenchmarkError, Row, scenario
from benchmarks.servers import (
    Answer,
    Browser,
    GunicornConfig,
    Servers,
    csrf_token,
    free_port,
    latency_lines,
    percentile,
    report_cpu,
    server_env,
    session_cookie,
)

QUESTIONS = 10
PASSWORD = "scale-out-Pa55word"  # noqa: S105 - a throwaway account in a throwaway database
RADIO = re.compile(
    r'<input[^>]*type="radio"[^>]*name="(q\d+)"[^>]*value="([^"]+)"[^>]*>\s*<span>([^<]*)</span>'
)
RIGHT, WRONG = "Option C", "Option A"
OLD_BODY = "Lesson text."  # the body LessonPageFactory gives
STEPS = ("intro", "start", "attempt", "save", "submit")
DEFAULT_GUNICORN = "sync:2"


@dataclass
class World:
    quiz: Any
    lesson_pk: int
    course_path: str
    trainee: Any
    sessions: list[tuple[int, str]]  # (user id, session key) per burst trainee
    warmup_sessions: list[tuple[int, str]]


def skip_reason() -> str:
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":
        return f"needs PostgreSQL (DATABASE_URL=postgres://...), not {connection.vendor}"
    if not settings.REDIS_URL:
        return "needs Redis for the shared cache and queue (REDIS_URL=redis://...)"
    return ""


def build_world(trainees: int, warmups: int, secret_key: str) -> World:
    """The course, quiz and trainees; sessions signed with the servers' `secret_key`."""
    from django.conf import global_settings
    from django.test import Client, override_settings
    from wagtail.models import Site

    from courses import structure_cache
    from courses.services import enrol
    from tests.factories import QuizPageFactory, UserFactory, build_tree, make_question

    # Whatever an earlier run left in this Redis database is stale from now on.
    structure_cache.invalidate()
    Site.clear_site_root_paths_cache()
    # Its own course: the scenarios before it in the same run built theirs under "test-course".
    tree = build_tree(lessons=1, title="Scale-out course")
    options = [(f"Option {c}", c == "C", "") for c in "ABCD"]
    questions = [
        make_question("single_choice", key=f"scale-{i}", options=options)
        for i in range(1, QUESTIONS + 1)
    ]
    quiz = QuizPageFactory.create(
        parent=tree.module,
        questions=questions,
        title="Scale-out quiz",
        slug="scale-out-quiz",
        attempts_allowed=0,
        shuffle_questions=True,
        shuffle_options=True,
    )
    # Signs in over HTTP: the production servers check the password with their own hasher.
    trainee = UserFactory.create(username="scale-trainee", groups=["Trainees"])
    with override_settings(PASSWORD_HASHERS=global_settings.PASSWORD_HASHERS):
        trainee.set_password(PASSWORD)
        trainee.save()
    enrol(trainee, tree.course)

    def signed_in(prefix: str, count: int) -> list[tuple[int, str]]:
        sessions = []
        with override_settings(SECRET_KEY=secret_key):
            for k in range(count):
                user = UserFactory.create(username=f"{prefix}-{k}", groups=["Trainees"])
                enrol(user, tree.course)
                client = Client()
                client.force_login(user)
                sessions.append((user.pk, client.cookies[session_cookie()].value))
        return sessions

    return World(
        quiz,
        tree.lessons[0].pk,
        tree.course.url,
        trainee,
        signed_in("scale-burst", trainees),
        signed_in("scale-warmup", warmups),
    )


# The quiz, as a browser takes it ----------------------------------------------------------------


def answers_for(page_html: str, right: int) -> list[tuple[str, str]]:
    """Form data answering the first `right` questions on the page right and the rest wrong."""
    options: dict[str, dict[str, str]] = {}
    for name, token, text in RADIO.findall(page_html):
        options.setdefault(name, {})[text.strip()] = token
    if len(options) != QUESTIONS:
        raise BenchmarkError(f"the attempt page shows {len(options)} questions, not {QUESTIONS}")
    data: list[tuple[str, str]] = []
    for position, name in enumerate(sorted(options, key=lambda n: int(n[1:]))):
        choice = options[name][RIGHT if position < right else WRONG]
        data += [(f"{name}-shown", "1"), (name, choice)]
    return data


def expect(response, status: int, step: str) -> None:
    if response.status_code != status:
        raise BenchmarkError(
            f"{step}: {response.request.method} {response.url} answered "
            f"{response.status_code}, expected {status}"
        )


def take_quiz(browser: Browser, quiz_path: str, right: int, instances: list[int]) -> None:
    """The five exam requests, the i-th sent to `instances[i]`; raises on a wrong answer."""
    intro = browser.get("intro", instances[0], quiz_path)
    expect(intro, 200, "intro")
    token = {"csrfmiddlewaretoken": csrf_token(intro)}
    started = browser.post("start", instances[1], quiz_path + "start/", token)
    expect(started, 302, "start")
    attempt_path = started.headers["Location"]
    if "/attempt/" not in attempt_path:
        raise BenchmarkError(f"start redirected to {attempt_path}")
    page = browser.get("attempt", instances[2], attempt_path)
    expect(page, 200, "attempt")
    data = [("csrfmiddlewaretoken", csrf_token(page)), *answers_for(page.text, right)]
    saved = browser.post("save", instances[3], attempt_path + "save/", [*data, ("next", "stay")])
    expect(saved, 302, "save")
    submitted = browser.post("submit", instances[4], attempt_path + "submit/", data)
    expect(submitted, 302, "submit")
    if "/result/" not in submitted.headers["Location"]:
        raise BenchmarkError(f"submit redirected to {submitted.headers['Location']}")


# The demonstrations ----------------------------------------------------------------------------


def shared_session(world: World, instances: list[str]) -> None:
    """a. Sign in on A, start on A, continue (attempt page, save, submit) on B."""
    from quizzes.models import Attempt, AttemptState

    browser = Browser(instances)
    try:
        form = browser.get("login", 0, "/accounts/login/")
        expect(form, 200, "login form")
        credentials = {"username": world.trainee.username, "password": PASSWORD}
        signed_in = browser.post(
            "login", 0, "/accounts/login/", {"csrfmiddlewaretoken": csrf_token(form), **credentials}
        )
        expect(signed_in, 302, "sign-in on A")
        take_quiz(browser, world.quiz.url, right=7, instances=[1, 0, 1, 1, 1])
    finally:
        browser.close()
    attempt = Attempt.objects.get(user=world.trainee, quiz=world.quiz)
    if attempt.state != AttemptState.GRADED or attempt.score != Decimal(7):
        raise BenchmarkError(f"attempt {attempt.state}, scored {attempt.score}; expected 7")
    print(
        "    a. signed in on A, started on A; attempt page, save and submit on B: "
        "graded 7/10, as sent",
        flush=True,
    )


def cross_process_publish(world: World, instances: list[str]) -> None:
    """b. B serves a lesson; this process publishes a new revision; B serves the new one."""
    from courses.models import LessonPage

    browser = Browser(instances)
    try:
        browser.sign_in_as(world.warmup_sessions[0][1])
        lesson = LessonPage.objects.get(pk=world.lesson_pk)
        before = browser.get("lesson", 1, lesson.url)
        expect(before, 200, "lesson on B")
        expect(browser.get("course", 1, world.course_path), 200, "course on B")  # cached now
        stamp = secrets.token_hex(4)
        title, body = f"Lesson 1, revised {stamp}", f"Revised body {stamp}."
        lesson.title = title
        lesson.body = [{"type": "text", "value": f"<p>{body}</p>"}]
        lesson.save_revision().publish()
        after = browser.get("lesson", 1, lesson.url)
        course = browser.get("course", 1, world.course_path)
    finally:
        browser.close()
    expect(after, 200, "lesson on B after publishing")
    if OLD_BODY not in before.text or OLD_BODY in after.text or body not in after.text:
        raise BenchmarkError("instance B did not serve the new revision's body")
    if title not in course.text:
        raise BenchmarkError("instance B's course page kept the old lesson title (stale cache)")
    print(
        "    b. published a lesson revision from a third process (ORM); B's next requests "
        "showed the new body and, on the course page, the new title",
        flush=True,
    )


def burst(
    world: World, sessions: list[tuple[int, str]], instances: list[str], concurrency: int
) -> tuple[float, list[Answer], list[str]]:
    """Every trainee of `sessions` takes the quiz; returns the wall time, every exchange, and
    what went wrong (a trainee stops at their first unexpected answer)."""
    failures: list[str] = []
    answers: list[Answer] = []

    def one(k: int) -> None:
        browser = Browser(instances)
        browser.sign_in_as(sessions[k][1])
        try:
            take_quiz(browser, world.quiz.url, k % 11, [(k + i) % 2 for i in range(5)])
        except Exception as exc:  # recorded and counted; the burst goes on
            failures.append(f"trainee {k}: {exc}")
        finally:
            answers.extend(browser.answers)
            browser.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, range(len(sessions))))
    wall = time.perf_counter() - started
    for failure in failures[:5]:
        print(f"    !! {failure}", flush=True)
    return wall, answers, failures


def check_results(world: World, number: int) -> int:
    """Each burst trainee's `number`-th attempt is graded and scored as its answers imply."""
    from quizzes.models import Attempt, AttemptState

    expected = {user_id: Decimal(k % 11) for k, (user_id, _) in enumerate(world.sessions)}
    attempts = list(Attempt.objects.filter(quiz=world.quiz, user_id__in=expected, number=number))
    wrong = [
        a for a in attempts if a.state != AttemptState.GRADED or a.score != expected[a.user_id]
    ]
    if len(attempts) != len(expected) or wrong:
        raise BenchmarkError(
            f"{len(attempts)} attempts for {len(expected)} trainees; {len(wrong)} not graded "
            "as the answers sent"
        )
    return len(attempts)


def report(wall: float, answers: list[Answer], failures: list[str], config: GunicornConfig) -> str:
    """Print the burst's figures; return its one-line summary."""
    errors = sum(1 for a in answers if not 200 <= a.status < 400)
    ms = [a.ms for a in answers]
    summary = (
        f"{config.describe():32} {wall:6.2f} s {len(answers) / wall:5.0f} req/s "
        f"{errors:3} errors  p50 {percentile(ms, 50):5.0f} ms  p90 {percentile(ms, 90):5.0f} ms"
    )
    per_instance = [sum(1 for a in answers if a.instance == i) for i in (0, 1)]
    print(
        f"    c. exam burst, 2 instances x {config.describe()}: {len(answers)} requests "
        f"(A/B {per_instance[0]}/{per_instance[1]}) in {wall:.2f} s = "
        f"{len(answers) / wall:.0f} requests/s; {errors} errors (not 2xx/3xx), "
        f"{len(failures)} trainees stopped by an unexpected answer",
        flush=True,
    )
    for line in latency_lines(answers, STEPS):
        print(f"       {line}", flush=True)
    return summary


@scenario("scale-out", "two gunicorn instances + worker on PostgreSQL and Redis: exam burst")
def scale_out(bench: Bench) -> list[Row]:
    reason = skip_reason()
    if reason:
        print(f"    skipped: {reason}", flush=True)
        return []
    configs = [
        GunicornConfig.parse(text)
        for text in os.environ.get("SCALE_OUT_GUNICORN", DEFAULT_GUNICORN).split(",")
    ]
    concurrency = int(os.environ.get("SCALE_OUT_CONCURRENCY", "32"))
    trainees = int(os.environ.get("SCALE_OUT_TRAINEES", "100"))
    secret_key = secrets.token_urlsafe(50)
    workdir = Path(tempfile.mkdtemp(prefix="hfs-scale-out-"))
    started = time.perf_counter()
    world = build_world(trainees, int(os.environ.get("SCALE_OUT_WARMUP", "8")), secret_key)
    print(f"    built the course and trainees in {time.perf_counter() - started:.0f} s", flush=True)
    servers = Servers(server_env(workdir, secret_key), workdir)
    summaries = []
    try:
        started = time.perf_counter()
        servers.manage("collectstatic", "--noinput", "--verbosity", "0")
        servers.start_worker()
        for number, config in enumerate(configs, start=1):
            ports = [free_port(), free_port()]
            instances = [
                servers.start_gunicorn(f"web-{number}-{name}", port, config)
                for name, port in zip("ab", ports, strict=True)
            ]
            for base in instances:
                servers.wait_until_live(base)
            servers.check_running()
            print(
                f"    running {' and '.join(instances)} ({config.describe()} each) and the task "
                f"worker, {time.perf_counter() - started:.0f} s after the start (logs: {workdir})",
                flush=True,
            )
            if number == 1:
                shared_session(world, instances)
                cross_process_publish(world, instances)
            _, _, failures = burst(world, world.warmup_sessions, instances, concurrency)
            if failures:
                raise BenchmarkError(f"warm-up: {failures[0]}")
            cpu_before = {**servers.cpu_seconds(), "client": time.process_time()}
            wall, answers, failures = burst(world, world.sessions, instances, concurrency)
            cpu_after = {**servers.cpu_seconds(), "client": time.process_time()}
            servers.check_running()
            summaries.append(report(wall, answers, failures, config))
            report_cpu(cpu_before, cpu_after, len(answers))
            graded = check_results(world, number)
            print(f"       database: {graded} graded attempts, each as its answers imply")
            servers.stop("web-")
            started = time.perf_counter()
    except BaseException:
        print(f"    the servers' logs are kept in {workdir}", flush=True)
        raise
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    finally:
        servers.stop()
    print(
        f"    bursts of {trainees} x 5 requests from {concurrency} threads, "
        f"{os.cpu_count()} cores (shared with PostgreSQL, Redis, the worker and the client):"
    )
    for summary in summaries:
        print(f"      {summary}", flush=True)
    return []
