"""Health checks (the site search is courses.views.search)."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from core.health import readiness


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
