"""clinic-dashboard and clinic-csv: a clinic manager's certification matrix and its CSV.

clinic-dashboard GETs /clinics/<slug>/ by the clinic's manager: the staff x programme matrix
(certification/clinics.py), its status summary, and the "Assign a programme" form, whose staff
field is a checkbox per staff member. Two clinics of one shape: "small", 20 staff, and "1000
staff x 3 programmes" (clinic_data.py says what the staff have done). Every response is
checked (untimed, warm-ups included) to answer 200, to say "1000 staff members" (or 20) in the
table's caption, and to show all seven statuses in its summary, adding up to staff x
programmes.

clinic-csv GETs /clinics/<slug>/report.csv for the same two clinics, the streamed body read to
its end inside the timed part (the matrix is built before the first line is sent, so the body
alone is a small part). Checked to answer 200 with the header and a line per staff member and
programme (3,001 lines at 1,000).

Both use the page repetitions, and both print their query counts per size as they go: at 1,000
staff the dashboard takes about half a second a request, so the two add about 20 s to a full
run.
"""

from __future__ import annotations

import re
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
        timing = measure(partial(prepare_for, setup, client), bench.reps(PAGE_REPS))
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
