"""Sources, the home page, the base factory for pages, and how factories publish.

Pages are added under their parent as the admin would (treebeard paths, a published revision).
"""

from __future__ import annotations

from typing import Any

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory
from wagtail.log_actions import log
from wagtail.models import Page, Revision, Site
from wagtail.signals import page_published, published

from core.models import EvidenceLevel, HomePage, Source


class SourceFactory(DjangoModelFactory):
    class Meta:
        model = Source
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"source-{n}")
    title = factory.Sequence(lambda n: f"A published source {n}")
    authors = "A. Author"
    publication = "Journal of Examples"
    year = 2020
    evidence_level = EvidenceLevel.CASE_REPORT


def publish_first_revision(obj: Any) -> Revision:
    """Save and publish the first revision of `obj` (a page or snippet just created, never
    published), leaving what `obj.save_revision().publish()` leaves.

    That is: a live revision that is also the latest, both publish dates, no unpublished
    changes, the `published` signal (and `page_published` for a page) and one `wagtail.publish`
    log entry. Wagtail's publish action first reads the object back from the revision it has
    just written and then saves it whole again; for an object that has no earlier revision,
    no schedule and no aliases, that gives the same rows at twice the cost, and factories
    publish in most tests. Publishing and republishing themselves are tested through Wagtail's
    own action (tests/test_factory_publishing.py compares the two).
    """
    if obj.live_revision_id is not None or obj.go_live_at is not None:
        raise ValueError("publish_first_revision is for a new object with no schedule")
    revision = obj.save_revision()
    now = timezone.now()
    state = {
        "live": True,
        "expired": False,
        "has_unpublished_changes": False,
        "live_revision": revision,
        "first_published_at": now,
        "last_published_at": now,
    }
    for name, value in state.items():
        setattr(obj, name, value)
    type(obj)._default_manager.filter(pk=obj.pk).update(**state)
    if isinstance(obj, Page):
        page_published.send(sender=obj.specific_class, instance=obj.specific, revision=revision)
    published.send(sender=type(obj), instance=obj, revision=revision)
    log(instance=obj, action="wagtail.publish", user=None, revision=revision, content_changed=True)
    return revision


class PageFactory(DjangoModelFactory):
    """Adds the page under `parent` and publishes a first revision."""

    class Meta:
        abstract = True

    title = factory.Sequence(lambda n: f"Page {n}")
    slug = factory.LazyAttribute(lambda p: p.title.lower().replace(" ", "-"))

    @classmethod
    def _create(cls, model_class, *args, parent: Page | None = None, **kwargs):
        page = model_class(*args, **kwargs)
        if parent is None:
            raise ValueError(f"{model_class.__name__}Factory needs parent=")
        parent.add_child(instance=page)
        publish_first_revision(page)
        return page


def make_home() -> HomePage:
    """The site's home page, replacing Wagtail's placeholder, as load_curriculum does."""
    home = HomePage.objects.first()
    if home:
        return home
    root = Page.get_first_root_node()
    for placeholder in root.get_children().filter(slug="home").exact_type(Page):
        placeholder.delete()
    home = HomePage(title="Home", slug="home")
    root.add_child(instance=home)
    publish_first_revision(home)
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "localhost", "port": 80, "root_page": home}
    )
    return home
