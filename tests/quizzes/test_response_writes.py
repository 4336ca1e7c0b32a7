"""quizzes.response_writes.update_responses writes what Django's bulk_update would, in one
UPDATE (or a few, within the database's parameter limit)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from quizzes import services
from quizzes.models import Response
from quizzes.response_writes import update_responses
from tests.factories import make_question, make_quiz

pytestmark = pytest.mark.django_db

ANSWERS = [
    {"a": 1, "b": [True, None]},  # JSON: 1 and True stay what they are
    ["tok-1", "tok-2"],
    "  typed text, with 'quotes' and \\ backslashes  ",
    None,  # SQL NULL, as a save writes it
    0,
]


@pytest.fixture
def responses(tree, trainee) -> list[Response]:
    quiz = make_quiz(tree.module, [make_question("single_choice") for _ in ANSWERS])
    attempt = services.start_attempt(trainee, quiz)
    return list(attempt.responses.order_by("position"))


def _write(responses: list[Response]) -> None:
    now = timezone.now()
    for i, (response, answer) in enumerate(zip(responses, ANSWERS, strict=True)):
        response.answer = answer
        response.answered_at = now - timedelta(minutes=i)
        response.score = Decimal(i) / 4 if i % 2 else None
        response.fraction = Decimal("0.2500")
        response.needs_grading = i == 2


def _stored(responses: list[Response]) -> list[tuple]:
    return [
        (r.answer, r.answered_at, r.score, r.fraction, r.needs_grading)
        for r in Response.objects.filter(pk__in=[r.pk for r in responses]).order_by("position")
    ]


FIELDS = ["answer", "answered_at", "score", "fraction", "needs_grading"]


def test_it_stores_what_bulk_update_stores(responses):
    _write(responses)
    Response.objects.bulk_update(responses, FIELDS)
    expected = _stored(responses)
    Response.objects.filter(pk__in=[r.pk for r in responses]).update(
        answer={"reset": True}, score=Decimal(9), fraction=None, needs_grading=True
    )
    with CaptureQueriesContext(connection) as queries:
        assert update_responses(responses, FIELDS) == len(responses)
    assert _stored(responses) == expected
    assert len(queries.captured_queries) == 1
    # None is SQL NULL, not JSON null: the lookups that tell them apart agree with a save.
    nulls = Response.objects.filter(pk__in=[r.pk for r in responses], answer__isnull=True)
    assert nulls.count() == 1


def test_it_leaves_other_rows_and_fields_alone(responses):
    first, *others = responses
    before = _stored(others)
    first.answer, first.grader_comment = ["changed"], "not written"
    update_responses([first], ["answer"])
    first.refresh_from_db()
    assert first.answer == ["changed"] and first.grader_comment == ""
    assert _stored(others) == before


def test_it_splits_the_write_within_the_parameter_limit(responses, monkeypatch):
    _write(responses)
    monkeypatch.setattr(connection.features, "max_query_params", 4)
    with CaptureQueriesContext(connection) as queries:
        assert update_responses(responses, ["answer", "answered_at"]) == len(responses)
    assert len(queries.captured_queries) == 3  # 2 rows of 2 fields per statement
    assert [r[0] for r in _stored(responses)] == ANSWERS


def test_nothing_to_write_makes_no_query_and_unsaved_rows_are_refused(responses):
    with CaptureQueriesContext(connection) as queries:
        assert update_responses([], ["answer"]) == 0
        assert update_responses(responses, []) == 0
    assert queries.captured_queries == []
    with pytest.raises(ValueError):
        update_responses([Response(position=1)], ["answer"])
