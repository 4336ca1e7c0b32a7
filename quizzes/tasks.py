"""Quiz background jobs (periodic: registered in QuizzesConfig.ready)."""

from django_tasks import task

from quizzes.lifecycle import close_overdue_attempts


@task()
def close_overdue_attempts_task() -> int:
    """Grade attempts whose time ran out with what was saved; returns how many were closed."""
    return close_overdue_attempts().closed
