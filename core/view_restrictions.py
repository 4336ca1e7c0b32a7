"""Skipping Wagtail's view-restriction lookup for pages a router already knows are unrestricted.

Wagtail checks, before serving any page, the view restrictions (login, groups, password) of the
page and of every ancestor: two queries on every request, although almost no page of this site
is restricted. A router that knows from a cache that neither the page nor any ancestor has a
restriction or is an alias (courses.routing) marks the page it serves `known_unrestricted`;
this mixin then answers "no restrictions" without a query. Any other page instance (the admin's,
a page routed the normal way) asks the database exactly as Wagtail does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

from wagtail.models import Page, PageViewRestriction

if TYPE_CHECKING:
    _Base: TypeAlias = Page  # only ever mixed into pages
else:
    _Base = object


class KnownRestrictionsMixin(_Base):
    """A page whose router may vouch that no view restriction applies to it."""

    known_unrestricted = False

    def get_view_restrictions(self) -> Any:
        if self.known_unrestricted:
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()


def restriction_sensitive_paths() -> frozenset[str]:
    """Tree paths of the pages with a view restriction and of the alias pages (whose source's
    restrictions apply): a page at or below one of them needs Wagtail's own check (two queries,
    run when the cache is stale)."""
    restricted = PageViewRestriction.objects.values_list("page__path", flat=True)
    aliases = Page.objects.filter(alias_of__isnull=False).values_list("path", flat=True)
    return frozenset(restricted) | frozenset(aliases)


def may_skip_check(path: str, sensitive: frozenset[str]) -> bool:
    """Whether neither the page at `path` nor any ancestor is in `sensitive`."""
    step = Page.steplen
    return not any(path[:end] in sensitive for end in range(step, len(path) + 1, step))
