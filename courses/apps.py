from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "Courses"

    def ready(self):
        from core import roles
        from courses.services import on_attempt_graded
        from quizzes.signals import attempt_graded

        attempt_graded.connect(on_attempt_graded, dispatch_uid="courses-progress-on-attempt-graded")
        report = ("courses", "view_progress_report")
        if report not in roles.ROLE_EXTRA_PERMISSIONS[roles.INSTRUCTORS]:
            roles.ROLE_EXTRA_PERMISSIONS[roles.INSTRUCTORS].append(report)
