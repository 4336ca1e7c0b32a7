"""Serving Wagtail pages with the route read from the cache instead of walking the tree.

Wagtail routes a request by finding the site (a query), then walking from the site's root page
one level at a time: a query for the child with the next slug and another for its specific
page, so a lesson five levels down costs a dozen queries before its own code runs, and two more
for view restrictions. Pages change far less often than they are read, so `serve` keeps what
routing learns in the cache of courses.structure_cache (bumped by every page, site and view
restriction change, in every process):

- the site for a host and port (Wagtail's own `get_site_for_hostname`, cached);
- for a path below the site root, the page it names: its id, specific model and tree path, and
  how many path components it consumes. The longest known prefix of a request's path is found
  in one cache read; its page is loaded in one query and its own `route()` gets the remaining
  components, exactly as Wagtail's walk would hand them over. So a RoutablePage's sub-routes
  (a quiz's `attempt/<id>/`) and a page's `live` check behave as before (Wagtail checks only
  the page served being live, not its ancestors);
- which pages have view restrictions or are aliases (courses.routing then marks the page it
  serves unrestricted when none applies: core.view_restrictions); restrictions that exist are
  enforced by Wagtail's own check.

A prefix not known yet is resolved with one query over the pages whose url_path is a prefix of
the request's path; anything unusual (translations, duplicate slugs, a page whose class is
gone) is left to Wagtail's normal routing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.http import Http404, HttpRequest, HttpResponse
from django.http.request import split_domain_port
from django.urls import re_path
from wagtail import urls as wagtail_urls
from wagtail import views as wagtail_views
from wagtail.models import Page, Site
from wagtail.models.sites import get_site_for_hostname

from core.view_restrictions import (
    KnownRestrictionsMixin,
    may_skip_check,
    restriction_sensitive_paths,
)
from courses.structure_cache import cached, lookup_many, store_many

_VERSION = "v1"


@dataclass(frozen=True)
class KnownPage:
    """A page a path prefix names: what is needed to load it and hand it the rest of the path."""

    page_id: int
    model: str  # "app_label.modelname"
    path: str  # treebeard path
    consumed: int  # path components (below the site root) that name it

    def model_class(self) -> type[Page] | None:
        try:
            return apps.get_model(self.model)
        except LookupError:
            return None


def _has_own_route(model: type[Page]) -> bool:
    """Whether the model routes its own components (RoutablePage, QuizPage) instead of Wagtail's
    default descent to a child: the walk stops there and hands it the rest."""
    return model.route is not Page.route


def find_site(request: HttpRequest) -> Site | None:
    """`Site.find_for_request`, with Wagtail's host and port matching cached per host and port."""
    if not hasattr(request, "_wagtail_site"):
        # As Wagtail does: the raw host, so that ALLOWED_HOSTS is checked where it always was.
        hostname = split_domain_port(request._get_raw_host())[0]  # type: ignore[attr-defined]
        port = request.get_port()

        def build() -> tuple[Site | None]:
            try:
                return (get_site_for_hostname(hostname, port),)
            except Site.DoesNotExist:
                return (None,)

        request._wagtail_site = cached(f"site:{_VERSION}:{hostname}:{port}", build)[0]  # type: ignore[attr-defined]
    return request._wagtail_site  # type: ignore[attr-defined]


def _key(site: Site, components: list[str]) -> str:
    return f"route:{_VERSION}:{site.pk}:{'/'.join(components)}"


def _walk(site: Site, components: list[str]) -> KnownPage | None:
    """The deepest page Wagtail's walk would reach along `components`, in one query; each page
    passed is stored for later requests. None when the tree is not as the walk expects."""
    root = site.root_page
    urls = [
        root.url_path + "".join(f"{c}/" for c in components[:n]) for n in range(len(components) + 1)
    ]
    rows = list(
        Page.objects.filter(url_path__in=urls, path__startswith=root.path).values_list(
            "id", "url_path", "path", "slug", "content_type_id"
        )
    )
    by_url: dict[str, list[tuple[Any, ...]]] = {}
    for row in rows:
        by_url.setdefault(row[1], []).append(row)
    current = next((row for row in by_url.get(urls[0], []) if row[0] == root.pk), None)
    if current is None:
        return None
    known: dict[str, KnownPage] = {}
    consumed = 0
    while True:
        content_type = ContentType.objects.get_for_id(current[4])
        model = content_type.model_class()
        if model is None:
            return None
        page = KnownPage(
            current[0], f"{content_type.app_label}.{content_type.model}", current[2], consumed
        )
        known[_key(site, components[:consumed])] = page
        if consumed == len(components) or _has_own_route(model):
            break
        children = [
            row
            for row in by_url.get(urls[consumed + 1], [])
            if row[2][: -Page.steplen] == current[2] and row[3] == components[consumed]
        ]
        if len(children) != 1:  # no such child (Wagtail: 404), or an ambiguous tree
            if children:
                return None
            break
        current = children[0]
        consumed += 1
    store_many(known)
    return page


def _known_page(site: Site, components: list[str]) -> KnownPage | None:
    """The page the longest known prefix of `components` names, walking the tree on a miss."""
    keys = [_key(site, components[:n]) for n in range(len(components), -1, -1)]
    found = lookup_many(keys)
    best = next((found[key] for key in keys if key in found), None)
    if best is not None:
        model = best.model_class()
        if model is not None and (best.consumed == len(components) or _has_own_route(model)):
            return best
    return _walk(site, components)


def _uncached(request: HttpRequest, path: str) -> Any:
    """Wagtail's own routing, the site included (what the cache said is not trusted)."""
    if hasattr(request, "_wagtail_site"):
        del request._wagtail_site  # type: ignore[attr-defined]
    return Page.route_for_request(request, path)


def route_for_request(request: HttpRequest, path: str) -> Any:
    """What Wagtail's `Page.route_for_request` returns (a RouteResult, or None for a 404), found
    through the cache; Wagtail's own routing when the cache cannot say.

    The page loaded must still be at the address the cache gave (its url_path, below the site's
    root): a page moved or renamed while an invalidation was lost is routed the normal way."""
    if getattr(settings, "WAGTAIL_I18N_ENABLED", False):
        return Page.route_for_request(request, path)
    site = find_site(request)
    if site is None:
        return _uncached(request, path)
    components = [component for component in path.split("/") if component]
    known = _known_page(site, components)
    model = known.model_class() if known is not None else None
    page = model.objects.filter(pk=known.page_id).first() if known and model else None
    root = site.root_page
    if (
        known is None
        or page is None
        or page.url_path != root.url_path + "".join(f"{c}/" for c in components[: known.consumed])
        or not page.path.startswith(root.path)
    ):
        return _uncached(request, path)
    if isinstance(page, KnownRestrictionsMixin) and may_skip_check(
        page.path, cached(f"restrictions:{_VERSION}", restriction_sensitive_paths)
    ):
        page.known_unrestricted = True
    try:
        return page.route(request, components[known.consumed :])
    except Http404:
        return None


def serve(request: HttpRequest, path: str) -> HttpResponse:
    """Wagtail's `serve` view, given the route found through the cache."""
    if not hasattr(request, "_wagtail_route_for_request"):
        request._wagtail_route_for_request = route_for_request(request, path)  # type: ignore[attr-defined]
    return wagtail_views.serve(request, path)


# Wagtail's front-end URLs, with its page-serving view replaced by `serve` (same name, pattern).
urlpatterns = [
    *(p for p in wagtail_urls.urlpatterns if getattr(p, "name", None) != "wagtail_serve"),
    re_path(wagtail_urls.serve_pattern, serve, name="wagtail_serve"),
]
