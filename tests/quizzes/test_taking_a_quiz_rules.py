"""Taking a quiz: attempt and time limits, the review policy, snapshots, query counts."""

import re
from decimal import Decimal

import pytest
from freezegun import freeze_time

from quizzes.models import Attempt, AttemptState, Response
from tests.quizzes.conftest import attempt_url, form_for, start

pytestmark = pytest.mark.django_db


# Limits ---------------------------------------------------------------------------------


def test_attempt_limit_holds(client, trainee, tree):
    from tests.factories import make_question, make_quiz

    quiz = make_quiz(tree.module, [make_question()], attempts_allowed=2, slug="limited")
    client.force_login(trainee)
    for _ in range(2):
        attempt = start(client, quiz)
        client.post(attempt_url(quiz, attempt, "submit"), form_for(attempt, correct=False))
    response = client.post(f"{quiz.url}start/", follow=True)
    assert "You have used all 2 attempts" in response.content.decode()
    assert Attempt.objects.filter(quiz=quiz).count() == 2


def test_time_limit_closes_the_attempt_with_answers_saved_in_time(client, trainee, tree):
    from tests.factories import make_question, make_quiz

    quiz = make_quiz(
        tree.module,
        [make_question(), make_question("numeric")],
        time_limit_minutes=10,
        slug="timed",
    )
    client.force_login(trainee)
    with freeze_time("2026-11-21 10:00:00"):
        attempt = start(client, quiz)
        assert attempt.deadline.isoformat().startswith("2026-11-21T10:10")
        first = attempt.responses.get(position=1)
        client.post(
            attempt_url(quiz, attempt, "save"), form_for(attempt) | {"q2": "", "q2-shown": "1"}
        )
    with freeze_time("2026-11-21 10:11:00"):
        late = client.post(
            attempt_url(quiz, attempt, "save"), form_for(attempt), HTTP_ACCEPT="application/json"
        )
        assert late.status_code == 409
        response = client.post(attempt_url(quiz, attempt, "submit"), form_for(attempt))
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.GRADED
    first.refresh_from_db()
    assert first.answer is not None
    assert attempt.responses.get(position=2).answer is None, (
        "an answer sent after the deadline was kept"
    )
    assert attempt.percent == Decimal("50.00")
    assert response.status_code == 302


def test_an_expired_attempt_is_graded_when_the_trainee_returns(client, trainee, tree):
    from tests.factories import make_question, make_quiz

    quiz = make_quiz(tree.module, [make_question()], time_limit_minutes=5, slug="expires")
    client.force_login(trainee)
    with freeze_time("2026-11-21 10:00:00"):
        attempt = start(client, quiz)
    with freeze_time("2026-11-21 11:00:00"):
        response = client.get(attempt_url(quiz, attempt))
    assert response.status_code == 302 and response.url.endswith("result/")
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.GRADED
    assert attempt.submitted_at.isoformat().startswith("2026-11-21T10:05")


# Review policy --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "shows_correctness", "shows_feedback"),
    [("score", False, False), ("correctness", True, False), ("answers", True, True)],
)
def test_result_page_shows_only_what_the_review_policy_allows(
    client, trainee, tree, policy, shows_correctness, shows_feedback
):
    from tests.factories import make_question, make_quiz

    quiz = make_quiz(tree.module, [make_question()], review_policy=policy, slug=f"review-{policy}")
    client.force_login(trainee)
    attempt = start(client, quiz)
    client.post(attempt_url(quiz, attempt, "submit"), form_for(attempt, correct=False))
    html = client.get(attempt_url(quiz, attempt, "result")).content.decode()
    assert "Not passed" in html and "0%" in html
    assert ("Your answer" in html) is shows_correctness
    assert ("Incorrect" in html) is shows_correctness
    assert ("That is the needle length." in html) is shows_feedback
    assert ("Right: the case kept it shallow." in html) is shows_feedback
    assert ("Because the source says so." in html) is shows_feedback


def test_review_policy_is_fixed_when_the_attempt_starts(client, trainee, tree):
    from tests.factories import make_question, make_quiz

    quiz = make_quiz(tree.module, [make_question()], review_policy="score", slug="policy-fixed")
    client.force_login(trainee)
    attempt = start(client, quiz)
    quiz.review_policy = "answers"
    quiz.pass_mark = 0
    quiz.save_revision().publish()
    client.post(attempt_url(quiz, attempt, "submit"), form_for(attempt, correct=False))
    attempt.refresh_from_db()
    assert attempt.passed is False
    assert (
        "That is the needle length."
        not in client.get(attempt_url(quiz, attempt, "result")).content.decode()
    )


# Snapshots ------------------------------------------------------------------------------


def main_content(html: str) -> str:
    """The page's <main>, without the per-request CSRF tokens."""
    main = html[html.index("<main") : html.index("</main>")]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", main)


def test_editing_or_deleting_a_question_never_changes_a_past_result(client, trainee, tree):
    from tests.factories import make_question, make_quiz

    question = make_question()
    quiz = make_quiz(tree.module, [question], slug="snap")
    client.force_login(trainee)
    attempt = start(client, quiz)
    client.post(attempt_url(quiz, attempt, "submit"), form_for(attempt))
    attempt.refresh_from_db()
    result_before = client.get(attempt_url(quiz, attempt, "result")).content.decode()

    # The author flips which option is correct and rewrites the stem.
    options = list(question.options.all())
    for option in options:
        option.is_correct = not option.is_correct
    question.options = options
    question.stem = "<p>A rewritten stem.</p>"
    question.save_revision().publish()
    attempt.refresh_from_db()
    assert attempt.percent == Decimal("100.00")
    html = client.get(attempt_url(quiz, attempt, "result")).content.decode()
    assert "Stem of a single_choice question." in html and "A rewritten stem." not in html
    assert main_content(html) == main_content(result_before)

    quiz.fixed_questions.all().delete()
    question.delete()
    response = Response.objects.get(attempt=attempt)
    assert response.question is None
    assert response.score == Decimal("1.00")
    assert client.get(attempt_url(quiz, attempt, "result")).status_code == 200


# Query counts ---------------------------------------------------------------------------


def submit_queries(
    client, trainee, module, count: int, slug: str, django_assert_max_num_queries
) -> int:
    from tests.factories import make_question, make_quiz

    kinds = [
        "single_choice",
        "multiple_response",
        "numeric",
        "short_answer",
        "ordering",
        "matching",
    ]
    quiz = make_quiz(
        module, [make_question(kinds[i % len(kinds)]) for i in range(count)], slug=slug
    )
    client.force_login(trainee)
    attempt = start(client, quiz)
    data = form_for(attempt)
    with django_assert_max_num_queries(SUBMIT_MAX_QUERIES) as captured:
        response = client.post(attempt_url(quiz, attempt, "submit"), data)
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.percent == Decimal("100.00")
    return len(captured.captured_queries)


# Session, user, Wagtail's route to the quiz page, the transaction (a savepoint here, a BEGIN in
# production), the locked attempt, its responses, one bulk update of the answers and grades, one
# of the attempt, the audit entry's INSERT. The post-grading pipeline runs when the transaction
# commits, which this test's transaction never does (tests/quizzes/test_quiz_query_budgets.py).
SUBMIT_MAX_QUERIES = 12


def test_submit_queries_do_not_grow_with_questions(
    client, trainee, tree, django_assert_max_num_queries
):
    small = submit_queries(client, trainee, tree.module, 5, "small", django_assert_max_num_queries)
    large = submit_queries(client, trainee, tree.module, 40, "large", django_assert_max_num_queries)
    assert large == small
