from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = "Quizzes"

    def ready(self):
        from datetime import timedelta

        from core import loader, roles
        from core.tasks import register_periodic
        from courses.learner_records import register_learner_records
        from quizzes.cases import load_module_cases
        from quizzes.curriculum import load_module_quiz
        from quizzes.tasks import close_overdue_attempts_task

        register_learner_records("quizzes", count_quiz_records)
        register_periodic(
            "close-overdue-attempts", close_overdue_attempts_task, timedelta(minutes=5)
        )
        for extension in (load_module_quiz, load_module_cases):
            if extension not in loader.MODULE_EXTENSIONS:
                loader.MODULE_EXTENSIONS.append(extension)
        # Instructors write questions but cannot publish them: Clinical review approves.
        roles.ROLE_MODEL_PERMISSIONS[roles.INSTRUCTORS].update(
            {
                ("quizzes", "question"): ("add", "change", "view"),
                ("quizzes", "questioncategory"): ("add", "change", "view"),
                ("quizzes", "clinicalcase"): ("add", "change", "view"),
            }
        )
        roles.ROLE_MODEL_PERMISSIONS[roles.REVIEWERS].update(
            {
                ("quizzes", "question"): ("add", "change", "publish", "view"),
                ("quizzes", "questioncategory"): ("add", "change", "view"),
                ("quizzes", "clinicalcase"): ("add", "change", "publish", "view"),
            }
        )
        grade = ("quizzes", "grade_response")
        if grade not in roles.ROLE_EXTRA_PERMISSIONS[roles.INSTRUCTORS]:
            roles.ROLE_EXTRA_PERMISSIONS[roles.INSTRUCTORS].append(grade)
        for reviewed in (("quizzes", "question"), ("quizzes", "clinicalcase")):
            if reviewed not in roles.REVIEWED_SNIPPETS:
                roles.REVIEWED_SNIPPETS.append(reviewed)


def count_quiz_records(page_ids) -> dict[str, int]:
    """Quiz attempts kept against the pages about to be deleted (courses.learner_records)."""
    from quizzes.models import Attempt

    return {"quiz attempt": Attempt.objects.filter(quiz_id__in=page_ids).count()}
