"""lesson-page and module-page: a learner's lesson and module pages against plain Wagtail pages.

The learners are those of progress_pages (a "small" course, and one of 200 lessons with 1,000
attempts; half the lessons read). lesson-page GETs a lesson in the middle of the first module;
module-page GETs that module's page. Each is checked (untimed) to answer 200 and name the page.

The baseline ("plain wagtail" rows) is the fairest like-for-like page this site can serve: the
same page, routed by Wagtail's own tree walk (`Page.route_for_request`, with no route cache),
passed through Wagtail's serve hooks (its view-restriction check) and rendered with a minimal
template in the same site shell (base.html: header, messages, footer) showing only the title and
the same body (a lesson's StreamField body; a module's intro), uncached: what a plain Wagtail
page with the same content costs on this site. It is served at /__bench__/plain/<page path>
(benchmarks/urls.py) by the same signed-in client. The lesson page does everything the plain one
does plus the learner's progress, navigation, citations, competencies and objectives; its
ratio to the plain page is printed after its rows (the target is 1.2 or less).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.template import engines

from benchmarks.harness import PAGE_REPS, Bench, Row, Trial, measure, scenario
from benchmarks.scenarios.progress_pages import expect_page, learners

PLAIN_PREFIX = "/__bench__/plain/"

_PLAIN_TEMPLATE = """{% extends "base.html" %}{% load wagtailcore_tags %}
{% block content %}<article class="container page-pad"><h1>{{ page.title }}</h1>
{% if page.body %}{% for block in page.body %}{% include_block block %}{% endfor %}
{% elif page.intro %}{{ page.intro|richtext }}{% endif %}</article>{% endblock %}"""


def plain_wagtail_page(request: HttpRequest, path: str) -> HttpResponse:
    """The page at `path` as a plain Wagtail page: Wagtail's own routing and serve hooks, a
    template showing only its title and body in the site shell (the benchmark's baseline)."""
    from wagtail import hooks
    from wagtail.models import Page

    route: Any = Page.route_for_request(request, path)
    if route is None:
        raise Http404
    page, args, kwargs = route
    template = engines["django"].from_string(_PLAIN_TEMPLATE)

    def render(page: Any, request: HttpRequest, args: Any, kwargs: Any) -> HttpResponse:
        return HttpResponse(template.render({"page": page, "self": page}, request))

    chain = render
    for hook in reversed(hooks.get_hooks("on_serve_page")):
        chain = hook(chain)
    for hook in hooks.get_hooks("before_serve_page"):
        result = hook(page, request, args, kwargs)
        if isinstance(result, HttpResponse):
            return result
    return chain(page, request, args, kwargs)


def _page_rows(bench: Bench, name: str, pick: Any) -> list[Row]:
    """For each learner: the page `pick(learner)` as served by the site, then as a plain page."""
    rows = []
    for learner in learners(bench):
        page = pick(learner)
        client = bench.signed_in_client(learner.user)
        for label, url in (
            (learner.size.label, page.url),
            (f"{learner.size.label}, plain wagtail", PLAIN_PREFIX + page.url.lstrip("/")),
        ):

            def prepare(client: Any = client, url: str = url, title: str = page.title) -> Trial:
                return Trial(lambda: client.get(url), lambda r: expect_page(r, title))

            rows.append(Row(name, label, measure(prepare, bench.reps(PAGE_REPS))))
    for site, plain in zip(rows[::2], rows[1::2], strict=True):
        ratio = site.timing.median_ms / plain.timing.median_ms
        print(
            f"    {name} ({site.n}): {ratio:.2f}x the plain Wagtail page; queries "
            f"{site.timing.queries} vs {plain.timing.queries}",
            flush=True,
        )
    return rows


def _middle_lesson(learner: Any) -> Any:
    from courses.models import LessonPage, ModulePage

    module = ModulePage.objects.child_of(learner.course).order_by("path").first()
    lessons = list(LessonPage.objects.child_of(module).order_by("path"))
    return lessons[len(lessons) // 2]


def _first_module(learner: Any) -> Any:
    from courses.models import ModulePage

    return ModulePage.objects.child_of(learner.course).order_by("path").first()


@scenario(
    "lesson-page",
    "GET a lesson by a learner with progress, and the same page as a plain Wagtail page",
)
def lesson_page(bench: Bench) -> list[Row]:
    return _page_rows(bench, "lesson-page", _middle_lesson)


@scenario(
    "module-page",
    "GET a module page by a learner with progress, and the same page as a plain Wagtail page",
)
def module_page(bench: Bench) -> list[Row]:
    return _page_rows(bench, "module-page", _first_module)
