"""The benchmark harness: repetitions, timing, the scenario registry, the table, the CLI.

Scenarios live in benchmarks/scenarios/ and register themselves with @scenario; run.py
imports them and calls main(). See run.py for what the figures mean.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
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


def warn_if_queries_differ(bench: Bench, name: str, rows: list[Row], what: str) -> None:
    """Warn if the rows' query counts differ: a query per item, somewhere (an N+1 query)."""
    counts = {row.n: row.timing.queries for row in rows}
    if len(set(counts.values())) > 1:
        bench.warn(
            f"{name}: the query count depends on {what} ("
            + ", ".join(f"{label}: {n}" for label, n in counts.items())
            + "): an N+1 query"
        )


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
