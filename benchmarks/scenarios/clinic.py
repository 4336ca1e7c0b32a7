"""clinic-dashboard and clinic-csv: a clinic manager's certification matrix and its CSV.

clinic-dashboard GETs /clinics/<slug>/ by the clinic's manager: one page (100 staff) of the
staff x programme matrix (certification/clinic_table.py), its status summary, and the "Assign
a programme" form. Three clinics of one shape: 30, 100 and 3,000 staff x 3 programmes
(clinic_data.py says what the staff have done): a third of a page, exactly one page, thirty
pages. Every response is checked (untimed, warm-ups included) to answer 200, to say "3000 staff
members" (or 30, 100) in the table's caption, to list a row per staff member up to a page's
worth (30, 100 and 100 rows), and to show all seven statuses in its summary, adding up to
staff x programmes. The timed requests find the clinic's summary cached (the warm-ups built
it), as every request does until a write changes a standing.
Two requests are timed apart and printed: the first after a global change (a programme, a
membership: it evaluates every staff member once, "after a change") and the first after one
trainee's change (an attempt graded: only that staff member is evaluated again and patched into
the summary, "after one trainee's change"). Printed: the time ratios 3000 vs 30 staff (the
target is at most 1.2) and 3000 vs 100 staff, and the queries at each size. 3000 vs 30 adds the
70 more rows a full page shows to the growth with the staff; 3000 vs 100 shows the same rows
(clinic_data.py gives every page the same mix of states), so it is the growth with the staff
alone, and the difference between the two ratios is the cost of the rows.

clinic-csv GETs /clinics/<slug>/report.csv for the same three clinics, the streamed body read to
its end inside the timed part. Checked to answer 200 with the header and a line per staff
member and programme (9,001 lines at 3,000). Its queries grow by a batch's worth per batch of
clinic_table.REPORT_BATCH staff, by design (no warning). Printed besides, untimed by the table: the time to
the first chunk of the body (the header; the response streams) and to the first batch of rows,
and the peak memory the whole request adds (tracemalloc, measured in a run of its own since
tracing slows everything down), at each size.

Both use the page repetitions and print their query counts per size as they go.
"""

from __future__ import annotations

import re
import statistics
import time
import tracemalloc
from collections.abc import Callable
from functools import partial
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
from benchmarks.scenarios.clinic_data import ClinicSetup, clinics

# A line of the dashboard's status summary: `...status--clinic-expired">Expired: 12</a>`.
SUMMARY_COUNT = re.compile(r'class="status status--clinic-(\w+)">[^<]*: (\d+)</a>')
# Every row of the table posts its staff member's id as "shown" (the selection's forms).
SHOWN_ROW = '<input type="hidden" name="shown" value="'


def expect_dashboard(response, setup: ClinicSetup, seen: dict[str, int]) -> None:
    """200, the staff count in the table's caption, a row per staff member up to a page's
    worth, and a summary in which every status of the matrix occurs and the cells add up to
    staff x programmes (copied into `seen`)."""
    from certification.views import STAFF_PER_PAGE

    expect_status(response, 200)
    html = response.content.decode()
    caption = f"<caption>{setup.size.staff} staff members"
    if caption not in html:
        raise BenchmarkError(f"GET {response.request['PATH_INFO']} does not say {caption!r}")
    rows, expected_rows = html.count(SHOWN_ROW), min(setup.size.staff, STAFF_PER_PAGE)
    if rows != expected_rows:
        raise BenchmarkError(f"the dashboard lists {rows} rows, expected {expected_rows}")
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
    bench: Bench,
    name: str,
    prepare_for: Callable[[ClinicSetup, Any], Trial],
    *,
    flat_queries: bool = True,
) -> list[Row]:
    """Time `prepare_for(setup, client)` for each clinic, signed in as its manager; warn if
    the query count depends on the size (unless it grows by design: `flat_queries`)."""
    rows = []
    for setup in clinics(bench):
        client = bench.signed_in_client(setup.manager)
        timing = measure(partial(prepare_for, setup, client), bench.reps(PAGE_REPS))
        rows.append(Row(name, setup.size.label, timing))
        print(
            f"    {setup.size.label}: {timing.queries} queries per request, "
            f"median {timing.median_ms:.0f} ms",
            flush=True,
        )
    if flat_queries:
        warn_if_queries_differ(bench, name, rows, "the clinic's size")
    return rows


@scenario(
    "clinic-dashboard",
    "GET /clinics/<slug>/ by its manager: 30 staff x 3 programmes, 100 x 3 and 3000 x 3",
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
    print_ratio("clinic-dashboard", rows)
    for setup in clinics(bench):
        print(f"    {setup.size.label}: {after_a_change_ms(bench, setup):.0f} ms after a change")
        print(
            f"    {setup.size.label}: {after_one_change_ms(bench, setup):.0f} ms "
            "after one trainee's change",
            flush=True,
        )
    return rows


def print_ratio(name: str, rows: list[Row]) -> None:
    """The largest size's time against each smaller one's, and the queries at each size."""
    large = rows[-1].timing
    ratios = "; ".join(
        f"{rows[-1].n} / {row.n}: {large.median_ms / row.timing.median_ms:.2f}x the time"
        for row in rows[:-1]
    )
    queries = ", ".join(str(row.timing.queries) for row in rows)
    print(f"    {name}: {ratios}; queries {queries}", flush=True)


def after_a_change_ms(bench: Bench, setup: ClinicSetup) -> float:
    """The dashboard's time when its summary must be built again (median of three)."""
    from django.urls import reverse

    from certification.clinic_generation import bump

    client = bench.signed_in_client(setup.manager)
    url = reverse("clinics:dashboard", args=[setup.clinic.slug])
    samples = []
    for _ in range(3):
        bump()
        started = time.perf_counter()
        expect_status(client.get(url), 200)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def after_one_change_ms(bench: Bench, setup: ClinicSetup) -> float:
    """The dashboard's time after one staff member's change is logged, as a graded attempt's
    receiver logs it (median of three; the summary is patched, not built again)."""
    from django.urls import reverse

    from certification.clinic_generation import record_change
    from certification.clinics import staff_memberships

    client = bench.signed_in_client(setup.manager)
    url = reverse("clinics:dashboard", args=[setup.clinic.slug])
    expect_status(client.get(url), 200)  # the summary cached
    trainee = staff_memberships(setup.clinic).values_list("user_id", flat=True).last()
    if trainee is None:
        raise BenchmarkError(f"{setup.size.label}: the clinic has no staff")
    samples = []
    for _ in range(3):
        record_change(trainee)
        started = time.perf_counter()
        expect_status(client.get(url), 200)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


@scenario(
    "clinic-csv",
    "GET /clinics/<slug>/report.csv, read to the end, for the same three clinics",
)
def clinic_csv(bench: Bench) -> list[Row]:
    from django.urls import reverse

    def prepare(setup: ClinicSetup, client) -> Trial:
        url = reverse("clinics:report_csv", args=[setup.clinic.slug])

        def call():
            response = client.get(url)
            return response, b"".join(response.streaming_content)

        return Trial(call, lambda result: expect_csv(result, setup))

    # The same queries for every batch of staff (clinic_table.REPORT_BATCH): the count grows
    # by one batch's worth per batch, by design, so it is printed rather than warned about.
    rows = measure_clinic_sizes(bench, "clinic-csv", prepare, flat_queries=False)
    print_ratio("clinic-csv", rows)
    for setup in clinics(bench):
        first, batch = first_bytes_ms(bench, setup)
        print(
            f"    {setup.size.label}: first byte {first:.1f} ms, first rows {batch:.0f} ms, "
            f"peak memory +{peak_memory_mb(bench, setup):.2f} MB",
            flush=True,
        )
    return rows


def first_bytes_ms(bench: Bench, setup: ClinicSetup) -> tuple[float, float]:
    """Medians over the page repetitions: time to the body's first chunk, then to its second
    (the first batch of rows); the rest of the body is read untimed."""
    from django.urls import reverse

    client = bench.signed_in_client(setup.manager)
    url = reverse("clinics:report_csv", args=[setup.clinic.slug])
    firsts, seconds = [], []
    for _ in range(bench.reps(PAGE_REPS).repeat):
        started = time.perf_counter()
        response = client.get(url)
        chunks = iter(response.streaming_content)
        next(chunks)
        firsts.append((time.perf_counter() - started) * 1000)
        next(chunks)
        seconds.append((time.perf_counter() - started) * 1000)
        for _ in chunks:
            pass
    return statistics.median(firsts), statistics.median(seconds)


def peak_memory_mb(bench: Bench, setup: ClinicSetup) -> float:
    """The peak memory one CSV request adds while read to its end, in MB (tracemalloc)."""
    from django.urls import reverse

    client = bench.signed_in_client(setup.manager)
    url = reverse("clinics:report_csv", args=[setup.clinic.slug])
    b"".join(client.get(url).streaming_content)  # warm: caches and lazy imports
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        lines = 0
        for chunk in client.get(url).streaming_content:
            lines += chunk.count(b"\r\n")  # not kept: a client writes the body out
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    if lines != setup.size.staff * setup.programmes + 1:
        raise BenchmarkError(f"the CSV had {lines} lines")
    return (peak - before) / 1_000_000
