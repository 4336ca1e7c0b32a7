"""`python manage.py load_curriculum`: build or update the curriculum from curriculum/."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from academy.curriculum import load_curriculum
from core.curriculum import CurriculumError
from core.loader import DEFAULT_ROOT


class Command(BaseCommand):
    help = "Load or update the courses, lessons, quizzes and snippets from the curriculum folder. Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--root",
            type=Path,
            default=DEFAULT_ROOT,
            help="Curriculum folder (default: curriculum/).",
        )

    def handle(self, *args: Any, root: Path, verbosity: int = 1, **options: Any) -> None:
        try:
            stats = load_curriculum(root)
        except CurriculumError as exc:
            raise CommandError(f"Nothing was loaded: {exc}") from exc
        if verbosity:
            changed = sum(n for key, n in stats.items() if not key.endswith("unchanged"))
            for key in sorted(stats):
                self.stdout.write(f"  {key}: {stats[key]}")
            self.stdout.write(
                self.style.SUCCESS(f"Curriculum loaded ({changed} object(s) created or updated).")
            )
