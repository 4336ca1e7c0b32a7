"""Bank questions as interchange records, for the GIFT and Moodle XML writers.

Made so that importing the export gives the same questions back (quizzes.interchange.importing):
every option gets the credit our rule gives it when it has none of its own (a single choice's
1 and 0s, a multiple response's ±1/(number correct), a short answer's full marks), which the
importer recognises and leaves unset again; the idnumber is the question's external id, or its
key when it has none, so the export imported again updates the same questions. Categories are
written relative to the exported category ("top" first), so importing under the same name puts
them back where they were. Image embeds in a stem travel as `@@PLUGINFILE@@` files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.utils.html import escape
from wagtail.images import get_image_model

from quizzes.interchange import categories
from quizzes.interchange.images import PLUGINFILE
from quizzes.interchange.records import (
    Answer,
    CategoryRecord,
    EmbeddedFile,
    ImportFile,
    NumericValue,
    QuestionRecord,
)
from quizzes.models import Question, QuestionCategory, QuestionOption, QuestionType

PLACES = Decimal("0.0000001")
_EMBED = re.compile(r"<embed\b[^>]*\bembedtype=\"image\"[^>]*/?>", re.IGNORECASE)
_ID = re.compile(r"\bid=\"(\d+)\"")
_ALT = re.compile(r"\balt=\"([^\"]*)\"")


class UnknownCategory(LookupError):
    """No category has the name (or key) asked for."""


def category_tree(name: str) -> tuple[QuestionCategory, QuerySet[QuestionCategory]]:
    """The category named `name` (or keyed) and every category under it, itself included."""
    root = (
        QuestionCategory.objects.filter(name=name).first()
        or QuestionCategory.objects.filter(key=name).first()
    )
    if root is None:
        raise UnknownCategory(f"No question category is named {name!r}.")
    prefix = f"{root.name}{categories.SEPARATOR}"
    return root, QuestionCategory.objects.filter(pk=root.pk) | QuestionCategory.objects.filter(
        name__startswith=prefix
    )


def questions_of(tree: QuerySet[QuestionCategory]) -> QuerySet[Question]:
    """The questions of these categories, with what the export reads, in a fixed number of
    queries."""
    return (
        Question.objects.filter(category__in=tree)
        .select_related("category")
        .prefetch_related(
            Prefetch("options", queryset=QuestionOption.objects.order_by("sort_order", "pk"))
        )
        .order_by("category__name", "key")
    )


def default_credit(kind: str, option: QuestionOption, right: int) -> Decimal:
    """The credit our grading gives an option without one of its own."""
    if kind == QuestionType.MULTIPLE_RESPONSE:
        share = Decimal(1) / right if right else Decimal(0)
        return (share if option.is_correct else -share).quantize(PLACES)
    if kind == QuestionType.SHORT_ANSWER:
        return Decimal(1)
    return Decimal(1) if option.is_correct else Decimal(0)


def _option_order(option: QuestionOption) -> tuple[bool, int, int]:
    """Options in their written order, whatever order a query gave them in: by sort order (an
    option without one, as made outside the editor, after those with one), then by id. An
    unordered read of the options gave an ordering question's items back in another order on
    PostgreSQL, where rows of equal sort order come in no fixed order."""
    return (option.sort_order is None, option.sort_order or 0, option.pk or 0)


def _answers(question: Question, options: list[QuestionOption]) -> list[Answer]:
    kind = question.question_type
    right = sum(1 for o in options if o.is_correct)
    answers = []
    for option in options:
        credit = option.fraction
        if credit is None:
            credit = default_credit(kind, option, right)
        text = option.text if kind == QuestionType.SHORT_ANSWER else str(escape(option.text))
        answers.append(
            Answer(
                text=text,
                fraction=Decimal(credit),
                feedback=str(escape(option.feedback)),
                match=option.match,
            )
        )
    return answers


def _path(category: QuestionCategory, root: QuestionCategory) -> list[str]:
    relative = category.name[len(root.name) :].strip()
    parts = [p.strip() for p in relative.split(categories.SEPARATOR.strip()) if p.strip()]
    return ["top", *parts]


def _with_files(html: str, images: dict[int, object]) -> tuple[str, list[EmbeddedFile]]:
    """`html` with image embeds as `@@PLUGINFILE@@` images, and the files they name."""
    files: list[EmbeddedFile] = []

    def swap(match: re.Match[str]) -> str:
        found = _ID.search(match.group(0))
        image = images.get(int(found.group(1))) if found else None
        if image is None:
            return ""
        name = image.file.name.rsplit("/", 1)[-1]  # type: ignore[attr-defined]
        with image.open_file() as handle:  # type: ignore[attr-defined]
            files.append(EmbeddedFile(name=name, content=handle.read()))
        alt = _ALT.search(match.group(0))
        return f'<img src="{PLUGINFILE}/{name}" alt="{alt.group(1) if alt else ""}">'

    return _EMBED.sub(swap, html), files


def record_for(
    question: Question, root: QuestionCategory, images: dict[int, object]
) -> QuestionRecord:
    """One bank question as an interchange record."""
    options = sorted(question.options.all(), key=_option_order)
    kind = question.question_type
    stem, files = _with_files(question.stem, images)
    explanation, more = _with_files(question.explanation, images)
    record = QuestionRecord(
        type=kind,  # type: ignore[arg-type]
        name=question.title,
        text=stem,
        category=_path(question.category, root),
        idnumber=question.external_id or question.key,
        general_feedback=explanation,
        default_mark=question.points,
        answers=[] if kind == QuestionType.NUMERIC else _answers(question, options),
        case_sensitive=question.case_sensitive,
        single=kind != QuestionType.MULTIPLE_RESPONSE,
        files=files + more,
    )
    if kind == QuestionType.NUMERIC and question.numeric_answer is not None:
        record.numeric = [
            NumericValue(value=question.numeric_answer, tolerance=question.numeric_tolerance)
        ]
        record.unit = question.numeric_unit
    elif kind == QuestionType.ESSAY:
        record.grader_info = str(escape(question.rubric))
        record.model_answer = question.model_answer
    elif kind == QuestionType.SHORT_ANSWER:
        record.model_answer = question.model_answer
    return record


def export_file(category: str, fmt: str) -> ImportFile:
    """The questions of `category` and the categories under it, as one file's records."""
    root, tree = category_tree(category)
    questions = list(questions_of(tree))
    ids = {
        int(i)
        for q in questions
        for html in (q.stem, q.explanation)
        for m in _EMBED.finditer(html)
        for i in _ID.findall(m.group(0))
    }
    images = {i.pk: i for i in get_image_model().objects.filter(pk__in=ids)} if ids else {}
    return ImportFile(
        format=fmt,  # type: ignore[arg-type]
        questions=[record_for(q, root, images) for q in questions],
        categories=[
            CategoryRecord(path=_path(c, root), description=c.description)
            for c in tree.order_by("name")
        ],
    )


def records_for(questions: Iterable[Question], root: QuestionCategory) -> list[QuestionRecord]:
    """Records for any questions (their categories written relative to `root`)."""
    return [record_for(q, root, {}) for q in questions]
