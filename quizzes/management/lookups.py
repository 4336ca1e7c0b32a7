"""Finding what a management command's argument names."""

from django.core.management.base import CommandError

from quizzes.models import QuizPage


def quiz_from_argument(value: str) -> QuizPage:
    """The quiz with this slug, or with this page id when the slug matches none."""
    matches = list(QuizPage.objects.filter(slug=value).order_by("path")[:10])
    if not matches and value.isdigit():
        matches = list(QuizPage.objects.filter(pk=int(value)))
    if not matches:
        raise CommandError(f"No quiz with the slug “{value[:80]}”.")
    if len(matches) > 1:
        where = ", ".join(f"{q.pk} ({q.url_path})" for q in matches)
        raise CommandError(
            f"The slug “{value}” matches {len(matches)} quizzes: {where}. Give the page id instead."
        )
    return matches[0]
