"""Health check and site search."""

import re

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

SEARCH_PAGE_SIZE = 10
SEARCH_MAX_QUERY = 200
SEARCH_MAX_TERMS = 12
WORD = re.compile(r"\w+")


def search_terms(query: str) -> str:
    """Words only: punctuation means nothing to the search and some backends reject it."""
    return " ".join(WORD.findall(query)[:SEARCH_MAX_TERMS])


@never_cache
@require_GET
def health(request: HttpRequest) -> HttpResponse:
    """200 when the database answers a query, 503 when it does not. Reads no session."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "up"})


@require_GET
def search(request: HttpRequest) -> TemplateResponse:
    """Full-text search over live lessons (titles, summaries and bodies)."""
    from courses.models import LessonPage

    query = request.GET.get("q", "").strip()[:SEARCH_MAX_QUERY]
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
