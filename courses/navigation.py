"""Where a page sits in its course: breadcrumbs, module and course (one query)."""

from wagtail.models import Page


def course_trail(page: Page) -> dict:
    """Ancestors below the root (Home > Courses > course > module), as light base Page rows."""
    ancestors = list(
        page.get_ancestors().filter(depth__gt=1).only("id", "title", "url_path", "path", "depth")
    )
    return {
        "breadcrumbs": ancestors,
        "module": ancestors[-1] if len(ancestors) >= 4 else None,
        "course": ancestors[2] if len(ancestors) >= 3 else None,
    }
