"""Quiz background jobs (periodic: registered in QuizzesConfig.ready), and the item statistics
report's computation (quizzes.statistics_store)."""

from django_tasks import task

from core.tasks import retry_later
from quizzes.item_statistics_data import StatisticsError
from quizzes.lifecycle import close_overdue_attempts
from quizzes.models import QuizPage
from quizzes.statistics_store import ATTEMPT_CHOICES, compute_and_store


@task()
def close_overdue_attempts_task() -> int:
    """Grade attempts whose time ran out with what was saved; returns how many were closed."""
    return close_overdue_attempts().closed


@task()
def compute_item_statistics_task(
    quiz_id: int, attempts: str, by_stage: bool, attempt: int = 1
) -> int:
    """Compute and store a quiz's item statistics (a no-op when the stored ones are current);
    returns the number of attempts counted. Retried with a growing delay when it fails."""
    quiz = QuizPage.objects.filter(pk=quiz_id).first()
    if quiz is None or attempts not in ATTEMPT_CHOICES:
        return 0
    try:
        result = compute_and_store(quiz, attempts, by_stage)
    except StatisticsError:
        return 0  # by stage, of a quiz without a case: trying again cannot help
    except Exception:
        retry_later(compute_item_statistics_task, quiz_id, attempts, by_stage, attempt=attempt)
        raise
    return int((result.data or {}).get("quiz", {}).get("attempts", 0))
