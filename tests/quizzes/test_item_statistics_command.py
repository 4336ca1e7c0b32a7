"""`manage.py item_statistics`: a marks CSV or a quiz in, Moodle-named figures out; bad input
is a one-line error and a non-zero exit, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.factories import ModulePageFactory, make_question, make_quiz
from tests.quizzes.example_case import import_example_case
from tests.quizzes.statistics_attempts import answer, learner, make_stats_quiz, take_stats_quiz


@pytest.fixture
def stats_quiz(tree):
    return make_stats_quiz(tree)


MARKS = "quizattempt,slots.1.mark,slots.2.mark,summarks\n1,1,0.5,1.5\n2,0,,0\n3,1,1,2\n"


def run(**options) -> str:
    out = StringIO()
    call_command("item_statistics", stdout=out, **options)
    return out.getvalue()


def test_marks_json_has_moodle_names_and_an_empty_cell_means_not_presented(tmp_path):
    path = tmp_path / "marks.csv"
    path.write_text(MARKS)

    data = json.loads(run(marks=str(path), json=True))

    assert data["quiz"]["attempts"] == 3 and data["quiz"]["median"] == 1.5
    first, second = data["questions"]
    assert (first["slot"], first["s"], second["s"]) == (1, 3, 2)
    assert {"facility", "sd", "discriminationindex", "discriminativeefficiency"} <= set(first)
    assert {"effectiveweight", "randomguessscore"} <= set(first)


def test_max_marks_scale_the_facility(tmp_path):
    path = tmp_path / "marks.csv"
    path.write_text(MARKS)

    data = json.loads(run(marks=str(path), json=True, max_marks="1,2"))

    assert data["questions"][1]["facility"] == pytest.approx(0.375)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty"),
        ("slot,facility\n1,0.5\n", "unknown column “slot”"),
        ("quizattempt,summarks\n1,2\n", "no slots.N.mark column"),
        ("slots.1.mark,slots.1.mark\n1,1\n", "appears twice"),
        ("slots.1.mark,slots.2.mark\n1,one\n", "row 2, column slots.2.mark: “one” is not a number"),
        ("slots.1.mark\n1\nnan\n", "row 3, column slots.1.mark"),
        ("slots.1.mark,slots.2.mark\n1\n", "row 2 has 1 cells, the header 2"),
    ],
)
def test_a_bad_marks_file_names_the_problem(tmp_path, content, message):
    path = tmp_path / "marks.csv"
    path.write_text(content)

    with pytest.raises(CommandError, match=message):
        run(marks=str(path))


def test_a_missing_or_unreadable_marks_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run(marks=str(tmp_path / "absent.csv"))
    with pytest.raises(CommandError, match="is a folder"):
        run(marks=str(tmp_path))
    (tmp_path / "binary.csv").write_bytes(b"\xff\xfe\x00slots")
    with pytest.raises(CommandError, match="not a UTF-8 text file"):
        run(marks=str(tmp_path / "binary.csv"))
    with pytest.raises(CommandError, match="--max-marks takes numbers"):
        run(marks=str(tmp_path / "absent.csv"), max_marks="1,x")


def test_from_the_shell_a_bad_file_exits_non_zero_without_a_traceback(tmp_path):
    path = tmp_path / "marks.csv"
    path.write_text("slot,facility\n")

    result = subprocess.run(  # noqa: S603 (the arguments are the test's own)
        [sys.executable, "manage.py", "item_statistics", "--marks", str(path), "--json"],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 1
    assert "unknown column" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


@pytest.mark.django_db
def test_quiz_prints_a_table_and_json(tree, stats_quiz):
    take_stats_quiz(tree, stats_quiz)
    table = run(quiz="stats")
    data = json.loads(run(quiz="stats", json=True, all_attempts=True))

    assert "Attempts 4" in table and "A question about single_choice" in table
    assert "Under 10 mm" in table
    assert data["quiz"]["attempts"] == 5
    assert data["questions"][0]["option_counts"] == {"Under 10 mm": 2, "25 mm": 1, "40 mm": 0}


@pytest.mark.django_db
def test_quiz_by_stage_prints_stages(tree):
    quiz = import_example_case(tree)
    user = learner(tree, "case-learner")
    answer(user, quiz, {})

    data = json.loads(run(quiz=quiz.slug, json=True, by_stage=True))

    assert [q["slot"] for q in data["questions"]] == ["stage-1", "stage-2"]


@pytest.mark.django_db
def test_an_unknown_ambiguous_or_stageless_quiz_is_a_clear_error(tree, stats_quiz):
    other = ModulePageFactory(parent=tree.course, title="Module 2")
    make_quiz(other, [make_question("true_false")], slug="stats")

    with pytest.raises(CommandError, match="No quiz with the slug “nope”"):
        run(quiz="nope")
    with pytest.raises(CommandError, match=r"matches 2 quizzes.*Give the page id instead"):
        run(quiz="stats")
    assert json.loads(run(quiz=str(stats_quiz.pk), json=True))["quiz"]["attempts"] == 0
    with pytest.raises(CommandError, match="not a case quiz"):
        run(quiz=str(stats_quiz.pk), by_stage=True)
    with pytest.raises(CommandError, match="apply to --quiz only"):
        run(marks="x.csv", by_stage=True)
