"""Who may open a lesson or quiz: signed in, enrolled in its course, its module unlocked.

Staff with Wagtail admin access (instructors, reviewers) may open everything, to check content.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from wagtail.models import Page

from courses.models import CoursePage
from courses.progress import CourseProgress, course_progress
from courses.structure_cache import cached


def is_staff_viewer(user) -> bool:
    return user.is_superuser or user.has_perm("wagtailadmin.access_admin")


# The request attribute holding the progress computed for it (see progress_on_request).
_PROGRESS_ATTR = "_course_progress"


def all_courses() -> list[CoursePage]:
    """Every course page (live or not), as light rows, from the structure cache: the course
    holding a page is found without a query."""
    return cached(
        "courses:v1",
        lambda: list(
            CoursePage.objects.only("id", "path", "depth", "title", "url_path").order_by("path")
        ),
    )


def progress_on_request(request: HttpRequest, page: Page) -> CourseProgress | None:
    """The signed-in learner's progress in the course holding `page`, computed once per request."""
    cached: CourseProgress | None = getattr(request, _PROGRESS_ATTR, None)
    if cached is not None and page.path.startswith(cached.course.path):
        return cached
    course = next((c for c in all_courses() if page.path.startswith(c.path)), None)
    if course is None:
        return None
    progress = course_progress(request.user, course)
    setattr(request, _PROGRESS_ATTR, progress)
    return progress


def learner_gate(request: HttpRequest, page: Page) -> HttpResponse | None:
    """None when the user may open `page`; otherwise the redirect that tells them why not."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    progress = progress_on_request(request, page)
    if progress is None or is_staff_viewer(request.user):
        return None
    if not progress.enrolled:
        messages.info(
            request, f"Enrol in “{progress.course.title}” to open its lessons and quizzes."
        )
        return redirect(progress.course.url)
    module = progress.module_for(page)
    if module is not None and module.locked:
        messages.warning(
            request,
            f"“{module.module.title}” opens once you complete the module before it.",
        )
        return redirect(module.module.url)
    return None
