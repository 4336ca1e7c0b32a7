"""Sources, the home page, and the base factory for pages.

Pages are added under their parent as the admin would (treebeard paths, a published revision).
"""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory
from wagtail.models import Page, Site

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
        page.save_revision().publish()
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
    home.save_revision().publish()
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "localhost", "port": 80, "root_page": home}
    )
    return home
