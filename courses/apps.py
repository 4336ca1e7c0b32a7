from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "Courses"

    def ready(self):
        from datetime import timedelta

        from core import roles
        from core.tasks import register_periodic
        from courses.evaluation import reconcile_task
        from courses.learner_records import count_course_records, register_learner_records

        register_periodic("reconcile-progress", reconcile_task, timedelta(hours=1))
        register_learner_records("courses", count_course_records)
        report = ("courses", "view_progress_report")
        if report not in roles.ROLE_EXTRA_PERMISSIONS[roles.INSTRUCTORS]:
            roles.ROLE_EXTRA_PERMISSIONS[roles.INSTRUCTORS].append(report)
