"""The stored shapes in quizzes.contracts match what quizzes.snapshots writes, and old ones load."""

from __future__ import annotations

import random
from typing import get_args

import pytest

from quizzes.contracts import (
    Display,
    QuestionKind,
    QuestionSnapshot,
    display_version,
    snapshot_version,
)
from quizzes.models import QuestionType
from quizzes.snapshots import SNAPSHOT_VERSION, make_display, snapshot_question
from tests.factories import make_question


def test_the_question_kinds_are_the_question_types():
    assert set(get_args(QuestionKind)) == set(QuestionType.values)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", QuestionType.values)
def test_a_new_snapshot_has_every_key_of_the_current_version(kind):
    snapshot = snapshot_question(make_question(kind))
    declared = QuestionSnapshot.__required_keys__ | QuestionSnapshot.__optional_keys__
    assert set(snapshot) == declared
    assert snapshot["version"] == SNAPSHOT_VERSION == snapshot_version(snapshot)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", QuestionType.values)
def test_a_display_holds_only_declared_keys_and_reads_as_version_1(kind):
    snapshot = snapshot_question(make_question(kind))
    display = make_display(snapshot, shuffle=True, rng=random.Random(7))
    assert set(display) <= Display.__optional_keys__
    assert display_version(display) == 1


def test_a_snapshot_without_a_version_reads_as_version_1():
    old: QuestionSnapshot = {  # the first format: no version, no rubric scale
        "question_id": 1,
        "key": "q-1",
        "revision_id": None,
        "type": "essay",
        "title": "An essay question",
        "stem": "<p>Stem</p>",
        "explanation": "",
        "points": "2",
        "options": [],
        "numeric": None,
        "rubric": "",
        "source": {"title": "Source", "citation": "", "evidence_level": "", "passage": ""},
        "competencies": [],
    }
    assert snapshot_version(old) == 1
