from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = "Quizzes"

    def ready(self):
        from core import loader, roles
        from quizzes.curriculum import load_module_quiz

        if load_module_quiz not in loader.MODULE_EXTENSIONS:
            loader.MODULE_EXTENSIONS.append(load_module_quiz)
        # Instructors write questions but cannot publish them: Clinical review approves.
        roles.ROLE_MODEL_PERMISSIONS[roles.INSTRUCTORS].update(
            {
                ("quizzes", "question"): ("add", "change", "view"),
                ("quizzes", "questioncategory"): ("add", "change", "view"),
            }
        )
        roles.ROLE_MODEL_PERMISSIONS[roles.REVIEWERS].update(
            {
                ("quizzes", "question"): ("add", "change", "publish", "view"),
                ("quizzes", "questioncategory"): ("add", "change", "view"),
            }
        )
        grade = ("quizzes", "grade_response")
        if grade not in roles.ROLE_EXTRA_PERMISSIONS[roles.INSTRUCTORS]:
            roles.ROLE_EXTRA_PERMISSIONS[roles.INSTRUCTORS].append(grade)
        if ("quizzes", "question") not in roles.REVIEWED_SNIPPETS:
            roles.REVIEWED_SNIPPETS.append(("quizzes", "question"))
