"""The documented example case, imported as a case quiz into the test tree's module."""

from __future__ import annotations

from pathlib import Path

from django.core.management import call_command

from quizzes.models import QuizPage
from tests.factories import CompetencyFactory
from tests.quizzes.case_files import ensure_objective

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "example.case.toml"


def import_example_case(tree) -> QuizPage:
    """Import docs/example.case.toml under `tree.module`; its quiz page."""
    CompetencyFactory(code="HFS-K1")
    ensure_objective(tree.module)
    call_command(
        "import_case", str(EXAMPLE), module=f"{tree.course.slug}/{tree.module.slug}", verbosity=0
    )
    return QuizPage.objects.get(slug="example-eyelid-twitch")
