"""The import_questions and export_questions commands: exit codes, dry run, errors."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from quizzes.interchange import files
from quizzes.interchange.records import Answer, ImportFile, InterchangeError, QuestionRecord
from quizzes.models import Question
from tests.factories import SourceFactory, make_question
from tests.factories.quizzes import QuestionCategoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def parsed(monkeypatch):
    """The parser's answer for any file (the parsers are tested on their own)."""
    result = ImportFile(
        format="gift",
        questions=[
            QuestionRecord(
                type="single_choice",
                name="Depth limit on the cheek",
                text="<p>How deep?</p>",
                idnumber="m-1",
                answers=[Answer("Shallow", Decimal(1)), Answer("Deep", Decimal(0))],
            )
        ],
    )
    monkeypatch.setattr(files, "read", lambda data, fmt=None: result)
    return result


def test_import_writes_drafts_and_says_so(parsed, roles, tmp_path: Path, capsys):
    source = SourceFactory(key="moodle-bank")
    bank = tmp_path / "bank.gift"
    bank.write_text("::Depth limit on the cheek:: How deep? {=Shallow ~Deep}")
    call_command("import_questions", str(bank), "--category", "Moodle", "--source", source.key)
    assert "1 imported, 0 updated, 0 skipped" in capsys.readouterr().out
    assert Question.objects.get().passage == "Imported from bank.gift"


def test_a_dry_run_writes_nothing(parsed, roles, tmp_path: Path, capsys):
    source = SourceFactory(key="moodle-bank")
    bank = tmp_path / "bank.gift"
    bank.write_text("x")
    call_command(
        "import_questions", str(bank), "--category", "M", "--source", source.key, "--dry-run"
    )
    assert "Dry run, nothing written: 1 imported" in capsys.readouterr().out
    assert not Question.objects.exists()


def test_a_bad_file_fails_cleanly_and_writes_nothing(roles, tmp_path: Path, monkeypatch):
    def broken(data, fmt=None):
        raise InterchangeError("Invalid fraction 33", question="Q1", line=4)

    monkeypatch.setattr(files, "read", broken)
    source = SourceFactory(key="moodle-bank")
    bank = tmp_path / "bank.xml"
    bank.write_text("<quiz/>")
    with pytest.raises(CommandError, match=r"Invalid fraction 33 \(question 'Q1', line 4\)"):
        call_command("import_questions", str(bank), "--category", "M", "--source", source.key)
    assert not Question.objects.exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["missing.gift", "--category", "M", "--source", "moodle-bank"], "no such file"),
        (["{file}", "--category", "M", "--source", "nope"], "no Source"),
    ],
)
def test_bad_arguments_are_refused(roles, tmp_path: Path, args, message):
    SourceFactory(key="moodle-bank")
    bank = tmp_path / "bank.gift"
    bank.write_text("x")
    args = [
        a.replace("{file}", str(bank))
        if a == "{file}"
        else str(tmp_path / a)
        if a.endswith(".gift")
        else a
        for a in args
    ]
    with pytest.raises(CommandError, match=message):
        call_command("import_questions", *args)


def test_a_nonzero_exit_from_the_command_line(roles, tmp_path: Path):
    import subprocess
    import sys

    result = subprocess.run(  # noqa: S603 - our own manage.py
        [
            sys.executable,
            "manage.py",
            "import_questions",
            str(tmp_path / "none.gift"),
            "--category",
            "M",
            "--source",
            "x",
        ],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        check=False,
    )
    assert result.returncode != 0 and "no such file" in result.stderr


def test_export_writes_a_file(db, tmp_path: Path, monkeypatch):
    category = QuestionCategoryFactory(key="bank", name="Bank")
    make_question("single_choice", category=category)
    monkeypatch.setattr(files, "write", lambda parsed, fmt: f"{len(parsed.questions)} in {fmt}")
    out = tmp_path / "bank.xml"
    call_command(
        "export_questions", "--category", "Bank", "--format", "moodlexml", "--output", str(out)
    )
    assert out.read_text() == "1 in moodlexml"


def test_export_of_an_unknown_category_fails(db):
    with pytest.raises(CommandError, match="No question category"):
        call_command("export_questions", "--category", "Nowhere", "--format", "gift")
