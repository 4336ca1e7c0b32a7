"""Reading the curriculum text files (curriculum/README.md describes the format).

Pure parsing: files in, plain data out, nothing written to the database. Every error names
the file and, where it can, the line or field, so an author can fix it. This module holds the
shared parts (TOML and Markdown, the specs, Sources and Competencies); course folders and
lesson files are read by core.course_files, lesson bodies by core.lesson_body.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import markdown as markdown_lib
from django.utils.html import strip_tags

from core.sanitize import clean_richtext

KEY_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KEY_MAX_LENGTH = 100


class CurriculumError(ValueError):
    """A curriculum file is malformed; the message names the file and line or field."""


@dataclass
class SourceSpec:
    key: str
    title: str
    authors: str
    evidence_level: str
    publication: str = ""
    year: int | None = None
    url: str = ""
    limitations: str = ""


@dataclass
class CompetencySpec:
    code: str
    title: str
    domain: str
    description: str = ""


@dataclass
class ObjectiveSpec:
    """A module's learning objective: what a learner can do after it (questions name the key)."""

    key: str
    text: str


@dataclass
class LessonSpec:
    key: str
    slug: str
    title: str
    minutes: int
    summary: str
    competencies: list[str]
    citations: list[tuple[str, str]]  # (source key, passage)
    body: list[dict[str, Any]]  # StreamField raw data, storage format
    path: Path


@dataclass
class ModuleSpec:
    key: str
    slug: str
    title: str
    summary: str
    intro: str  # HTML
    requires_previous: bool
    competencies: list[str]
    lessons: list[LessonSpec]
    path: Path
    quiz: dict[str, Any] | None = None  # parsed quiz.toml, interpreted by the quizzes app
    objectives: list[ObjectiveSpec] = field(default_factory=list)
    cpd_hours: Decimal | None = None  # None: the lessons' estimated minutes, in hours


@dataclass
class CourseSpec:
    key: str
    slug: str
    title: str
    summary: str
    audience: str
    intro: str  # HTML
    modules: list[ModuleSpec] = field(default_factory=list)
    path: Path | None = None


# Markdown -------------------------------------------------------------------------------


def markdown_to_richtext(text: str) -> str:
    """Markdown to the HTML Wagtail stores for rich text (<b>/<i>, no whitespace between blocks).

    Markdown passes raw HTML through, and case and curriculum files come from outside, so the
    result is cleaned to the rich-text allow-list: nothing in it can run, and the admin
    editor can open it.
    """
    html = markdown_lib.markdown(text.strip(), extensions=["sane_lists"], output_format="html")
    html = re.sub(r"<(/?)strong>", r"<\1b>", html)
    html = re.sub(r"<(/?)em>", r"<\1i>", html)
    html = re.sub(r">\s*\n\s*<", "><", html)
    return clean_richtext(html.strip())


# TOML -----------------------------------------------------------------------------------


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise CurriculumError(f"{path}: {exc}") from exc
    except OSError as exc:
        raise CurriculumError(f"{path}: cannot read ({exc.strerror})") from exc
    _refuse_nul(path, data, "")
    return data


def _refuse_nul(path: Path, value: Any, at: str) -> None:
    """TOML can spell a NUL character (\\u0000) but PostgreSQL cannot store one in text."""
    if isinstance(value, dict):
        for key, item in value.items():
            _refuse_nul(path, key, f"{at}.{key}" if at else key)
            _refuse_nul(path, item, f"{at}.{key}" if at else key)
    elif isinstance(value, list):
        for n, item in enumerate(value, start=1):
            _refuse_nul(path, item, f"{at} #{n}")
    elif isinstance(value, str) and "\x00" in value:
        raise CurriculumError(f"{path}: field '{at}' contains a NUL character (\\u0000)")


def require(data: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    """data[key], checked for presence, type and (for strings) non-blank."""
    if key not in data:
        raise CurriculumError(f"{where}: missing field '{key}'")
    value = data[key]
    if isinstance(value, bool) and kind is int:
        raise CurriculumError(f"{where}: field '{key}' must be a number")
    if not isinstance(value, kind):
        raise CurriculumError(f"{where}: field '{key}' has the wrong type ({type(value).__name__})")
    if isinstance(value, str) and not value.strip():
        raise CurriculumError(f"{where}: field '{key}' is empty")
    return value


def require_markdown(data: dict[str, Any], key: str, where: str) -> str:
    """data[key], required Markdown, as cleaned rich text; refused if no text survives cleaning."""
    html = markdown_to_richtext(require(data, key, str, where))
    if not strip_tags(html).strip():
        raise CurriculumError(
            f"{where}: field '{key}' has no text once HTML other than simple formatting is removed"
        )
    return html


def optional(
    data: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str, default: Any
) -> Any:
    if key not in data:
        return default
    return require(data, key, kind, where)


def read_key(data: dict[str, Any], where: str) -> str:
    """The stable `key` of a course, module or lesson: the loader's handle on its page, so that
    renaming or moving the file updates the page instead of making a new one."""
    key = require(data, "key", str, where)
    if len(key) > KEY_MAX_LENGTH or not KEY_PATTERN.match(key):
        raise CurriculumError(
            f"{where}: 'key' must be lowercase letters, digits and single hyphens "
            f"(at most {KEY_MAX_LENGTH} characters), got '{key}'"
        )
    return key


def read_sources(path: Path) -> list[SourceSpec]:
    data = read_toml(path)
    specs = []
    for i, item in enumerate(data.get("source", []), start=1):
        where = f"{path} [[source]] #{i}"
        specs.append(
            SourceSpec(
                key=require(item, "key", str, where),
                title=require(item, "title", str, where),
                authors=require(item, "authors", str, where),
                evidence_level=require(item, "evidence_level", str, where),
                publication=optional(item, "publication", str, where, ""),
                year=optional(item, "year", int, where, None),
                url=item.get("url", ""),
                limitations=item.get("limitations", "").strip(),
            )
        )
    return specs


def read_competencies(path: Path) -> list[CompetencySpec]:
    data = read_toml(path)
    specs = []
    for i, item in enumerate(data.get("competency", []), start=1):
        where = f"{path} [[competency]] #{i}"
        specs.append(
            CompetencySpec(
                code=require(item, "code", str, where),
                title=require(item, "title", str, where),
                domain=require(item, "domain", str, where),
                description=item.get("description", "").strip(),
            )
        )
    return specs
