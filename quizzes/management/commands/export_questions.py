"""`python manage.py export_questions --category NAME --format gift|moodlexml [--output FILE]`."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from quizzes.interchange import files
from quizzes.interchange.exporting import UnknownCategory, export_file
from quizzes.interchange.records import InterchangeError


class Command(BaseCommand):
    help = (
        "Export the questions of a category (and the categories under it) as GIFT or Moodle "
        "XML; importing the export gives the same questions back."
    )

    def add_arguments(self, parser):
        parser.add_argument("--category", required=True, help="Category name (or key).")
        parser.add_argument("--format", required=True, choices=sorted(files.FORMATS))
        parser.add_argument("--output", type=Path, default=None, help="File (default: stdout).")

    def handle(self, *args, category: str, format: str, output: Path | None, **options):
        try:
            parsed = export_file(category, format)
            text = files.write(parsed, format)  # type: ignore[arg-type]
        except (UnknownCategory, InterchangeError) as exc:
            raise CommandError(str(exc)) from exc
        if output is None:
            self.stdout.write(text, ending="")
            return
        output.write_text(text, encoding="utf-8")
        self.stderr.write(f"{len(parsed.questions)} questions written to {output}")
