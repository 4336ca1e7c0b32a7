"""Writes curriculum content to the database: the shared machinery of `load_curriculum`.

Idempotent: an object is written, and a revision made, only when its content differs from
its file. The caller runs the whole load in one transaction: a bad file leaves the database
as it was.

This is the layer-free part: syncing snippets and pages, the home page and the Sources. Each
app builds its own content with it (courses: courses, modules, lessons and Competencies;
quizzes: quiz pages; certification: checklists and programmes), and the top-level `academy`
app runs them in order.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Self

from django.conf import settings
from django.db import models
from wagtail.models import Page, Site

from core.curriculum import CurriculumError, read_sources
from core.models import EvidenceLevel, HomePage, Source

DEFAULT_ROOT = Path(settings.BASE_DIR) / "curriculum"


def _canonical(value: Any) -> str:
    """A value as comparable text (JSON with sorted keys)."""
    return json.dumps(value, sort_keys=True, default=str)


def streamfield_raw(value: Any) -> list[dict[str, Any]]:
    """A StreamField value in its stored form (a list of block dicts)."""
    return list(value.raw_data) if value is not None else []


class CurriculumLoader:
    """Makes the database match curriculum/, one object at a time. `stats` counts what happened.

    `sources` (by key) and `competencies` (by code) are what files may cite; courses fills
    the competencies (courses.curriculum.load_competencies). Keyed pages of the models in
    `retirable` (modules and lessons) give up their slug to a renamed sibling's file.
    """

    retirable: tuple[type[Page], ...] = ()

    def __init__(self, root: Path = DEFAULT_ROOT, log: Callable[[str], None] | None = None):
        self.root = Path(root)
        self.log = log or (lambda message: None)
        self.stats: Counter[str] = Counter()
        self.sources: dict[str, Source] = {}
        self.competencies: dict[str, Any] = {}

    @classmethod
    def from_database(cls, log: Callable[[str], None] | None = None) -> Self:
        """A loader resolving source keys against the database, for importing single files
        outside a full curriculum load (subclasses add what they resolve)."""
        loader = cls(log=log)
        loader.sources = {s.key: s for s in Source.objects.all()}
        return loader

    # Snippets ---------------------------------------------------------------------------

    def sync_snippet(
        self, model: type[models.Model], lookup: dict[str, Any], fields: dict[str, Any]
    ) -> Any:
        obj: Any = model._default_manager.filter(**lookup).first()
        label = model._meta.verbose_name
        if obj is None:
            obj = model(**lookup, **fields)
            obj.full_clean()
            obj.save()
            obj.save_revision(log_action=True)
            self.stats[f"{label} created"] += 1
        elif any(getattr(obj, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(obj, name, value)
            obj.full_clean()
            obj.save()
            obj.save_revision(log_action=True)
            self.stats[f"{label} updated"] += 1
        else:
            self.stats[f"{label} unchanged"] += 1
        return obj

    def sync_clustered(
        self,
        model: type[models.Model],
        lookup: dict[str, Any],
        fields: dict[str, Any],
        *,
        children: dict[str, tuple[type[models.Model], list[dict[str, Any]]]] | None = None,
        m2m: Mapping[str, Sequence[models.Model]] | None = None,
    ) -> Any:
        """Create or update a revisioned snippet with inline children (and publish it, if it
        has draft states), writing and revising it only when something differs."""
        children, m2m = children or {}, m2m or {}
        label = model._meta.verbose_name
        obj: Any = model._default_manager.filter(**lookup).first()
        publishes = hasattr(model, "live")
        if obj is not None:
            same = (
                all(getattr(obj, name) == value for name, value in fields.items())
                and all(
                    [
                        {key: getattr(child, key) for key in rows[0]}
                        for child in getattr(obj, name).all()
                    ]
                    == rows
                    if rows
                    else not getattr(obj, name).exists()
                    for name, (_, rows) in children.items()
                )
                and all(
                    {o.pk for o in getattr(obj, name).all()} == {o.pk for o in objs}
                    for name, objs in m2m.items()
                )
                and (obj.live if publishes else True)
            )
            if same:
                self.stats[f"{label} unchanged"] += 1
                return obj
            self.stats[f"{label} updated"] += 1
        else:
            obj = model(**lookup)
            self.stats[f"{label} created"] += 1
        for name, value in fields.items():
            setattr(obj, name, value)
        for name, (child_model, rows) in children.items():
            setattr(obj, name, [child_model(sort_order=i, **row) for i, row in enumerate(rows)])
        for name, objs in m2m.items():
            setattr(obj, name, objs)
        obj.save()
        revision = obj.save_revision(log_action=True)
        if publishes:
            revision.publish()
        return obj

    def load_sources(self) -> None:
        """sources.toml: every Source, created or updated."""
        for spec in read_sources(self.root / "sources.toml"):
            if spec.evidence_level not in EvidenceLevel.values:
                raise CurriculumError(
                    f"sources.toml: source '{spec.key}': unknown evidence_level '{spec.evidence_level}'"
                )
            self.sources[spec.key] = self.sync_snippet(
                Source,
                {"key": spec.key},
                {
                    "title": spec.title,
                    "authors": spec.authors,
                    "publication": spec.publication,
                    "year": spec.year,
                    "url": spec.url,
                    "evidence_level": spec.evidence_level,
                    "limitations": spec.limitations,
                },
            )

    def competency_list(self, codes: Iterable[str], where: str) -> list[Any]:
        """The Competencies with these codes; an unknown code is an error naming `where`."""
        found = []
        for code in codes:
            if code not in self.competencies:
                raise CurriculumError(
                    f"{where}: unknown competency '{code}' (see competencies.toml)"
                )
            found.append(self.competencies[code])
        return found

    def source(self, key: str, where: str) -> Source:
        """The Source with this key; an unknown key is an error naming `where`."""
        if key not in self.sources:
            raise CurriculumError(f"{where}: unknown source '{key}' (see sources.toml)")
        return self.sources[key]

    # Pages ------------------------------------------------------------------------------

    def ensure_home(self, meta: dict[str, Any]) -> HomePage:
        """The home page (from site.toml's [home]), made the default site's root."""
        root = Page.get_first_root_node()
        home = HomePage.objects.first()
        if home is None:
            # Wagtail's migrations leave a placeholder "Welcome" page (a plain Page) and a
            # Site pointing at it; the home page takes its place.
            for placeholder in root.get_children().filter(slug="home").exact_type(Page):
                placeholder.delete()
        home = self.sync_page(
            root,
            HomePage,
            "home",
            {
                "title": meta.get("title", "Home"),
                "headline": meta.get("headline", HomePage._meta.get_field("headline").default),
                "intro": meta.get("intro", ""),
            },
            existing=home,
        )
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            Site.objects.create(
                hostname="localhost",
                port=80,
                root_page=home,
                is_default_site=True,
                site_name=settings.WAGTAIL_SITE_NAME,
            )
        elif site.root_page_id != home.pk:
            site.root_page = home
            site.save()
        return home

    def sync_page(
        self,
        parent: Page | None,
        model: type[Page],
        slug: str,
        fields: dict[str, Any],
        *,
        streams: dict[str, list[dict[str, Any]]] | None = None,
        m2m: dict[str, list[models.Model]] | None = None,
        inline: dict[str, tuple[type[models.Model], list[dict[str, Any]]]] | None = None,
        existing: Page | None = None,
        key: str = "",
        scope: Page | None = None,
        where: str = "",
    ) -> Any:
        """Create the page under `parent`, or bring an existing one up to date (one revision).

        A page with a `key` (a course, module or lesson) is looked up by that key anywhere
        under `scope` and, if its file was renamed or moved, moved under `parent` and given the
        new slug; its records stay with it. Other pages are looked up by slug under `parent`.
        A keyed page is always live: one unpublished because its file had gone comes back.
        """
        streams, m2m, inline = streams or {}, m2m or {}, inline or {}
        label = model.__name__
        page = existing
        if page is None and key:
            page = self._find_keyed(model, key, scope or parent, where)
            if page is not None and parent is not None and page.get_parent().pk != parent.pk:
                page.move(parent, pos="last-child")
                page = model.objects.get(pk=page.pk)
                self.stats[f"{label} moved"] += 1
        if page is None and parent is not None:
            match = parent.get_children().filter(slug=slug).first()
            if match is not None:
                match = match.specific
                if not isinstance(match, model):
                    raise CurriculumError(
                        f"'{match.url_path}' is a {type(match).__name__}, expected {model.__name__}"
                    )
                # A page with a different key is another file's page: it makes way below.
                if not (key and match.key):
                    page = match
        if key:
            fields = {**fields, "key": key, "slug": slug}
            if parent is not None:
                self._claim_slug(parent, slug, page, where)
        if page is None:
            if parent is None:
                raise CurriculumError(f"{where or slug}: no parent page to create it under")
            page = model(**{"slug": slug, **fields})
            self._assign(page, streams, m2m, inline)
            parent.add_child(instance=page)
            page.save_revision(log_action=True).publish()
            self.stats[f"{label} created"] += 1
            return page
        if (page.live or not key) and not self._differs(page, fields, streams, m2m, inline):
            self.stats[f"{label} unchanged"] += 1
            return page
        for name, value in fields.items():
            setattr(page, name, value)
        self._assign(page, streams, m2m, inline)
        page.save_revision(log_action=True).publish()
        self.stats[f"{label} updated"] += 1
        return page

    @staticmethod
    def _find_keyed(model: type[Page], key: str, scope: Page, where: str) -> Page | None:
        found = list(model.objects.descendant_of(scope).filter(key=key))
        if len(found) > 1:
            paths = ", ".join(p.url_path for p in found)
            raise CurriculumError(
                f"{where}: {len(found)} pages in '{scope.url_path}' have the key '{key}' "
                f"({paths}); keys are unique per course, so move or unpublish all but one"
            )
        return found[0] if found else None

    def _claim_slug(self, parent: Page, slug: str, owner: Page | None, where: str) -> None:
        """Free `slug` under `parent` for `owner` (None: a page about to be created).

        A keyed module or lesson holding it gives it up (renamed to '<slug>-<id>'): either its
        file is gone, and it is unpublished at the end of the course, or its file was renamed,
        and it gets its new slug when that file is loaded. Any other page is never renamed.
        """
        holders = parent.get_children().filter(slug=slug)
        if owner is not None:
            holders = holders.exclude(pk=owner.pk)
        for holder in holders.specific():
            # Only modules and lessons are retired when their files go; a course is left alone.
            holder_key: str = getattr(holder, "key", "") or ""
            if not (isinstance(holder, self.retirable) and holder_key):
                raise CurriculumError(
                    f"{where}: the slug '{slug}' is taken by '{holder.url_path}', a page that "
                    "no curriculum file describes; rename or move that page in the admin first"
                )
            holder.slug = f"{slug}-{holder.pk}"
            holder.save(clean=False)
            self.stats[f"{type(holder).__name__} renamed aside"] += 1

    @staticmethod
    def _assign(
        page: Page,
        streams: dict[str, list[dict[str, Any]]],
        m2m: dict[str, list[models.Model]],
        inline: dict[str, tuple[type[models.Model], list[dict[str, Any]]]],
    ) -> None:
        """Set the page's stream, many-to-many and inline-child fields (not saved)."""
        for name, raw in streams.items():
            setattr(page, name, raw)
        for name, objs in m2m.items():
            setattr(page, name, objs)
        for name, (child_model, rows) in inline.items():
            # Explicit sort_order: without it the database returns children in any order.
            setattr(page, name, [child_model(sort_order=i, **row) for i, row in enumerate(rows)])

    @staticmethod
    def _differs(
        page: Page,
        fields: dict[str, Any],
        streams: dict[str, list[dict[str, Any]]],
        m2m: dict[str, list[models.Model]],
        inline: dict[str, tuple[type[models.Model], list[dict[str, Any]]]],
    ) -> bool:
        """Whether the page differs from what its file says."""
        if any(getattr(page, name) != value for name, value in fields.items()):
            return True
        for name, raw in streams.items():
            if _canonical(streamfield_raw(getattr(page, name))) != _canonical(raw):
                return True
        for name, objs in m2m.items():
            if {obj.pk for obj in getattr(page, name).all()} != {obj.pk for obj in objs}:
                return True
        for name, (_, rows) in inline.items():
            current = (
                [
                    {key: getattr(child, key) for key in rows[0]}
                    for child in getattr(page, name).all()
                ]
                if rows
                else list(getattr(page, name).all())
            )
            if current != rows:
                return True
        return False

    @staticmethod
    def ensure_order(parent: Page, pages: list[Page]) -> None:
        """Put `pages` (children of `parent`) in the given order, moving only when needed."""
        current = [
            p.pk
            for p in parent.get_children().filter(pk__in=[p.pk for p in pages]).order_by("path")
        ]
        if current == [p.pk for p in pages]:
            return
        first = Page.objects.get(pk=pages[0].pk)
        first.move(parent, pos="first-child")
        previous = first
        for page in pages[1:]:
            fresh = Page.objects.get(pk=page.pk)
            fresh.move(previous, pos="right")
            previous = Page.objects.get(pk=page.pk)
