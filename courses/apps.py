from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "Courses"

    def ready(self) -> None:
        """Plug courses into core's periodic jobs and roles, and register the lesson step."""
        from datetime import timedelta

        from core import roles
        from core.tasks import register_periodic
        from courses.evaluation import reconcile_task
        from courses.learner_records import count_course_records, register_learner_records
        from courses.progress import lessons_completed, live_lessons, register_step_kind
        from courses.structure_cache import connect_signals

        connect_signals()
        register_periodic("reconcile-progress", reconcile_task, timedelta(hours=1))
        register_learner_records("courses", count_course_records)
        register_step_kind(
            "lesson", pages=live_lessons, done=lessons_completed, minutes_field="estimated_minutes"
        )
        roles.grant_permission(roles.INSTRUCTORS, "courses", "view_progress_report")
