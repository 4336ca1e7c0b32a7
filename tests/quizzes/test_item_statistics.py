"""Item statistics: the pure engine's edge cases, option counts and flags, then a real quiz's
graded attempts read from the database in a fixed number of queries."""

from __future__ import annotations

import pytest

from quizzes.item_statistics import FLAG_RULES, AttemptMarks, Item, compute
from quizzes.item_statistics_data import StatisticsError, random_guess_score, statistics_for_quiz
from quizzes.models import Attempt, AttemptState
from tests.quizzes.example_case import import_example_case
from tests.quizzes.statistics_attempts import (
    answer,
    learner,
    make_stats_quiz,
    take_case_quiz_three_times,
    take_stats_quiz,
)

SLOTS = [Item(key=1, max_mark=1.0), Item(key=2, max_mark=2.0)]


def test_no_attempts_gives_empty_figures_not_an_error():
    stats = compute(SLOTS, [])

    assert stats.quiz.attempts == 0
    assert stats.quiz.mean is None and stats.quiz.median is None and stats.quiz.cic is None
    assert [q.s for q in stats.questions] == [0, 0]
    assert all(q.facility is None and q.discriminationindex is None for q in stats.questions)
    assert stats.as_moodle_dict()["questions"][0]["slot"] == 1


def test_one_attempt_has_a_mean_and_facility_but_no_spread():
    stats = compute(SLOTS, [AttemptMarks({1: 1.0, 2: 1.0})])

    assert stats.quiz.mean == 2.0 and stats.quiz.median == 2.0
    assert stats.quiz.standarddeviation is None and stats.quiz.skewness is None
    assert [q.facility for q in stats.questions] == [1.0, 0.5]
    assert all(q.sd is None and q.effectiveweight is None for q in stats.questions)


def test_equal_marks_give_no_discrimination_index_instead_of_dividing_by_zero():
    attempts = [AttemptMarks({1: 0.1, 2: 0.3}) for _ in range(30)]

    stats = compute(SLOTS, attempts)

    assert stats.quiz.standarddeviation == pytest.approx(0.0, abs=1e-12)
    assert stats.quiz.skewness is None and stats.quiz.kurtosis is None and stats.quiz.cic is None
    assert all(q.discriminationindex is None for q in stats.questions)
    assert all(q.discriminativeefficiency is None for q in stats.questions)
    assert all(q.effectiveweight is None for q in stats.questions)


def test_a_question_not_presented_to_an_attempt_counts_only_where_seen():
    attempts = [AttemptMarks({1: 1.0}), AttemptMarks({1: 0.0, 2: 2.0}), AttemptMarks({1: 1.0})]

    first, second = compute(SLOTS, attempts).questions

    assert (first.s, second.s) == (3, 1)
    assert second.facility == 1.0 and second.sd is None


def test_a_zero_max_mark_has_no_facility():
    stats = compute([Item(key="info", max_mark=0.0)], [AttemptMarks({"info": 0.0})] * 3)

    assert stats.questions[0].facility is None and stats.questions[0].sd is None


def test_sd_is_a_fraction_of_the_max_mark_and_the_mean_is_in_marks():
    attempts = [AttemptMarks({1: 1.0, 2: 2.0}), AttemptMarks({1: 0.0, 2: 0.0})]

    stats = compute(SLOTS, attempts)

    assert [q.sd for q in stats.questions] == pytest.approx([0.7071068, 0.7071068])
    assert stats.quiz.mean == 1.5 and stats.quiz.max_mark == 3.0
    assert stats.quiz.percent(stats.quiz.mean) == 50.0


def _choice_attempts(picks: list[str]) -> list[AttemptMarks]:
    return [AttemptMarks({"q": 1.0 if p == "A" else 0.0}, {"q": (p,)}) for p in picks]


CHOICE = Item(key="q", max_mark=1.0, options=("A", "B", "C"), correct_options=("A",))


def test_option_counts_count_every_choice_including_unlisted_ones():
    stats = compute([CHOICE], _choice_attempts(["A", "A", "B", "Z"]))

    assert stats.questions[0].option_counts == {"A": 2, "B": 1, "C": 0, "Z": 1}


def test_a_distractor_nobody_picks_is_flagged_once_there_are_enough_attempts():
    enough = FLAG_RULES.unpicked_option_min_attempts
    few = compute([CHOICE], _choice_attempts(["A", "B"] * 2)).questions[0]
    many = compute([CHOICE], _choice_attempts(["A", "B"] * enough)).questions[0]

    assert not any("never chosen" in flag for flag in few.flags)
    assert "Distractor never chosen: C" in many.flags
    assert "Distractor never chosen: A" not in many.flags  # the right answer is no distractor


@pytest.mark.parametrize(
    ("picks", "flag"),
    [
        (["A"] * 19 + ["B"] * 1 + ["A"] * 20, "Facility over 0.95"),
        (["B"] * 9 + ["A"], "Facility under 0.20"),
    ],
)
def test_facility_outside_bounds_is_flagged(picks, flag):
    assert flag in compute([CHOICE], _choice_attempts(picks)).questions[0].flags


def test_a_question_that_works_against_the_rest_is_flagged_for_discrimination():
    strong = [AttemptMarks({1: 0.0, 2: 2.0}), AttemptMarks({1: 1.0, 2: 0.0})] * 5

    first = compute(SLOTS, strong).questions[0]

    assert first.discriminationindex == pytest.approx(-100.0)
    assert "Discrimination index under 20" in first.flags


@pytest.mark.parametrize(
    ("kind", "options", "expected"),
    [
        ("true_false", [], 0.5),
        ("single_choice", [{"is_correct": True}] + [{"is_correct": False}] * 3, 0.25),
        ("multiple_response", [{"is_correct": True}], None),
        ("matching", [{"text": "a", "match": "x"}, {"text": "b", "match": "y"}], 0.5),
        ("short_answer", [{"text": "orbicularis"}], 0.0),
        ("short_answer", [{"text": " * "}], 1.0),
        ("numeric", [], 0.0),
        ("ordering", [{"text": "a"}, {"text": "b"}], 0.0),
        ("essay", [], 0.0),
    ],
)
def test_random_guess_score_follows_moodle_per_type(kind, options, expected):
    assert random_guess_score(kind, options) == expected


# A real quiz ----------------------------------------------------------------------------------


@pytest.fixture
def stats_quiz(tree):
    return make_stats_quiz(tree)


@pytest.fixture
def taken(tree, stats_quiz):
    return take_stats_quiz(tree, stats_quiz)


@pytest.mark.django_db
def test_first_attempts_give_each_question_its_facility_and_option_counts(stats_quiz, taken):
    stats = statistics_for_quiz(stats_quiz)

    assert stats.quiz.attempts == 4
    by_type = {q.label: q for q in stats.questions}
    assert [q.label for q in stats.questions] == [
        "A question about single_choice",
        "A question about true_false",
        "A question about multiple_response",
        "A question about numeric",
    ]
    single = by_type["A question about single_choice"]
    assert single.facility == 0.5 and single.s == 4
    assert single.option_counts == {"Under 10 mm": 2, "25 mm": 1, "40 mm": 0}
    assert single.randomguessscore == pytest.approx(1 / 3)
    assert by_type["A question about true_false"].facility == 0.75
    assert by_type["A question about true_false"].option_counts == {"True": 3, "False": 0}
    assert by_type["A question about multiple_response"].randomguessscore is None
    assert by_type["A question about numeric"].facility == 0.25
    assert stats.quiz.mean == pytest.approx((4 + 3 + 1 + 0) / 4)


@pytest.mark.django_db
def test_all_attempts_adds_the_second_attempt(stats_quiz, taken):
    stats = statistics_for_quiz(stats_quiz, all_attempts=True)

    assert stats.quiz.attempts == 5
    assert stats.questions[0].facility == pytest.approx(2 / 5)


@pytest.mark.django_db
def test_attempts_not_yet_graded_are_left_out(tree, stats_quiz, taken):
    Attempt.objects.filter(user=taken[1]).update(state=AttemptState.AWAITING_GRADING)

    assert statistics_for_quiz(stats_quiz).quiz.attempts == 3


@pytest.mark.django_db
def test_queries_do_not_grow_with_attempts(tree, stats_quiz, django_assert_num_queries):
    users = [learner(tree, f"many-{n}") for n in range(6)]
    for user in users[:2]:
        answer(user, stats_quiz, {})
    with django_assert_num_queries(2):
        assert statistics_for_quiz(stats_quiz).quiz.attempts == 2
    for user in users[2:]:
        answer(user, stats_quiz, {"numeric": None})
    with django_assert_num_queries(2):
        assert statistics_for_quiz(stats_quiz, all_attempts=True).quiz.attempts == 6


@pytest.mark.django_db
def test_a_case_quiz_by_stage_makes_each_stage_one_item(tree, django_assert_num_queries):
    quiz = import_example_case(tree)
    take_case_quiz_three_times(tree, quiz)

    with django_assert_num_queries(3):
        stats = statistics_for_quiz(quiz, by_stage=True)

    assert [q.key for q in stats.questions] == ["stage-1", "stage-2"]
    assert all(q.label.startswith(f"Stage {n}: ") for n, q in enumerate(stats.questions, 1))
    assert [q.facility for q in stats.questions] == pytest.approx([1.0, 2 / 3])
    assert stats.questions[0].option_counts == {}


@pytest.mark.django_db
def test_by_stage_on_a_quiz_without_a_case_is_refused(stats_quiz):
    with pytest.raises(StatisticsError, match="not a case quiz"):
        statistics_for_quiz(stats_quiz, by_stage=True)
