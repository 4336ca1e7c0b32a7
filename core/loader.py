"""Builds or updates the site from the curriculum files (used by `load_curriculum`).

Idempotent: an object is written, and a revision made, only when its content differs from
its file. The whole load is one transaction: a bad file leaves the database as it was.

Courses, modules and lessons are known by the `key` in their file, not by the file's name: a
renamed or moved file updates its page in place (same page, same learner records), and a page
whose file is gone is unpublished, never deleted.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models, transaction
from wagtail.models import Page, Site

from core.curriculum import (
    CourseSpec,
    CurriculumError,
    LessonSpec,
    ModuleSpec,
    read_competencies,
    read_course,
    read_sources,
    read_toml,
)
from core.models import EvidenceLevel, HomePage, Source
from core.roles import ensure_roles
from courses.evaluation import request_evaluation_later
from courses.models import (
    Competency,
    CompetencyDomain,
    CourseIndexPage,
    CoursePage,
    Enrollment,
    LessonCitation,
    LessonPage,
    ModulePage,
)

DEFAULT_ROOT = Path(settings.BASE_DIR) / "curriculum"

# Hooks for other apps: called with (loader, module_page, module_spec) after a module's
# lessons are in place (the quizzes app adds the module quiz).
MODULE_EXTENSIONS: list[Callable[[CurriculumLoader, ModulePage, ModuleSpec], None]] = []
# Called with (loader, course_page, course_spec) after the course's modules are in place.
COURSE_EXTENSIONS: list[Callable[[CurriculumLoader, CoursePage, CourseSpec], None]] = []
# Called with (loader,) after every course is in place (programmes refer to courses).
ROOT_EXTENSIONS: list[Callable[[CurriculumLoader], None]] = []


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def streamfield_raw(value: Any) -> list[dict[str, Any]]:
    return list(value.raw_data) if value is not None else []


class CurriculumLoader:
    """Reads curriculum/ and makes the database match it. `stats` counts what happened."""

    def __init__(self, root: Path = DEFAULT_ROOT, log: Callable[[str], None] | None = None):
        self.root = Path(root)
        self.log = log or (lambda message: None)
        self.stats: Counter[str] = Counter()
        self.sources: dict[str, Source] = {}
        self.competencies: dict[str, Competency] = {}

    @classmethod
    def from_database(cls, log: Callable[[str], None] | None = None) -> CurriculumLoader:
        """A loader that resolves source keys and competency codes against the database,
        for importing single files (import_case) outside a full curriculum load."""
        loader = cls(log=log)
        loader.sources = {s.key: s for s in Source.objects.all()}
        loader.competencies = {c.code: c for c in Competency.objects.all()}
        return loader

    # Entry point ------------------------------------------------------------------------

    @transaction.atomic
    def run(self) -> Counter[str]:
        if not self.root.is_dir():
            raise CurriculumError(f"{self.root}: curriculum folder not found")
        site_meta = read_toml(self.root / "site.toml")
        home = self.ensure_home(site_meta.get("home", {}))
        self.load_sources()
        self.load_competencies()
        index = self.sync_page(
            home,
            CourseIndexPage,
            "courses",
            {
                "title": site_meta.get("courses", {}).get("title", "Courses"),
                "intro": site_meta.get("courses", {}).get("intro", ""),
            },
        )
        source_ids = {key: source.pk for key, source in self.sources.items()}
        specs = [
            read_course(course_dir, source_ids)
            for course_dir in sorted(
                d for d in self.root.iterdir() if (d / "course.toml").is_file()
            )
        ]
        keys: dict[str, Path | None] = {}
        for spec in specs:
            if spec.key in keys:
                raise CurriculumError(
                    f"{spec.path}: course key '{spec.key}' is already used by {keys[spec.key]}"
                )
            keys[spec.key] = spec.path
        course_pages = [self.load_course(index, spec) for spec in specs]
        self.ensure_order(index, course_pages)
        for extension in ROOT_EXTENSIONS:
            extension(self)
        ensure_roles(index)
        return self.stats

    # Snippets ---------------------------------------------------------------------------

    def sync_snippet(
        self, model: type[models.Model], lookup: dict[str, Any], fields: dict[str, Any]
    ) -> Any:
        obj = model._default_manager.filter(**lookup).first()
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
        m2m: dict[str, list[models.Model]] | None = None,
    ) -> Any:
        """Create or update a revisioned snippet with inline children (and publish it, if it
        has draft states), writing and revising it only when something differs."""
        children, m2m = children or {}, m2m or {}
        label = model._meta.verbose_name
        obj = model._default_manager.filter(**lookup).first()
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

    def load_competencies(self) -> None:
        for spec in read_competencies(self.root / "competencies.toml"):
            if spec.domain not in CompetencyDomain.values:
                raise CurriculumError(
                    f"competencies.toml: '{spec.code}': unknown domain '{spec.domain}'"
                )
            self.competencies[spec.code] = self.sync_snippet(
                Competency,
                {"code": spec.code},
                {"title": spec.title, "domain": spec.domain, "description": spec.description},
            )

    def competency_list(self, codes: Iterable[str], where: str) -> list[Competency]:
        found = []
        for code in codes:
            if code not in self.competencies:
                raise CurriculumError(
                    f"{where}: unknown competency '{code}' (see competencies.toml)"
                )
            found.append(self.competencies[code])
        return found

    def source(self, key: str, where: str) -> Source:
        if key not in self.sources:
            raise CurriculumError(f"{where}: unknown source '{key}' (see sources.toml)")
        return self.sources[key]

    # Pages ------------------------------------------------------------------------------

    def ensure_home(self, meta: dict[str, Any]) -> HomePage:
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
            if not (isinstance(holder, ModulePage | LessonPage) and holder.key):
                raise CurriculumError(
                    f"{where}: the slug '{slug}' is taken by '{holder.url_path}', a page that "
                    "no curriculum file describes; rename or move that page in the admin first"
                )
            holder.slug = f"{slug}-{holder.pk}"
            holder.save(clean=False)
            self.stats[f"{type(holder).__name__} renamed aside"] += 1

    @staticmethod
    def _assign(page: Page, streams, m2m, inline) -> None:
        for name, raw in streams.items():
            setattr(page, name, raw)
        for name, objs in m2m.items():
            setattr(page, name, objs)
        for name, (child_model, rows) in inline.items():
            # Explicit sort_order: without it the database returns children in any order.
            setattr(page, name, [child_model(sort_order=i, **row) for i, row in enumerate(rows)])

    @staticmethod
    def _differs(page: Page, fields, streams, m2m, inline) -> bool:
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

    def load_course(self, index: CourseIndexPage, spec: CourseSpec) -> CoursePage:
        course = self.sync_page(
            index,
            CoursePage,
            spec.slug,
            {
                "title": spec.title,
                "summary": spec.summary,
                "audience": spec.audience,
                "intro": spec.intro,
            },
            key=spec.key,
            where=str(spec.path / "course.toml") if spec.path else spec.slug,
        )
        moved_before = self.stats["ModulePage moved"] + self.stats["LessonPage moved"]
        module_pages = []
        for module_spec in spec.modules:
            where = str(module_spec.path / "module.toml")
            module = self.sync_page(
                course,
                ModulePage,
                module_spec.slug,
                {
                    "title": module_spec.title,
                    "summary": module_spec.summary,
                    "intro": module_spec.intro,
                    "requires_previous": module_spec.requires_previous,
                },
                m2m={"competencies": self.competency_list(module_spec.competencies, where)},
                key=module_spec.key,
                where=where,
            )
            lesson_pages = [
                self.load_lesson(course, module, lesson) for lesson in module_spec.lessons
            ]
            for extension in MODULE_EXTENSIONS:
                extension(self, module, module_spec)
            self.ensure_order(
                module,
                lesson_pages
                + [
                    p
                    for p in module.get_children()
                    .exclude(pk__in=[lp.pk for lp in lesson_pages])
                    .order_by("path")
                ],
            )
            module_pages.append(module)
        retired = self.retire_missing(course, spec)
        moved = self.stats["ModulePage moved"] + self.stats["LessonPage moved"] - moved_before
        if retired or moved:
            self.reevaluate_learners(course)
        for extension in COURSE_EXTENSIONS:
            extension(self, course, spec)
        self.ensure_order(course, module_pages)
        return course

    def load_lesson(self, course: CoursePage, module: ModulePage, lesson: LessonSpec) -> LessonPage:
        where = str(lesson.path)
        return self.sync_page(
            module,
            LessonPage,
            lesson.slug,
            {
                "title": lesson.title,
                "summary": lesson.summary,
                "estimated_minutes": lesson.minutes,
            },
            streams={"body": lesson.body},
            m2m={"competencies": self.competency_list(lesson.competencies, where)},
            inline={
                "citations": (
                    LessonCitation,
                    [
                        {"source_id": self.source(key, where).pk, "passage": passage}
                        for key, passage in lesson.citations
                    ],
                )
            },
            key=lesson.key,
            scope=course,
            where=where,
        )

    def retire_missing(self, course: CoursePage, spec: CourseSpec) -> int:
        """Unpublish the course's keyed modules and lessons that no file describes any more.

        Never deleted: completions, attempts and certificates keep pointing at them, and the
        page comes back (same id) if its file does. A retired module takes its remaining pages
        (its quiz) with it; its lessons that still have files were moved out above. Progress
        counts live pages only, so a learner who had done every remaining step stays done.
        """
        wanted = {
            ModulePage: {m.key for m in spec.modules},
            LessonPage: {lesson.key for m in spec.modules for lesson in m.lessons},
        }
        count = 0
        for model, keys in wanted.items():
            gone = model.objects.descendant_of(course).live().exclude(key="").exclude(key__in=keys)
            for page in gone:
                for retiring in [page, *page.get_descendants().live().specific()]:
                    retiring.unpublish(log_action=True)
                    self.stats[f"{type(retiring).__name__} unpublished"] += 1
                    count += 1
        return count

    def reevaluate_learners(self, course: CoursePage) -> None:
        """The course's structure changed (a page retired or moved): judge its learners again.

        A learner may now have done every remaining step of a module or of the course; the
        evaluation records that (once) after this load commits.
        """
        learners = Enrollment.objects.filter(course=course).select_related("user")
        for enrollment in learners.iterator():
            request_evaluation_later(enrollment.user)
        self.stats["learners re-evaluated"] += learners.count()
