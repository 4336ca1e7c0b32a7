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
    The scenarios (lesson-page, learn-dashboard, course-page, quiz-intro, quiz-attempt-page,
                  quiz-save, quiz-submit, clinic-dashboard, clinic-csv, and on PostgreSQL
                  with Redis scale-out: two gunicorn instances and the exam burst) each say
                  what they build and request in their module's docstring, in
                  benchmarks/scenarios/. item-statistics times a pure function, not a
                  request: the item-statistics engine on 10,000 attempts.

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
proportion to the number of templates rendered; the clinic dashboard renders its rows and their
checkboxes in its own template, not one template per cell or checkbox.
On SQLite each submit's commit waits for the disk, so its spread depends on the disk too.

Nothing here asserts a timing: it is not a test, and a slow figure is something to look into,
not a failure. The script builds its own throwaway database with Django's test database
machinery (.bench-db.sqlite3 in a temporary folder on SQLite, test_<name>_bench on PostgreSQL)
and destroys it at the end, so it never touches a developer database or a running test suite's.

Adding a scenario: in a module of benchmarks/scenarios/ (listed in its __init__.py), write a
function that takes the Bench and returns rows (see quiz_submit.py), decorate it with
@scenario("name", "summary") from benchmarks/harness.py, and time its request with measure().
Build its data with the test factories (tests.factories). Data that several scenarios read is
built once and kept in bench.shared (see progress_pages.learners()).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import benchmarks.scenarios  # noqa: F401  (registers every scenario)
from benchmarks.harness import main

if __name__ == "__main__":
    sys.exit(main())
