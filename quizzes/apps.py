from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = "Quizzes"

    def ready(self):
        from core import loader, roles
        from quizzes.cases import load_module_cases
        from quizzes.curriculum import load_module_quiz

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
