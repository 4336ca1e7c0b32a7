"""URLconf for benchmarks/run.py: the site's own URLs plus the trivial baseline view.

The baseline goes through the same middleware stack as every page of the site, so a scenario's
ratio to it shows the cost of the scenario's own work, not of Django's request handling.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path, re_path

from benchmarks.scenarios.lesson_page import PLAIN_PREFIX, plain_wagtail_page

TRIVIAL_PATH = "/__bench__/trivial/"


def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [
    # Before config.urls: Wagtail's catch-all page route would otherwise take this path.
    path(TRIVIAL_PATH.strip("/") + "/", trivial, name="bench-trivial"),
    # The lesson-page scenario's baseline: a page served the plain Wagtail way.
    re_path(rf"^{PLAIN_PREFIX.strip('/')}/((?:[\w\-]+/)*)$", plain_wagtail_page),
    path("", include("config.urls")),
]
