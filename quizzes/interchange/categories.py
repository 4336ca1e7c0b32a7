"""Moodle category paths as bank categories (QuestionCategory is flat: the path is its name).

A file's path (`$CATEGORY: $course$/top/Default for X/Cases`, or Moodle XML's nested
`<category>`) loses Moodle's context prefixes (`$course$`, `$system$`, `$module$`... and
`top`), goes under the root category named at import (`--category`), and becomes one category
named "Root / Default for X / Cases" whose key is the slug of that name: the same path always
lands in the same category, so importing a file again finds what it imported before.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.text import slugify

from quizzes.models import QuestionCategory

KEY_LENGTH = 80  # QuestionCategory.key
NAME_LENGTH = 200  # QuestionCategory.name
SEPARATOR = " / "
DEFAULT_NAME = "Imported questions"
_CONTEXT = re.compile(r"^\$\w*\$$")  # $course$, $system$, $module$, $cat1$ ...


def clean_path(path: Sequence[str]) -> list[str]:
    """The path without Moodle's leading context and `top` parts, nor empty parts."""
    parts = [" ".join(p.split()) for p in path]
    parts = [p for p in parts if p]
    while parts and (_CONTEXT.match(parts[0]) or parts[0].casefold() == "top"):
        parts.pop(0)
    return parts


def slug_key(name: str) -> str:
    """A stable slug of `name` that fits QuestionCategory.key (a hash keeps long ones apart)."""
    slug = slugify(name)
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]  # noqa: S324 (a key, not a secret)
    if not slug:
        return f"imported-{digest}"
    if len(slug) > KEY_LENGTH:
        return f"{slug[: KEY_LENGTH - 9].rstrip('-')}-{digest}"
    return slug


@dataclass(frozen=True)
class CategoryPlace:
    """Where a file's category path lands: the bank category's key and name."""

    key: str
    name: str


def place(root: str | None, path: Sequence[str]) -> CategoryPlace:
    """The bank category for a file's `path` under `root` (None: the path alone)."""
    parts = ([" ".join(root.split())] if root and root.strip() else []) + clean_path(path)
    name = SEPARATOR.join(parts) or DEFAULT_NAME
    if len(name) > NAME_LENGTH:
        name = f"{name[: NAME_LENGTH - 1]}…"
    return CategoryPlace(slug_key(SEPARATOR.join(parts) or DEFAULT_NAME), name)


def tree(root: str | None) -> QuerySet[QuestionCategory]:
    """The categories an import under `root` may update: the root and everything under it
    (every category when there is no root)."""
    if not root or not root.strip():
        return QuestionCategory.objects.all()
    name = " ".join(root.split())
    key = slug_key(name)
    return QuestionCategory.objects.filter(
        Q(key=key)
        | Q(key__startswith=f"{key}-")
        | Q(name=name)
        | Q(name__startswith=f"{name}{SEPARATOR}")
    )


def ensure(
    places: Iterable[CategoryPlace], descriptions: dict[str, str]
) -> dict[str, QuestionCategory]:
    """The categories at `places` by place key, made where missing (at most three queries).

    An existing category is found by its key or, failing that, its name (a category made in the
    admin has a key of its own); a new one takes its description from the file.
    """
    wanted = {p.key: p for p in places}
    names = {p.name: p.key for p in wanted.values()}
    found: dict[str, QuestionCategory] = {}
    for category in QuestionCategory.objects.filter(Q(key__in=wanted) | Q(name__in=names)).order_by(
        "pk"
    ):
        if category.key in wanted:
            found[category.key] = category
        elif names.get(category.name) and names[category.name] not in found:
            found.setdefault(f"name:{names[category.name]}", category)
    for key in wanted:
        by_name = found.pop(f"name:{key}", None)
        if key not in found and by_name is not None:
            found[key] = by_name
    missing = [
        QuestionCategory(key=key, name=p.name, description=descriptions.get(key, ""))
        for key, p in wanted.items()
        if key not in found
    ]
    if missing:
        QuestionCategory.objects.bulk_create(missing)
        found.update({c.key: c for c in QuestionCategory.objects.filter(key__in=wanted)})
    return found
