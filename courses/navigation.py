"""Where a page sits in its course: breadcrumbs, module and course (from the structure cache)."""

from wagtail.models import Page

from courses.structure_cache import cached


def _ancestors(path: str) -> list[Page]:
    """The ancestors of the page at `path` below the root, as light base Page rows (one query)."""
    step = Page.steplen
    paths = [path[:end] for end in range(step, len(path), step)]
    return list(
        Page.objects.filter(path__in=paths, depth__gt=1)
        .only("id", "title", "url_path", "path", "depth")
        .order_by("path")
    )


def course_trail(page: Page) -> dict:
    """Ancestors below the root (Home > Courses > course > module), as light base Page rows.

    They change only when a page does, so they are kept under the structure cache's generation
    (no query once read for any page of the module)."""
    parent_path = page.path[: -Page.steplen]
    ancestors = cached(f"trail:v1:{parent_path}", lambda: _ancestors(page.path))
    return {
        "breadcrumbs": ancestors,
        "module": ancestors[-1] if len(ancestors) >= 4 else None,
        "course": ancestors[2] if len(ancestors) >= 3 else None,
    }
