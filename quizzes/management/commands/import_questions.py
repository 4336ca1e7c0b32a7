"""`python manage.py import_questions FILE --category NAME --source KEY`: a Moodle bank in.

GIFT or Moodle XML (guessed from the content unless `--format` says); every question becomes a
draft in Clinical review citing the Source KEY. `--dry-run` shows what would happen and writes
nothing. A file that cannot be read stops with its error (naming the question, and the line
where the format has lines), writes nothing and exits non-zero.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.models import Source
from quizzes.interchange import files
from quizzes.interchange.drafts import NoReviewWorkflow
from quizzes.interchange.importing import import_file
from quizzes.interchange.records import InterchangeError


class Command(BaseCommand):
    help = (
        "Import Moodle questions (GIFT or Moodle XML) into the question bank as drafts in "
        "Clinical review. Importing the same file again updates the questions it imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--category", required=True, help="Root category the file's categories go under."
        )
        parser.add_argument(
            "--source", required=True, help="Key of the Source every question cites."
        )
        parser.add_argument("--format", choices=sorted(files.FORMATS), default=None)
        parser.add_argument("--dry-run", action="store_true", help="Show, write nothing.")

    def handle(self, *args, file: Path, category: str, source: str, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        if not category.strip():
            raise CommandError("--category: give the name of the root category")
        cited = Source.objects.filter(key=source).first()
        if cited is None:
            raise CommandError(f"--source: no Source has the key {source!r}")
        try:
            parsed = files.read(file.read_bytes(), options["format"])
            summary = import_file(
                parsed,
                source=cited,
                category=category,
                user=None,
                dry_run=options["dry_run"],
                file_name=file.name,
            )
        except (InterchangeError, NoReviewWorkflow) as exc:
            raise CommandError(f"Nothing was imported: {exc}") from exc
        lines = summary.lines()
        for line in lines[1:]:
            self.stdout.write(f"  {line}")
        self.stdout.write(self.style.SUCCESS(lines[0]))
