"""Health check and site search."""

import re

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

from core.health import readiness
from core.params import query_text

SEARCH_PAGE_SIZE = 10
SEARCH_MAX_QUERY = 200
SEARCH_MAX_TERMS = 12
WORD = re.compile(r"\w+")


def search_terms(query: str) -> str:
    """Words only: punctuation means nothing to the search and some backends reject it."""
    return " ".join(WORD.findall(query)[:SEARCH_MAX_TERMS])


@never_cache
@require_safe
def health_ready(request: HttpRequest) -> HttpResponse:
    """Readiness, also served at /health/: each dependency's status and latency as JSON.

    503 when the database is down, 200 "degraded" when only the cache or the queue is.
    Reads no session and no user, so load balancers can probe it.
    """
    status, body = readiness()
    return JsonResponse(body, status=status)


@never_cache
@require_safe
def health_live(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Checks no dependency, so an outage elsewhere never
    gets a healthy process restarted."""
    return JsonResponse({"status": "ok"})


@require_GET
def search(request: HttpRequest) -> TemplateResponse:
    """Full-text search over live lessons (titles, summaries and bodies)."""
    from courses.models import LessonPage

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
    return TemplateResponse(request, "core/search.html", {"query": query, "results": results_page})
