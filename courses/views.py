"""The learner's actions and their own dashboard: enrol, complete a lesson, "My learning";
and the site search over lessons.

Every view is for the signed-in user about themselves: no view takes a user id, so another
learner's progress is not reachable.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthenticatedHttpRequest
from core.params import query_text
from courses import services
from courses.access import learner_gate
from courses.dashboard import learn_panels
from courses.models import CoursePage, Enrollment, LessonPage
from courses.progress import course_progress, progress_for

SEARCH_PAGE_SIZE = 10
SEARCH_MAX_QUERY = 200
SEARCH_MAX_TERMS = 12
WORD = re.compile(r"\w+")


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
def my_learning(request: AuthenticatedHttpRequest) -> TemplateResponse:
    """The learner's courses in progress and completed, with the panels higher apps add
    (courses.dashboard: quizzes, certificates, clinics)."""
    enrollments = list(
        Enrollment.objects.filter(user=request.user)
        .select_related("course")
        .order_by("completed_at", "-last_activity_at")
    )
    # The enrolments just read are handed on, not read again.
    progress = progress_for(request.user, [e.course for e in enrollments], enrollments=enrollments)
    panels, course_panels = learn_panels(request, progress)
    courses: list[dict[str, Any]] = [
        {
            "enrollment": enrollment,
            "progress": progress[enrollment.course_id],
            "panels": course_panels[enrollment.course_id],
        }
        for enrollment in enrollments
    ]
    context = {
        "active": [c for c in courses if not c["enrollment"].completed_at],
        "completed": [c for c in courses if c["enrollment"].completed_at],
        "panels": panels,
    }
    return TemplateResponse(request, "courses/my_learning.html", context)


def search_terms(query: str) -> str:
    """Words only: punctuation means nothing to the search and some backends reject it."""
    return " ".join(WORD.findall(query)[:SEARCH_MAX_TERMS])


@require_GET
def search(request: HttpRequest) -> TemplateResponse:
    """Full-text search over live lessons (titles, summaries and bodies), at /search/."""
    query = query_text(request.GET, "q", SEARCH_MAX_QUERY)
    results_page = None
    terms = search_terms(query)
    if query:
        results = LessonPage.objects.live().public().search(terms, operator="and") if terms else []
        paginator = Paginator(results, SEARCH_PAGE_SIZE)
        try:
            results_page = paginator.page(request.GET.get("page", 1))
        except PageNotAnInteger:
            results_page = paginator.page(1)
        except EmptyPage:
            results_page = paginator.page(paginator.num_pages)
    return TemplateResponse(
        request, "courses/search.html", {"query": query, "results": results_page}
    )
