"""The shapes quiz data is stored and shown in: one definition each, shared by every reader.

Stored shapes (kept for as long as the attempts that hold them) carry a `version` key; absent
means 1, so every reader accepts what was written before the key existed:

- `QuestionSnapshot` (`Response.question_snapshot`): the question as the trainee saw it and was
  graded against. Version 1 is the first format; version 2 adds `rubric_points` and
  `rubric_pass_points` (essays) and a `model_answer` (short answers); version 3 adds
  `critical` and the source's `id`; version 4 adds `case_sensitive` and each option's
  `fraction` where one is set (imported Moodle credits). See quizzes.snapshots.
- `Display` (`Response.display`): one attempt's order and opaque ids. Only version 1 exists,
  written without the key; a later format writes `"version": 2`.
- `CaseSnapshot` (`Attempt.case_snapshot`): a clinical case as the trainee reads it. Only
  version 1 exists, written without the key.

Shown shapes (`PublicView`, `ReviewView`) are what templates receive; they are built per request
and never stored. Nothing here touches the database: these are types and two readers.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal, NotRequired, TypeAlias, TypedDict

# The values of quizzes.models.QuestionType, as they appear in stored snapshots.
QuestionKind: TypeAlias = Literal[
    "single_choice",
    "multiple_response",
    "true_false",
    "numeric",
    "ordering",
    "matching",
    "short_answer",
    "essay",
]

SnapshotVersion: TypeAlias = Literal[1, 2, 3, 4]
DisplayVersion: TypeAlias = Literal[1]
CaseSnapshotVersion: TypeAlias = Literal[1]

# Competency codes a question asked about (`QuestionSnapshot["competencies"]`); the evidence for
# knowledge competencies is read from stored snapshots by this key (certification.competencies).
CompetencyCodes: TypeAlias = list[str]

# A normalised answer (see quizzes.grading): an option token, a decimal or typed text; a list of
# tokens; {prompt token: answer token}; None when not answered. While a slip is being fixed an
# ordering is {item token: place as typed} (quizzes.answers.typed_answer).
Answer: TypeAlias = str | list[str] | dict[str, str] | None


class SnapshotOption(TypedDict):
    """One option in author order: a choice, an ordering item, a matching row or an accepted
    short answer (its `text` a pattern)."""

    text: str
    is_correct: bool
    feedback: str
    match: str
    fraction: NotRequired[str]  # version 4, only when set: the credit -1..1 (decimal string)


class NumericAnswer(TypedDict):
    """A numeric question's answer, its tolerance (decimal strings) and its unit."""

    answer: str
    tolerance: str
    unit: str


class SnapshotSource(TypedDict):
    """The source a question cites, with the passage it draws on."""

    id: NotRequired[int]  # version 3: the Source, to find the lessons citing the same passage
    title: str
    citation: str
    evidence_level: str
    passage: str


class QuestionSnapshot(TypedDict):
    """A question frozen onto a Response; every question type carries every key."""

    version: NotRequired[SnapshotVersion]  # absent in version 1
    question_id: int
    key: str
    revision_id: int | None
    type: QuestionKind
    title: str
    stem: str
    explanation: str
    points: str  # decimal string
    options: list[SnapshotOption]
    numeric: NumericAnswer | None  # None unless the type is numeric
    model_answer: NotRequired[str]  # version 2; a version 1 short answer may lack it
    rubric: str
    rubric_points: NotRequired[str | None]  # version 2; None unless the type is essay
    rubric_pass_points: NotRequired[str | None]  # version 2; None unless essay, or not set
    source: SnapshotSource
    competencies: CompetencyCodes
    critical: NotRequired[bool]  # version 3: must earn full credit for the attempt to pass
    case_sensitive: NotRequired[bool]  # version 4: short answers match upper/lower case exactly


class Display(TypedDict, total=False):
    """One attempt's copy of a question: which keys it has depends on the question type.

    Choices and orderings have `order` (option indexes as shown) and `tokens` (per-option ids,
    by option index); matching has `prompts` (option indexes as shown), `prompt_tokens`
    ({option index as text: token}) and `answers` ([token, text] pairs as shown); the other
    types have nothing.
    """

    version: DisplayVersion  # absent in version 1
    order: list[int]
    tokens: list[str]
    prompts: list[int]
    prompt_tokens: dict[str, str]
    answers: list[list[str]]


class CaseSource(TypedDict):
    """The source a case cites and what it cannot show."""

    title: str
    citation: str
    limitations: str


class CaseStageSnapshot(TypedDict):
    """One stage of a case, numbered from 1."""

    number: int
    title: str
    kind: str
    narrative: str
    findings: list[str]
    passage: str


class CaseSnapshot(TypedDict):
    """A clinical case frozen onto an Attempt when it starts."""

    version: NotRequired[CaseSnapshotVersion]  # absent in version 1
    case_id: int
    key: str
    revision_id: int | None
    title: str
    kind: str
    kind_label: str
    summary: str
    evidence_level: str
    evidence_note: str
    source: CaseSource
    stages: list[CaseStageSnapshot]


def snapshot_version(snapshot: QuestionSnapshot) -> SnapshotVersion:
    """The format a stored question snapshot was written in."""
    return snapshot.get("version", 1)


def display_version(display: Display) -> DisplayVersion:
    """The format a stored display was written in."""
    return display.get("version", 1)


class ChoiceView(TypedDict):
    """A choice or an ordering item as shown, in display order."""

    index: int
    token: str
    text: str


class OptionView(ChoiceView):
    """A choice while answering: whether the trainee has picked it."""

    checked: bool


class ItemView(ChoiceView):
    """An ordering item while answering: the place the trainee gave it, if any."""

    place: int | None


class PromptView(TypedDict):
    """A matching prompt while answering: its token, text and the answer token chosen."""

    token: str
    text: str
    chosen: str | None


class MatchView(TypedDict):
    """A matching answer as offered."""

    token: str
    text: str


class PublicView(TypedDict):
    """A question while the trainee answers it (quizzes.presentation.public_view)."""

    position: int
    name: str
    type: QuestionKind
    type_label: str
    stem: str  # editor rich text: templates render it with |richtext
    points: Decimal
    answered: bool
    answer: Answer
    multiple: NotRequired[bool]  # choices
    options: NotRequired[list[OptionView]]  # choices
    items: NotRequired[list[ItemView]]  # ordering
    places: NotRequired[list[int]]  # ordering
    prompts: NotRequired[list[PromptView]]  # matching
    answers: NotRequired[list[MatchView]]  # matching
    unit: NotRequired[str]  # numeric
    critical: bool  # marked critical: must be answered fully correctly to pass


class AttemptQuestionView(PublicView):
    """A question on the attempt page: its public view, the slip to fix and its case stage."""

    error: str | None
    stage: int
    locked: bool  # a case question whose stage is committed


class RubricMark(TypedDict):
    """A graded essay's mark on its rubric."""

    score: Decimal
    total: Decimal
    pass_points: Decimal | None


class OptionFeedback(TypedDict):
    """A choice in the review, with whether it was right, picked, and why."""

    text: str
    is_correct: bool
    chosen: bool
    feedback: str


ReviewStatus: TypeAlias = Literal["pending", "incorrect", "correct", "partial"]


class ReviewView(TypedDict):
    """A graded question on the result page (quizzes.presentation.review_view).

    Only what the review policy allows is present: the correctness keys with `show_correctness`,
    the answer keys with `show_answers`.
    """

    position: int
    stem: str
    type: QuestionKind
    points: Decimal
    policy: str
    show_correctness: bool
    show_answers: bool
    critical: bool
    score: NotRequired[Decimal | None]
    status: NotRequired[ReviewStatus]
    your_answer: NotRequired[list[str]]
    grader_comment: NotRequired[str]
    rubric_mark: NotRequired[RubricMark]  # a graded essay
    correct_answer: NotRequired[list[str]]
    option_feedback: NotRequired[list[OptionFeedback]]
    explanation: NotRequired[str]
    model_answer: NotRequired[str]
    model_answer_label: NotRequired[str]
    source: NotRequired[SnapshotSource]
