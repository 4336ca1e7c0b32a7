"""Freezing a question as a trainee sees it: the snapshot (content) and the display (order, ids).

A snapshot is plain JSON holding everything grading and review need, so a Response is
graded and reviewed from it alone. The display holds the shuffled order and opaque per-attempt
ids: option ids never reveal database keys or the correct order.

Snapshots are kept for as long as the attempts that hold them, so what reads them accepts every
version ever written (`version`; absent means 1; the shapes are in quizzes.contracts):

1. the first format.
2. adds `rubric_points` and `rubric_pass_points` (essays: the scale the grader marks on;
   version 1 essays are marked on their `points`) and a `model_answer` for short answers
   (version 1 short answers have none: the review never shows their accepted patterns).
3. adds `critical` (the question must earn full credit for the attempt to pass; earlier
   snapshots have none and were never critical: quizzes.grading.is_critical) and the
   source's `id` (the result page links a missed critical question to the lesson passage
   citing the same source and passage: quizzes.passages).
4. adds `case_sensitive` (short answers) and, on each option whose credit is set, its
   `fraction` (-1..1, Moodle's grade; quizzes.grading reads it, and an option without one
   earns what its `is_correct` says, exactly as before).
"""

from __future__ import annotations

import random
import secrets
from decimal import Decimal
from typing import Literal, cast

from quizzes.contracts import (
    CaseSnapshot,
    Display,
    QuestionKind,
    QuestionSnapshot,
    SnapshotOption,
)
from quizzes.models import (
    CHOICE_TYPES,
    CaseStage,
    ClinicalCase,
    Question,
    QuestionOption,
    QuestionType,
)

SNAPSHOT_VERSION: Literal[4] = 4


def _decimal_or_none(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def snapshot_question(
    question: Question, options: list[QuestionOption] | None = None
) -> QuestionSnapshot:
    """The question's current content as a JSON-ready dict (options in author order)."""
    if options is None:
        options = list(question.options.all())
    source = question.source
    essay = question.question_type == QuestionType.ESSAY
    return {
        "version": SNAPSHOT_VERSION,
        "question_id": question.pk,
        "key": question.key,
        "revision_id": question.live_revision_id,
        "type": cast(QuestionKind, question.question_type),
        "title": question.title,
        "stem": question.stem,
        "explanation": question.explanation,
        "points": str(question.points),
        "options": [
            _snapshot_option(o)
            for o in sorted(options, key=lambda o: o.sort_order if o.sort_order is not None else 0)
        ],
        "numeric": (
            {
                "answer": str(question.numeric_answer),
                "tolerance": str(question.numeric_tolerance),
                "unit": question.numeric_unit,
            }
            if question.question_type == QuestionType.NUMERIC
            else None
        ),
        "model_answer": question.model_answer,
        "rubric": question.rubric,
        "rubric_points": _decimal_or_none(question.rubric_points) if essay else None,
        "rubric_pass_points": _decimal_or_none(question.rubric_pass_points) if essay else None,
        "source": {
            "id": source.pk,
            "title": source.title,
            "citation": source.citation,
            "evidence_level": source.get_evidence_level_display(),
            "passage": question.passage,
        },
        "competencies": [c.code for c in question.competencies.all()],
        "critical": question.critical,
        "case_sensitive": question.case_sensitive,
    }


def _snapshot_option(option: QuestionOption) -> SnapshotOption:
    """One option as frozen: its credit only when one is set (version 4)."""
    frozen: SnapshotOption = {
        "text": option.text,
        "is_correct": option.is_correct,
        "feedback": option.feedback,
        "match": option.match,
    }
    if option.fraction is not None:
        frozen["fraction"] = str(option.fraction)
    return frozen


def _tokens(count: int) -> list[str]:
    tokens: set[str] = set()
    while len(tokens) < count:
        tokens.add(secrets.token_urlsafe(6))
    return list(tokens)


def make_display(
    snapshot: QuestionSnapshot, shuffle: bool, rng: random.Random | None = None
) -> Display:
    """Order and opaque ids for one attempt's copy of a question."""
    rng = rng or random.SystemRandom()
    kind = snapshot["type"]
    options = snapshot["options"]
    if kind in CHOICE_TYPES or kind == QuestionType.ORDERING:
        order = list(range(len(options)))
        if kind == QuestionType.ORDERING:
            # Always shuffled, and never shown already in the right order.
            while len(order) > 1 and order == sorted(order):
                rng.shuffle(order)
        elif shuffle and kind != QuestionType.TRUE_FALSE:
            rng.shuffle(order)
        return {"order": order, "tokens": _tokens(len(options))}
    if kind == QuestionType.MATCHING:
        prompts = [i for i, o in enumerate(options) if o["text"].strip()]
        answers = sorted({o["match"] for o in options})
        rng.shuffle(answers)
        if shuffle:
            rng.shuffle(prompts)
        tokens = _tokens(len(prompts) + len(answers))
        return {
            "prompts": prompts,
            "prompt_tokens": {str(i): tokens[n] for n, i in enumerate(prompts)},
            "answers": [[tokens[len(prompts) + n], text] for n, text in enumerate(answers)],
        }
    return {}


def snapshot_case(case: ClinicalCase, stages: list[CaseStage] | None = None) -> CaseSnapshot:
    """The case as the trainee will read it, frozen onto the attempt when it starts."""
    if stages is None:
        stages = list(case.stages.all())
    source = case.source
    return {
        "case_id": case.pk,
        "key": case.key,
        "revision_id": case.live_revision_id,
        "title": case.title,
        "kind": case.kind,
        "kind_label": case.get_kind_display(),
        "summary": case.summary,
        "evidence_level": case.get_evidence_level_display(),
        "evidence_note": case.evidence_note,
        "source": {
            "title": source.title,
            "citation": source.citation,
            "limitations": source.limitations,
        },
        "stages": [
            {
                "number": number,
                "title": stage.title,
                "kind": stage.kind,
                "narrative": stage.narrative,
                "findings": stage.finding_list,
                "passage": stage.passage,
            }
            for number, stage in enumerate(
                sorted(stages, key=lambda s: s.sort_order if s.sort_order is not None else 0),
                start=1,
            )
        ],
    }
