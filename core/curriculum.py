"""Reading the curriculum text files (curriculum/README.md describes the format).

Pure parsing: files in, plain data out, nothing written to the database. Every error names
the file and, where it can, the line or field, so an author can fix it.
"""

from __future__ import annotations

import re
import shlex
import tomllib
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import markdown as markdown_lib
from django.utils.html import strip_tags

from core.sanitize import clean_richtext

# Stable namespace for StreamField block ids: the same file always yields the same ids, so
# reloading an unchanged lesson compares equal and creates no revision.
BLOCK_ID_NAMESPACE = uuid.UUID("5b0c7c1e-7f0e-4a55-9d36-0b8d7b3f2a10")
ORDER_PREFIX = re.compile(r"^(\d+)-(.+)$")
DIRECTIVE_OPEN = re.compile(r"^:::\s*([a-z_-]+)\s*(.*)$")
DIRECTIVE_CLOSE = ":::"
KEY_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KEY_MAX_LENGTH = 100
CALLOUT_STYLES = {"info", "warning", "safety"}


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


# Lessons --------------------------------------------------------------------------------


def split_front_matter(path: Path, text: str) -> tuple[dict[str, Any], str, int]:
    """(front matter, body, line number where the body starts)."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "+++":
        raise CurriculumError(f"{path}:1: a lesson starts with a '+++' line (TOML front matter)")
    for end in range(1, len(lines)):
        if lines[end].strip() == "+++":
            try:
                meta = tomllib.loads("\n".join(lines[1:end]))
            except tomllib.TOMLDecodeError as exc:
                raise CurriculumError(f"{path}: front matter: {exc}") from exc
            return meta, "\n".join(lines[end + 1 :]), end + 2
    raise CurriculumError(f"{path}:1: front matter is not closed by a '+++' line")


def parse_attributes(path: Path, lineno: int, text: str) -> dict[str, str]:
    try:
        tokens = shlex.split(text)
    except ValueError as exc:
        raise CurriculumError(f"{path}:{lineno}: {exc}") from exc
    attrs = {}
    for token in tokens:
        name, sep, value = token.partition("=")
        if not sep or not name:
            raise CurriculumError(f"{path}:{lineno}: expected name=value, got '{token}'")
        attrs[name] = value
    return attrs


def _attr(path: Path, lineno: int, attrs: dict[str, str], name: str) -> str:
    value = attrs.get(name, "").strip()
    if not value:
        raise CurriculumError(f"{path}:{lineno}: this directive needs {name}=...")
    return value


def parse_table(path: Path, lineno: int, content: str) -> list[list[str]]:
    rows = []
    for offset, line in enumerate(content.splitlines()):
        line = line.strip()
        if not line:
            continue
        if not (line.startswith("|") and line.endswith("|")):
            raise CurriculumError(
                f"{path}:{lineno + offset + 1}: table rows start and end with '|'"
            )
        cells = [cell.strip() for cell in line[1:-1].split("|")]
        if all(re.fullmatch(r":?-{3,}:?", cell) for cell in cells):
            continue  # the header separator row
        rows.append(cells)
    if len(rows) < 2:
        raise CurriculumError(
            f"{path}:{lineno}: a table needs a header row and at least one data row"
        )
    width = len(rows[0])
    for row in rows:
        if len(row) != width:
            raise CurriculumError(f"{path}:{lineno}: every table row needs {width} cells")
    return rows


class BodyBuilder:
    """Turns a lesson body (Markdown with ::: directives) into StreamField raw data."""

    def __init__(self, path: Path, key: str, source_ids: dict[str, int] | None):
        self.path = path
        self.key = key
        self.source_ids = source_ids
        self.blocks: list[dict[str, Any]] = []
        self.sources_used: set[str] = set()

    def _id(self, *parts: object) -> str:
        return str(uuid.uuid5(BLOCK_ID_NAMESPACE, "/".join([self.key, *map(str, parts)])))

    def _source(self, lineno: int, key: str) -> int | str:
        self.sources_used.add(key)
        if self.source_ids is None:
            return key
        if key not in self.source_ids:
            raise CurriculumError(
                f"{self.path}:{lineno}: unknown source '{key}' (see sources.toml)"
            )
        return self.source_ids[key]

    def add(self, block_type: str, value: Any) -> None:
        self.blocks.append({"type": block_type, "value": value, "id": self._id(len(self.blocks))})

    def add_text(self, text: str) -> None:
        if text.strip():
            self.add("text", markdown_to_richtext(text))

    def add_directive(self, lineno: int, name: str, attrs: dict[str, str], content: str) -> None:
        path = self.path
        if name == "callout":
            style = attrs.get("style", "info")
            if style not in CALLOUT_STYLES:
                raise CurriculumError(
                    f"{path}:{lineno}: callout style must be one of {sorted(CALLOUT_STYLES)}"
                )
            if not content.strip():
                raise CurriculumError(f"{path}:{lineno}: a callout needs text")
            self.add(
                "callout",
                {
                    "style": style,
                    "title": _attr(path, lineno, attrs, "title"),
                    "body": markdown_to_richtext(content),
                },
            )
        elif name == "keypoints":
            points = []
            for offset, line in enumerate(content.splitlines()):
                if not line.strip():
                    continue
                if not line.lstrip().startswith("- "):
                    raise CurriculumError(
                        f"{path}:{lineno + offset + 1}: key points are '- ' list items"
                    )
                points.append(line.lstrip()[2:].strip())
            if not points:
                raise CurriculumError(f"{path}:{lineno}: key points need at least one item")
            index = len(self.blocks)
            self.add(
                "key_points",
                {
                    "title": attrs.get("title", "Key points"),
                    "points": [
                        {"type": "item", "value": p, "id": self._id(index, "item", j)}
                        for j, p in enumerate(points)
                    ],
                },
            )
        elif name == "table":
            rows = parse_table(path, lineno, content)
            self.add(
                "table",
                {
                    "caption": _attr(path, lineno, attrs, "caption"),
                    "table": {
                        "data": rows,
                        "first_row_is_table_header": True,
                        "first_col_is_header": False,
                        "table_header_choice": "row",
                    },
                },
            )
        elif name == "case":
            if not content.strip():
                raise CurriculumError(f"{path}:{lineno}: a case excerpt needs text")
            self.add(
                "case_excerpt",
                {
                    "title": attrs.get("title", "From the case"),
                    "text": markdown_to_richtext(content),
                    "source": self._source(lineno, _attr(path, lineno, attrs, "source")),
                    "passage": _attr(path, lineno, attrs, "passage"),
                },
            )
        elif name == "cite":
            self.add(
                "citation",
                {
                    "source": self._source(lineno, _attr(path, lineno, attrs, "source")),
                    "passage": _attr(path, lineno, attrs, "passage"),
                    "note": markdown_to_richtext(content) if content.strip() else "",
                },
            )
        else:
            raise CurriculumError(
                f"{path}:{lineno}: unknown directive '{name}' (callout, keypoints, table, case, cite)"
            )

    def build(self, body: str, first_line: int) -> list[dict[str, Any]]:
        text: list[str] = []
        lines = body.splitlines()
        i = 0
        while i < len(lines):
            line = lines[i]
            match = DIRECTIVE_OPEN.match(line.strip()) if line.strip() != DIRECTIVE_CLOSE else None
            if match:
                lineno = first_line + i
                self.add_text("\n".join(text))
                text = []
                name, attrs = match.group(1), parse_attributes(self.path, lineno, match.group(2))
                content: list[str] = []
                i += 1
                while i < len(lines) and lines[i].strip() != DIRECTIVE_CLOSE:
                    if DIRECTIVE_OPEN.match(lines[i].strip()):
                        raise CurriculumError(
                            f"{self.path}:{first_line + i}: directives cannot nest; close the one opened on line {lineno}"
                        )
                    content.append(lines[i])
                    i += 1
                if i == len(lines):
                    raise CurriculumError(
                        f"{self.path}:{lineno}: directive '{name}' is not closed by ':::'"
                    )
                self.add_directive(lineno, name, attrs, "\n".join(content))
            elif line.strip() == DIRECTIVE_CLOSE:
                raise CurriculumError(f"{self.path}:{first_line + i}: ':::' closes nothing")
            else:
                text.append(line)
            i += 1
        self.add_text("\n".join(text))
        return self.blocks


def slug_from_name(path: Path) -> tuple[int, str]:
    """'02-tcm-patterns' -> (2, 'tcm-patterns'); the number orders siblings."""
    match = ORDER_PREFIX.match(path.stem if path.is_file() else path.name)
    if not match:
        raise CurriculumError(
            f"{path}: name must start with an order number, e.g. '01-{path.stem}'"
        )
    return int(match.group(1)), match.group(2)


def read_lesson(
    path: Path, course_key: str, source_ids: dict[str, int] | None = None
) -> LessonSpec:
    """Parse one lesson file. With `source_ids`, source keys become Source primary keys."""
    text = path.read_text(encoding="utf-8")
    meta, body, body_line = split_front_matter(path, text)
    where = f"{path} front matter"
    _, slug = slug_from_name(path)
    key = read_key(meta, where)
    competencies = require(meta, "competencies", list, where)
    citations_raw = require(meta, "citations", list, where)
    if not competencies:
        raise CurriculumError(f"{where}: 'competencies' lists at least one code")
    if not citations_raw:
        raise CurriculumError(f"{where}: 'citations' lists at least one source")
    citations = []
    for n, item in enumerate(citations_raw, start=1):
        if not isinstance(item, dict):
            raise CurriculumError(
                f"{where}: citation #{n} must be {{ source = ..., passage = ... }}"
            )
        citations.append(
            (
                require(item, "source", str, f"{where} citation #{n}"),
                require(item, "passage", str, f"{where} citation #{n}"),
            )
        )
    minutes = require(meta, "minutes", int, where)
    if not 1 <= minutes <= 240:
        raise CurriculumError(f"{where}: 'minutes' must be between 1 and 240")
    # Block ids follow the lesson's key, not its file name: a renamed file keeps its body.
    builder = BodyBuilder(path, f"{course_key}/{key}", source_ids)
    blocks = builder.build(body, body_line)
    if not blocks:
        raise CurriculumError(f"{path}: the lesson body is empty")
    return LessonSpec(
        key=key,
        slug=slug,
        title=require(meta, "title", str, where),
        minutes=minutes,
        summary=require(meta, "summary", str, where).strip(),
        competencies=competencies,
        citations=citations,
        body=blocks,
        path=path,
    )


def _unique(items: list[LessonSpec] | list[ModuleSpec], field: str, kind: str) -> None:
    """Two files with one key would be one page; two siblings with one slug, one URL."""
    seen: dict[str, Path] = {}
    for item in items:
        value = getattr(item, field)
        if value in seen:
            raise CurriculumError(
                f"{item.path}: {kind} {field} '{value}' is already used by {seen[value]}"
            )
        seen[value] = item.path


def read_course(course_dir: Path, source_ids: dict[str, int] | None = None) -> CourseSpec:
    meta = read_toml(course_dir / "course.toml")
    where = f"{course_dir / 'course.toml'}"
    course = CourseSpec(
        key=read_key(meta, where),
        slug=course_dir.name,
        title=require(meta, "title", str, where),
        summary=require(meta, "summary", str, where).strip(),
        audience=meta.get("audience", ""),
        intro=markdown_to_richtext(meta.get("intro", "")),
        path=course_dir,
    )
    module_dirs = sorted(
        (d for d in course_dir.iterdir() if d.is_dir()), key=lambda d: slug_from_name(d)[0]
    )
    for module_dir in module_dirs:
        mmeta = read_toml(module_dir / "module.toml")
        mwhere = f"{module_dir / 'module.toml'}"
        lesson_files = sorted(module_dir.glob("*.md"), key=lambda p: slug_from_name(p)[0])
        quiz_path = module_dir / "quiz.toml"
        course.modules.append(
            ModuleSpec(
                key=read_key(mmeta, mwhere),
                slug=slug_from_name(module_dir)[1],
                title=require(mmeta, "title", str, mwhere),
                summary=require(mmeta, "summary", str, mwhere).strip(),
                intro=markdown_to_richtext(mmeta.get("intro", "")),
                requires_previous=bool(mmeta.get("requires_previous", False)),
                competencies=mmeta.get("competencies", []),
                lessons=[read_lesson(p, course.key, source_ids) for p in lesson_files],
                path=module_dir,
                quiz=read_toml(quiz_path) if quiz_path.exists() else None,
            )
        )
    _unique(course.modules, "key", "module")
    _unique(course.modules, "slug", "module")
    _unique([lesson for module in course.modules for lesson in module.lessons], "key", "lesson")
    for module in course.modules:
        _unique(module.lessons, "slug", "lesson")
    return course
