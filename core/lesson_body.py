"""Lesson bodies: Markdown with `:::` directives (callout, keypoints, table, case, cite), turned
into StreamField raw data. The format is described in curriculum/README.md.
"""

from __future__ import annotations

import re
import shlex
import uuid
from pathlib import Path
from typing import Any

from core.curriculum import CurriculumError, markdown_to_richtext

# Stable namespace for StreamField block ids: the same file always yields the same ids, so
# reloading an unchanged lesson compares equal and creates no revision.
BLOCK_ID_NAMESPACE = uuid.UUID("5b0c7c1e-7f0e-4a55-9d36-0b8d7b3f2a10")
DIRECTIVE_OPEN = re.compile(r"^:::\s*([a-z_-]+)\s*(.*)$")
DIRECTIVE_CLOSE = ":::"
CALLOUT_STYLES = {"info", "warning", "safety", "background", "safety-background"}


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
