"""Learner records that hang off pages of the course tree, counted for whoever may delete pages.

Content is edited and deleted; learner records (enrolments, completions, attempts) must survive
every edit. The admin refuses to delete a page while records under it exist (courses/
wagtail_hooks.py), and the database backs that up (PROTECT). Each app that keeps records
against pages registers a counter here from its `AppConfig.ready`, so this layer never imports
the apps above it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet
from wagtail.models import Page

# A counter receives the pages about to be deleted and returns {"kind of record": how many},
# the kind named in the singular ("quiz attempt").
Counter = Callable[[QuerySet], dict[str, int]]
_COUNTERS: dict[str, Counter] = {}


def register_learner_records(name: str, counter: Counter) -> None:
    """Add a counter of learner records kept against pages (call from AppConfig.ready)."""
    _COUNTERS[name] = counter


def learner_records_under(pages: list[Page]) -> dict[str, int]:
    """Learner records kept against `pages` or any page below them, by kind (zero counts left out)."""
    tree = Page.objects.none()
    for page in pages:
        tree = tree | Page.objects.descendant_of(page, inclusive=True)
    page_ids = tree.values("pk")
    counts: dict[str, int] = {}
    for counter in _COUNTERS.values():
        for what, count in counter(page_ids).items():
            if count:
                counts[what] = counts.get(what, 0) + count
    return counts


def count_course_records(page_ids: QuerySet) -> dict[str, int]:
    from courses.models import Enrollment, LessonCompletion, ModuleCompletion

    return {
        "enrolment": Enrollment.objects.filter(course_id__in=page_ids).count(),
        "lesson completion": LessonCompletion.objects.filter(lesson_id__in=page_ids).count(),
        "module completion": ModuleCompletion.objects.filter(module_id__in=page_ids).count(),
    }
