"""The curriculum's questions as loaded: real titles, model answers, essays on their rubric scale."""

import re
from decimal import Decimal

import pytest

from quizzes.models import Question, QuestionType, validate_question_title

pytestmark = pytest.mark.django_db


def test_every_curriculum_question_has_a_real_and_distinct_title(curriculum):
    titles = list(Question.objects.values_list("key", "title"))
    assert len(titles) >= 70
    for key, title in titles:
        validate_question_title(title)  # raises for boilerplate, naming the question below
        assert title.strip() == title, key
    assert len({t for _, t in titles}) == len(titles), "two questions share a title"


def test_every_curriculum_short_answer_has_a_model_answer_without_wildcards(curriculum):
    short = Question.objects.filter(question_type=QuestionType.SHORT_ANSWER)
    assert short.exists()
    for question in short:
        assert question.model_answer.strip(), question.key
        assert "*" not in question.model_answer, question.key


def test_every_curriculum_essay_is_marked_on_the_total_its_rubric_states(curriculum):
    essays = Question.objects.filter(question_type=QuestionType.ESSAY)
    assert essays.count() >= 4
    for essay in essays:
        stated = re.search(r"Total (\d+) points; (\d+) or more is a pass", essay.rubric)
        assert stated, essay.key
        assert essay.rubric_points == Decimal(stated.group(1)), essay.key
        assert essay.rubric_pass_points == Decimal(stated.group(2)), essay.key
