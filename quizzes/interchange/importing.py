"""A parsed Moodle file into the question bank: drafts in Clinical review, in one transaction.

`import_file` maps every record (quizzes.interchange.mapping), places it in its category
(quizzes.interchange.categories), decides whether it is new or an update, and saves all of it
as drafts with their reviews (quizzes.interchange.drafts). A dry run does the same work and
rolls it back: it writes nothing, not even images.

Which question an imported one updates, within the categories under the import's root:
1. the question whose external id is the record's idnumber (or, for a file this bank
   exported, whose key is that idnumber, when it has no external id);
2. failing that, the question of the same category with the same title (when the record has
   an idnumber, only a question without an external id of its own).
Anything else is a new question. Objectives, competencies and the cognitive level are left
blank: the reviewer sets them before approving.
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.text import slugify

from core.models import Source
from core.roles import clinical_review_workflow
from quizzes.interchange import categories
from quizzes.interchange.drafts import Draft, first_task, save_drafts
from quizzes.interchange.images import ImageStore
from quizzes.interchange.mapping import Unmappable, map_record
from quizzes.interchange.records import ImportFile, QuestionRecord, Skipped
from quizzes.models import Question, QuestionCategory, QuestionType

PASSAGE_LENGTH = 300


@dataclass
class ImportedQuestion:
    """One question of the file as imported: created or updated, where, and any notes."""

    name: str
    type: str
    category: str
    created: bool
    notes: list[str] = field(default_factory=list)
    question_id: int | None = None

    @property
    def type_label(self) -> str:
        """The type as the bank names it ("Single choice"), for people."""
        return str(QuestionType(self.type).label) if self.type in QuestionType.values else self.type


@dataclass
class ImportSummary:
    """What an import did (or, in a dry run, would do)."""

    format: str
    dry_run: bool
    questions: list[ImportedQuestion] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    images_created: int = 0
    images_reused: int = 0

    @property
    def created(self) -> int:
        return sum(1 for q in self.questions if q.created)

    @property
    def updated(self) -> int:
        return sum(1 for q in self.questions if not q.created)

    @property
    def headline(self) -> str:
        """ "N imported, M updated, K skipped (types…)"."""
        line = f"{self.created} imported, {self.updated} updated, {len(self.skipped)} skipped"
        if self.skipped:
            kinds = Counter(s.moodle_type or "unknown" for s in self.skipped)
            line += " (" + ", ".join(f"{k}: {n}" for k, n in sorted(kinds.items())) + ")"
        return line

    def lines(self) -> list[str]:
        """The summary as text lines: the headline, each skip with its reason, each note."""
        out = [("Dry run, nothing written: " if self.dry_run else "") + self.headline]
        if self.images_created or self.images_reused:
            out.append(f"Images: {self.images_created} new, {self.images_reused} already there")
        for s in self.skipped:
            where = f" (line {s.line})" if s.line else ""
            out.append(f"Skipped {s.name!r} [{s.moodle_type}]{where}: {s.reason}")
        for q in self.questions:
            for note in q.notes:
                out.append(f"Note on {q.name!r}: {note}")
        return out


def _new_keys(titles: list[str]) -> list[str]:
    """A fresh unique question key per title (slug plus a random part), checked in one query."""
    keys = [f"{(slugify(t)[:60].strip('-') or 'imported')}-{secrets.token_hex(4)}" for t in titles]
    taken = set(Question.objects.filter(key__in=keys).values_list("key", flat=True))
    seen: set[str] = set()
    result = []
    for key in keys:
        while key in taken or key in seen:
            key = f"{key.rsplit('-', 1)[0]}-{secrets.token_hex(4)}"
        seen.add(key)
        result.append(key)
    return result


def _existing(
    records: list[QuestionRecord], category_ids: set[int], root: str | None
) -> tuple[dict[str, Question], dict[tuple[int, str], Question]]:
    """The questions these records may update, by idnumber and by (category id, title)."""
    ids = {r.idnumber.strip() for r in records if r.idnumber.strip()}
    titles = {" ".join(r.name.split())[:200] for r in records}
    candidates = (
        Question.objects.select_for_update(of=("self",))
        .filter(category__in=categories.tree(root))
        .filter(
            Q(external_id__in=ids)
            | Q(key__in=ids, external_id="")
            | Q(title__in=titles, category_id__in=category_ids)
        )
        .order_by("pk")
    )
    by_id: dict[str, Question] = {}
    by_title: dict[tuple[int, str], Question] = {}
    for question in candidates:
        if question.external_id in ids:
            by_id.setdefault(question.external_id, question)
        elif question.key in ids:
            by_id.setdefault(question.key, question)
        if question.title in titles:
            by_title.setdefault((question.category_id, question.title), question)
    return by_id, by_title


def import_file(
    parsed: ImportFile,
    *,
    source: Source,
    category: str | None,
    user: Any,
    dry_run: bool,
    file_name: str = "",
) -> ImportSummary:
    """Import `parsed` under the root category named `category`, citing `source`.

    Every question becomes a draft (a new revision, not live) in the Clinical review workflow;
    raises drafts.NoReviewWorkflow, writing nothing, when there is none.
    """
    summary = ImportSummary(format=parsed.format, dry_run=dry_run, skipped=list(parsed.skipped))
    images = ImageStore(dry_run=dry_run)
    workflow = clinical_review_workflow()
    first_task(workflow)
    passage = (f"Imported from {file_name}" if file_name else "Imported question bank")[
        :PASSAGE_LENGTH
    ]
    try:
        with transaction.atomic():
            _import(parsed, summary, images, source, category, user, passage, workflow, file_name)
            if dry_run:
                transaction.set_rollback(True)
    except BaseException:
        images.discard()
        raise
    summary.images_created, summary.images_reused = images.created, images.reused
    return summary


def _import(
    parsed: ImportFile,
    summary: ImportSummary,
    images: ImageStore,
    source: Source,
    root: str | None,
    user: Any,
    passage: str,
    workflow: Any,
    file_name: str,
) -> None:
    records = parsed.questions
    places = [categories.place(root, r.category) for r in records]
    declared = {categories.place(root, c.path).key: c for c in parsed.categories}
    descriptions = {
        key: " ".join(c.description.split())[:2000] for key, c in declared.items() if c.description
    }
    all_places = {p.key: p for p in places}
    for declared_category in parsed.categories:
        at = categories.place(root, declared_category.path)
        all_places.setdefault(at.key, at)
    if root and root.strip():
        top = categories.place(root, [])
        all_places.setdefault(top.key, top)
    made = categories.ensure(all_places.values(), descriptions)
    summary.categories = sorted(c.name for c in made.values())
    by_id, by_title = _existing(records, {c.pk for c in made.values()}, root)
    keys = iter(_new_keys([r.name or "imported" for r in records]))
    drafts: list[Draft] = []
    claimed: set[int] = set()
    for record, place in zip(records, places, strict=True):
        key = next(keys)
        label = record.name or (f"question at line {record.line}" if record.line else "(no name)")
        try:
            mapped = map_record(record, images)
        except Unmappable as exc:
            summary.skipped.append(Skipped(label, record.type, str(exc), record.line))
            continue
        idnumber = record.idnumber.strip()
        question = by_id.get(idnumber) if idnumber else None
        if question is None:
            question = by_title.get((made[place.key].pk, mapped.fields["title"]))
            if question is not None and idnumber and question.external_id:
                question = None  # the same title, but another question of the other bank
        if question is not None and question.pk in claimed:
            summary.skipped.append(
                Skipped(
                    label,
                    record.type,
                    "another question of the file already updates the same bank question",
                    record.line,
                )
            )
            continue
        created = question is None
        if question is None:
            question = Question(key=key)
        else:
            claimed.add(question.pk)
        _apply(question, mapped.fields, made[place.key], source, passage, created)
        drafts.append(Draft(question, mapped.options, created))
        summary.questions.append(
            ImportedQuestion(
                name=mapped.fields["title"],
                type=record.type,
                category=made[place.key].name,
                created=created,
                notes=mapped.notes,
            )
        )
    save_drafts(drafts, workflow=workflow, user=user, file_name=file_name)
    for item, draft in zip(summary.questions, drafts, strict=True):
        item.question_id = None if summary.dry_run else draft.question.pk


def _apply(
    question: Question,
    fields: dict[str, Any],
    category: QuestionCategory,
    source: Source,
    passage: str,
    created: bool,
) -> None:
    for name, value in fields.items():
        setattr(question, name, value)
    question.category = category
    question.source = source
    question.passage = passage
    if created:
        question.level = ""  # for the reviewer to choose: the editor asks for it
