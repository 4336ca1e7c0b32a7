"""The item-statistics engine against Moodle's own fixture, within Moodle's tolerances.

Moodle's stats_from_steps_walkthrough_test.php walks attempts through a quiz until their marks
are those of results00.csv, then compares its statistics with qstats00.csv (per question) and
with the quiz-level values written in the test. We feed the same marks to our engine (through
the `item_statistics --marks` command, as a user would) and compare the same way. The fixture is
GPL and stays in the shared corpora: the test skips when it is absent.
"""

from __future__ import annotations

import csv
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

# The quiz-level values stats_from_steps_walkthrough_test.php expects (its lines 102-113), with
# our names for Moodle's (firstattemptsavg -> mean, firstattemptscount -> attempts).
QUIZ_EXPECTED = {
    "median": 4.5,
    "mean": 4.617333332,
    "attempts": 25,
    "standarddeviation": 0.8117265554,
    "skewness": -0.092502502,
    "kurtosis": -0.7073968557,
    "cic": -87.2230935542,
    "errorratio": 136.8294900795,
    "standarderror": 1.1106813066,
}
# Per-question tolerances of the PHP test: relative 1e-5 for these, 1e-6 for the rest.
LOOSER = {"covariance", "discriminationindex", "discriminativeefficiency", "effectiveweight"}


@pytest.fixture
def fixture_dir(corpora) -> Path:
    folder = corpora / "moodle-quiz-statistics"
    if not (folder / "results00.csv").is_file() or not (folder / "qstats00.csv").is_file():
        pytest.skip(f"Moodle's quiz statistics fixture not found in {folder}")
    return folder


def statistics_json(path: Path) -> dict:
    out = StringIO()
    call_command("item_statistics", marks=str(path), json=True, stdout=out)
    return json.loads(out.getvalue())


def test_the_quiz_level_figures_match_moodle(fixture_dir):
    quiz = statistics_json(fixture_dir / "results00.csv")["quiz"]

    for name, expected in QUIZ_EXPECTED.items():
        assert quiz[name] == pytest.approx(expected, rel=1e-5, abs=0), name


def test_every_question_figure_in_qstats_matches_moodle(fixture_dir):
    questions = {q["slot"]: q for q in statistics_json(fixture_dir / "results00.csv")["questions"]}
    with (fixture_dir / "qstats00.csv").open(newline="") as file:
        rows = list(csv.DictReader(file))

    assert len(rows) == len(questions) == 7
    compared = 0
    for row in rows:
        ours = questions[int(row["slot"])]
        for name, value in row.items():
            if name == "slot":
                continue
            tolerance = 1e-5 if name in LOOSER else 1e-6
            assert ours[name] == pytest.approx(float(value), rel=tolerance, abs=0), (
                f"{name} for slot {row['slot']}"
            )
            compared += 1
    assert compared == 7 * 9  # every column Moodle checks, for every slot


def test_the_fixture_marks_give_every_attempt_to_every_question(fixture_dir):
    questions = statistics_json(fixture_dir / "results00.csv")["questions"]

    assert [q["s"] for q in questions] == [25] * 7
    assert [q["slot"] for q in questions] == list(range(1, 8))
