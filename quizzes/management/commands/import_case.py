"""`python manage.py import_case FILE --module COURSE/MODULE`: add or update a case quiz."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.curriculum import CurriculumError
from courses.curriculum import CourseLoader
from courses.models import ModulePage
from quizzes.cases import import_case_file


class Command(BaseCommand):
    help = (
        "Import a clinical case and its staged questions from a case file (format: curriculum/README.md) "
        "as a case quiz in a module. Running it again updates the case; a bad file imports nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--module",
            default="hemifacial-spasm/case-studies",
            help="COURSE-SLUG/MODULE-SLUG of the module to hold the quiz (default: %(default)s).",
        )

    def handle(self, *args, file: Path, module: str, verbosity: int = 1, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        course_slug, _, module_slug = module.partition("/")
        target = ModulePage.objects.filter(
            slug=module_slug, url_path__contains=f"/{course_slug}/{module_slug}/"
        ).first()
        if target is None:
            raise CommandError(
                f"No module '{module}' (give COURSE-SLUG/MODULE-SLUG, e.g. hemifacial-spasm/case-studies)"
            )
        loader = CourseLoader.from_database()
        loader.use_course_objectives(target.get_parent())
        try:
            with transaction.atomic():
                quiz = import_case_file(loader, file, target)
        except CurriculumError as exc:
            raise CommandError(f"Nothing was imported: {exc}") from exc
        if verbosity:
            for key in sorted(loader.stats):
                self.stdout.write(f"  {key}: {loader.stats[key]}")
            self.stdout.write(
                self.style.SUCCESS(f"Case quiz ready at {quiz.url_path.split('/', 2)[-1]}")
            )
