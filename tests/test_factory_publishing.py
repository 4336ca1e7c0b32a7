"""The factories' quick first publish leaves what Wagtail's publish action leaves.

`tests.factories.core.publish_first_revision` stands in for `save_revision().publish()` in
every factory; these tests build the same page and the same question both ways and compare the
rows, the log entries and the signals sent.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from wagtail.models import ModelLogEntry, PageLogEntry
from wagtail.signals import page_published, published

from courses.models import LessonPage
from quizzes.models import Question
from tests.factories import build_tree, make_question
from tests.factories.core import publish_first_revision

PUBLISHED_FIELDS = ("live", "expired", "has_unpublished_changes", "first_published_at")


def _state(obj) -> dict:
    obj = type(obj).objects.get(pk=obj.pk)
    state = {name: bool(getattr(obj, name)) for name in PUBLISHED_FIELDS}
    state["live revision is the latest"] = obj.live_revision_id == obj.latest_revision_id
    state["revisions"] = obj.revisions.count()
    state["published just now"] = timezone.now() - obj.last_published_at < timedelta(minutes=1)
    return state


def _log(model, obj) -> list[tuple]:
    if model is PageLogEntry:
        entries = PageLogEntry.objects.filter(page=obj)
    else:
        entries = ModelLogEntry.objects.filter(object_id=str(obj.pk))
    obj = type(obj).objects.get(pk=obj.pk)
    return [
        (e.action, e.user_id, e.content_changed, e.revision_id == obj.live_revision_id, e.data)
        for e in entries.order_by("pk")
    ]


class Signals:
    def __init__(self) -> None:
        self.sent: list[tuple[str, type, int]] = []

    def __enter__(self):
        published.connect(self._published)
        page_published.connect(self._page_published)
        return self

    def __exit__(self, *exc) -> None:
        published.disconnect(self._published)
        page_published.disconnect(self._page_published)

    def _published(self, sender, instance, revision, **kwargs):
        self.sent.append(("published", type(instance), revision.pk == instance.live_revision_id))

    def _page_published(self, sender, instance, revision, **kwargs):
        self.sent.append(("page_published", sender, revision.pk == instance.live_revision_id))


def _lesson(module, slug: str) -> LessonPage:
    lesson = LessonPage(title=f"Lesson {slug}", slug=slug, summary="A lesson.", body=[])
    module.add_child(instance=lesson)
    return lesson


@pytest.mark.django_db
def test_a_page_published_by_the_factories_matches_wagtails_publish():
    module = build_tree(lessons=0).module
    with Signals() as by_wagtail:
        through_wagtail = _lesson(module, "through-wagtail")
        through_wagtail.save_revision().publish()
    with Signals() as by_factory:
        quick = _lesson(module, "quick")
        publish_first_revision(quick)

    assert _state(quick) == _state(through_wagtail)
    assert _log(PageLogEntry, quick) == _log(PageLogEntry, through_wagtail)
    assert by_factory.sent == by_wagtail.sent
    assert set(LessonPage.objects.live().values_list("slug", flat=True)) == {
        "through-wagtail",
        "quick",
    }


@pytest.mark.django_db
def test_a_question_published_by_the_factories_matches_wagtails_publish():
    template = make_question("single_choice")

    def copy(key: str) -> Question:
        question = Question(
            key=key,
            question_type=template.question_type,
            title=template.title,
            stem=template.stem,
            category=template.category,
            source=template.source,
            points=template.points,
            explanation=template.explanation,
            passage=template.passage,
        )
        question.save()
        return question

    with Signals() as by_wagtail:
        through_wagtail = copy("through-wagtail")
        through_wagtail.save_revision().publish()
    with Signals() as by_factory:
        quick = copy("quick")
        publish_first_revision(quick)

    assert _state(quick) == _state(through_wagtail)
    assert _log(ModelLogEntry, quick) == _log(ModelLogEntry, through_wagtail)
    assert by_factory.sent == by_wagtail.sent


@pytest.mark.django_db
def test_the_quick_publish_refuses_an_object_already_published():
    question = make_question()
    with pytest.raises(ValueError, match="new object"):
        publish_first_revision(question)
