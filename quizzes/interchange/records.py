"""The format-neutral question records that GIFT and Moodle XML are read into and written from.

A parser turns a file into an `ImportFile` (pure: no database); the importer maps its records
onto the bank; the exporter builds records from the bank and a writer prints them. Everything a
parser could not map is kept as a `Skipped` with its reason, never dropped silently; what it
could not read at all raises `InterchangeError` naming the question and, where the format has
one, the line.

Text fields hold HTML as the file gave it (GIFT's markdown/plain formats already turned into
HTML); the importer sanitizes it through core.sanitize. Fractions are Moodle's grades as
Decimals from -1 to 1 (a file's "50" or "0.5" both become Decimal("0.5")).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from quizzes.contracts import QuestionKind

# Our question types (quizzes.models.QuestionType values): interchange maps every one.
RecordType = QuestionKind
Format = Literal["gift", "moodlexml"]


class InterchangeError(Exception):
    """A file that cannot be read: nothing is imported from it.

    `question` names the question (its name, or its number in the file) and `line` the line
    where the format has lines (GIFT; Moodle XML where the parser reports one).
    """

    def __init__(self, message: str, *, question: str = "", line: int | None = None) -> None:
        self.message = message
        self.question = question
        self.line = line
        where = []
        if question:
            where.append(f"question {question!r}")
        if line is not None:
            where.append(f"line {line}")
        super().__init__(f"{message} ({', '.join(where)})" if where else message)


@dataclass
class Answer:
    """An option, accepted answer, ordering item or matching pair, with its credit."""

    text: str = ""  # HTML for choices; plain text for short answers (may hold * wildcards)
    fraction: Decimal = Decimal(0)  # -1..1
    feedback: str = ""  # HTML
    match: str = ""  # matching: the answer this prompt pairs with ("" text = a distractor)


@dataclass
class NumericValue:
    """One accepted numeric answer: value ± tolerance, with its credit."""

    value: Decimal
    tolerance: Decimal = Decimal(0)
    fraction: Decimal = Decimal(1)
    feedback: str = ""


@dataclass
class EmbeddedFile:
    """A file carried inside the question (Moodle XML's base64 `<file>`), by its name."""

    name: str
    content: bytes
    path: str = "/"


@dataclass
class QuestionRecord:
    """One question as a file holds it, mapped to one of our types."""

    type: RecordType
    name: str  # Moodle's question name (our title)
    text: str  # the stem, HTML
    category: list[str] = field(default_factory=list)  # path, top first ("Default" etc. kept)
    idnumber: str = ""  # Moodle's idnumber: the key that makes a re-import update
    general_feedback: str = ""  # HTML: our explanation
    default_mark: Decimal = Decimal(1)  # our points
    answers: list[Answer] = field(default_factory=list)
    numeric: list[NumericValue] = field(default_factory=list)
    unit: str = ""  # numeric: the unit whose multiplier is 1
    case_sensitive: bool = False  # short answer
    single: bool = True  # multichoice: one answer (radio) or several (checkboxes)
    shuffle: bool = True
    penalty: Decimal | None = None
    tags: list[str] = field(default_factory=list)
    files: list[EmbeddedFile] = field(default_factory=list)
    # Essay: the grader's information (our rubric) and a response template / model answer.
    grader_info: str = ""
    model_answer: str = ""
    # Kept but not mapped (e.g. per-answer feedback of a numeric partial answer): said in the
    # import summary so nothing is lost without a word.
    notes: list[str] = field(default_factory=list)
    line: int | None = None  # where the question starts (GIFT)


@dataclass
class Skipped:
    """A question the file holds that we cannot map, with why."""

    name: str
    moodle_type: str  # e.g. "multianswer", "calculated", "ddwtos", "description"
    reason: str
    line: int | None = None


@dataclass
class CategoryRecord:
    """A category the file declares (Moodle XML may declare one with a description and no
    questions, and in any order)."""

    path: list[str]
    description: str = ""
    idnumber: str = ""


@dataclass
class ImportFile:
    """What a parser read from one file."""

    format: Format
    questions: list[QuestionRecord] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    categories: list[CategoryRecord] = field(default_factory=list)
