"""The learner's actions and their own dashboard: enrol, complete a lesson, "My learning".

Every view is for the signed-in user about themselves: no view takes a user id, so another
learner's progress is not reachable.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from courses import services
from courses.access import learner_gate
from courses.models import CoursePage, Enrollment, LessonPage
from courses.progress import course_progress, progress_for

RECENT_ATTEMPTS = 10


def _next_url(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return fallback


@login_required
@require_POST
def enrol(request: HttpRequest, course_id: int) -> HttpResponse:
    course = get_object_or_404(CoursePage.objects.live().public(), pk=course_id)
    _, created = services.enrol(request.user, course)
    if created:
        messages.success(
            request, f"You are enrolled in “{course.title}”. Start with the first lesson below."
        )
    step = course_progress(request.user, course).next_step
    return redirect(step.url if step and created else course.url)


@login_required
@require_POST
def complete_lesson(request: HttpRequest, lesson_id: int) -> HttpResponse:
    lesson = get_object_or_404(LessonPage.objects.live().public(), pk=lesson_id)
    denied = learner_gate(request, lesson)
    if denied is not None:
        return denied
    _, created = services.complete_lesson(request.user, lesson)
    if created:
        messages.success(request, f"“{lesson.title}” is marked complete.")
    return redirect(_next_url(request, lesson.url))


@login_required
def my_learning(request: HttpRequest) -> TemplateResponse:
    from quizzes.models import Attempt

    enrollments = list(
        Enrollment.objects.filter(user=request.user)
        .select_related("course")
        .order_by("completed_at", "-last_activity_at")
    )
    progress = progress_for(request.user, [e.course for e in enrollments])
    quiz_ids = [
        s.page_id for p in progress.values() for m in p.modules for s in m.steps if s.kind == "quiz"
    ]
    summaries = {
        row["quiz_id"]: row
        for row in Attempt.objects.filter(user=request.user, quiz_id__in=quiz_ids)
        .finished()
        .values("quiz_id")
        .annotate(
            attempts=Count("id"),
            best=Max("percent"),
            last=Max("submitted_at"),
            passes=Count("id", filter=Q(passed=True)),
        )
    }
    recent = list(
        Attempt.objects.filter(user=request.user)
        .finished()
        .select_related("quiz")
        .only(
            "id",
            "number",
            "submitted_at",
            "percent",
            "passed",
            "state",
            "quiz__title",
            "quiz__url_path",
            "quiz__path",
            "quiz__depth",
        )
        .order_by("-submitted_at")[:RECENT_ATTEMPTS]
    )
    courses = []
    for enrollment in enrollments:
        course = progress[enrollment.course_id]
        quizzes = [
            {"step": s, "summary": summaries.get(s.page_id)}
            for m in course.modules
            for s in m.steps
            if s.kind == "quiz"
        ]
        courses.append({"enrollment": enrollment, "progress": course, "quizzes": quizzes})
    context = {
        "active": [c for c in courses if not c["enrollment"].completed_at],
        "completed": [c for c in courses if c["enrollment"].completed_at],
        "recent_attempts": recent,
    }
    return TemplateResponse(request, "courses/my_learning.html", context)
