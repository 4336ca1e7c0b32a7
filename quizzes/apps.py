from collections.abc import Iterable
from typing import Any

from django.apps import AppConfig
from django.db.models import QuerySet


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = "Quizzes"

    def ready(self) -> None:
        """Plug quizzes into the layers below: the quiz step of course progress, the /learn/
        panels, learner records, periodic jobs, the staff roles, and the structure cache's
        invalidation by question and case changes (the intro's cached facts)."""
        from datetime import timedelta

        from accounts.notifications import register_kind
        from core import roles
        from core.tasks import register_periodic
        from courses.dashboard import register_learn_panel
        from courses.learner_records import register_learner_records
        from courses.progress import register_step_kind
        from quizzes.dashboard import quiz_tables, recent_attempts
        from quizzes.intro import connect_signals
        from quizzes.tasks import close_overdue_attempts_task

        register_kind("essay.graded", "An essay answer of yours is graded")
        connect_signals()
        register_step_kind("quiz", pages=live_quizzes, done=quizzes_passed)
        register_learn_panel(
            "quizzes",
            slot="course",
            template="quizzes/includes/learn_quizzes.html",
            data=quiz_tables,
            order=20,
        )
        register_learn_panel(
            "recent-attempts",
            slot="after_active",
            template="quizzes/includes/learn_recent_attempts.html",
            data=recent_attempts,
            order=20,
        )
        register_learner_records("quizzes", count_quiz_records)
        register_periodic(
            "close-overdue-attempts", close_overdue_attempts_task, timedelta(minutes=5)
        )
        from quizzes.interchange.uploads import purge_stale_uploads_task

        register_periodic("purge-question-uploads", purge_stale_uploads_task, timedelta(hours=1))
        # Instructors write questions but cannot publish them: Clinical review approves.
        roles.grant_model_permissions(
            roles.INSTRUCTORS,
            {
                ("quizzes", "question"): ("add", "change", "view"),
                ("quizzes", "questioncategory"): ("add", "change", "view"),
                ("quizzes", "clinicalcase"): ("add", "change", "view"),
            },
        )
        roles.grant_model_permissions(
            roles.REVIEWERS,
            {
                ("quizzes", "question"): ("add", "change", "publish", "view"),
                ("quizzes", "questioncategory"): ("add", "change", "view"),
                ("quizzes", "clinicalcase"): ("add", "change", "publish", "view"),
            },
        )
        roles.grant_permission(roles.INSTRUCTORS, "quizzes", "grade_response")
        # Accommodations (quiz overrides): instructors grant them; clinic managers never do.
        roles.grant_model_permissions(
            roles.INSTRUCTORS, {("quizzes", "quizoverride"): ("add", "change", "delete", "view")}
        )
        for group in (roles.INSTRUCTORS, roles.REVIEWERS):
            roles.grant_permission(group, "quizzes", "view_blueprint_report")
            roles.grant_permission(group, "quizzes", "view_item_statistics")
        roles.review_snippet("quizzes", "question")
        roles.review_snippet("quizzes", "clinicalcase")


def live_quizzes() -> QuerySet[Any]:
    """The live quiz pages (the "quiz" step kind of courses.progress)."""
    from quizzes.models import QuizPage

    return QuizPage.objects.live()


def quizzes_passed(user_ids: list[int], quiz_ids: list[int]) -> Iterable[tuple[int, int]]:
    """(user id, quiz id) for each quiz a learner passed: a quiz step is done when passed."""
    from quizzes.models import Attempt, AttemptState

    return (
        Attempt.objects.filter(
            user_id__in=user_ids, quiz_id__in=quiz_ids, state=AttemptState.GRADED, passed=True
        )
        .order_by()  # without it the model's ordering joins the DISTINCT and it removes nothing
        .values_list("user_id", "quiz_id")
        .distinct()
    )


def count_quiz_records(page_ids: QuerySet[Any]) -> dict[str, int]:
    """Quiz attempts kept against the pages about to be deleted (courses.learner_records)."""
    from quizzes.models import Attempt

    return {"quiz attempt": Attempt.objects.filter(quiz_id__in=page_ids).count()}
