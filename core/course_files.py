"""Course folders and lesson files: course.toml, module.toml, lesson Markdown with front matter
(curriculum/README.md describes the format). Pure parsing, like core.curriculum.
"""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

from core.curriculum import (
    CourseSpec,
    CurriculumError,
    LessonSpec,
    ModuleSpec,
    ObjectiveSpec,
    markdown_to_richtext,
    read_key,
    read_toml,
    require,
)
from core.lesson_body import BodyBuilder

ORDER_PREFIX = re.compile(r"^(\d+)-(.+)$")


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


OBJECTIVE_TEXT_MAX_LENGTH = 300


CPD_HOURS_MAX = Decimal("999.75")


def read_cpd_hours(meta: dict[str, Any], where: str) -> Decimal | None:
    """A module's optional `cpd_hours`: a number of hours in quarter hours, 0.25 to 999.75."""
    if "cpd_hours" not in meta:
        return None
    value = meta["cpd_hours"]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CurriculumError(f"{where}: 'cpd_hours' must be a number of hours, such as 1.5")
    hours = Decimal(str(value))
    if not Decimal("0.25") <= hours <= CPD_HOURS_MAX or (hours * 4) % 1:
        raise CurriculumError(
            f"{where}: 'cpd_hours' must be in quarter hours between 0.25 and {CPD_HOURS_MAX}"
        )
    return hours.quantize(Decimal("0.01"))


def read_objectives(meta: dict[str, Any], where: str) -> list[ObjectiveSpec]:
    """A module's [[objective]] tables: a stable key (questions cite it) and what the learner
    will be able to do, in one sentence."""
    raw = meta.get("objective", [])
    if not isinstance(raw, list):
        raise CurriculumError(f"{where}: 'objective' must be [[objective]] tables")
    objectives = []
    for n, item in enumerate(raw, start=1):
        owhere = f"{where} [[objective]] #{n}"
        text = " ".join(require(item, "text", str, owhere).split())
        if len(text) > OBJECTIVE_TEXT_MAX_LENGTH:
            raise CurriculumError(
                f"{owhere}: 'text' is longer than {OBJECTIVE_TEXT_MAX_LENGTH} characters"
            )
        objectives.append(ObjectiveSpec(key=read_key(item, owhere), text=text))
    return objectives


def _unique_objectives(course: CourseSpec) -> None:
    """Questions name objectives by key across the course, so a key names one objective."""
    seen: dict[str, Path] = {}
    for module in course.modules:
        for objective in module.objectives:
            if objective.key in seen:
                raise CurriculumError(
                    f"{module.path / 'module.toml'}: objective key '{objective.key}' is already "
                    f"used in {seen[objective.key] / 'module.toml'}"
                )
            seen[objective.key] = module.path


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
                objectives=read_objectives(mmeta, mwhere),
                cpd_hours=read_cpd_hours(mmeta, mwhere),
            )
        )
    _unique(course.modules, "key", "module")
    _unique(course.modules, "slug", "module")
    _unique_objectives(course)
    _unique([lesson for module in course.modules for lesson in module.lessons], "key", "lesson")
    for module in course.modules:
        _unique(module.lessons, "slug", "lesson")
    return course
