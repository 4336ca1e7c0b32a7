"""Taking a quiz through the site: start, resume, save, submit, result; the rules on the server."""

import re
from decimal import Decimal

import pytest
from freezegun import freeze_time

from quizzes.models import Attempt, AttemptState, Response
from tests.quizzes.conftest import attempt_url, form_for

pytestmark = pytest.mark.django_db


def start(client, quiz) -> Attempt:
    response = client.post(f"{quiz.url}start/")
    assert response.status_code == 302, response.content[:500]
    return Attempt.objects.latest("pk")


def test_anonymous_visitor_is_sent_to_sign_in(client, quiz):
    response = client.get(quiz.url)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")
    assert client.post(f"{quiz.url}start/").status_code == 302
    assert not Attempt.objects.exists()


def test_intro_shows_rules_and_attempts_left(client, trainee, quiz):
    client.force_login(trainee)
    html = client.get(quiz.url).content.decode()
    assert "Pass mark" in html and "70%" in html
    assert "0 used, 3 left" in html
    assert "Start the quiz" in html


def test_start_shows_questions_without_answers_or_feedback(client, trainee, quiz):
    client.force_login(trainee)
    attempt = start(client, quiz)
    html = client.get(attempt_url(quiz, attempt)).content.decode()
    assert html.count('class="question') >= 7
    for response in attempt.responses.all():
        snap = response.question_snapshot
        for option in snap["options"]:
            if option["feedback"]:
                assert option["feedback"] not in html, "feedback leaked before submission"
            if option["match"] and snap["type"] == "matching":
                assert option["text"] in html  # prompts are shown, pairing is not
        assert snap["explanation"] not in html
    assert "Because the source says so" not in html
    assert "is_correct" not in html and "correct" not in html.lower().replace("correctly", "")


def test_starting_twice_resumes_the_same_attempt(client, trainee, quiz):
    client.force_login(trainee)
    first = start(client, quiz)
    second = start(client, quiz)
    assert first.pk == second.pk
    assert Attempt.objects.count() == 1


def test_answers_are_saved_and_survive_leaving_the_page(client, trainee, quiz):
    client.force_login(trainee)
    attempt = start(client, quiz)
    client.post(attempt_url(quiz, attempt, "save"), form_for(attempt) | {"next": "stay"})
    assert all(r.answer is not None for r in attempt.responses.all())
    client.logout()
    client.force_login(trainee)
    html = client.get(attempt_url(quiz, attempt)).content.decode()
    assert "checked" in html
    assert 'value="Orbicularis  OCULI"' in html


def test_autosave_answers_in_json(client, trainee, quiz):
    client.force_login(trainee)
    attempt = start(client, quiz)
    response = client.post(
        attempt_url(quiz, attempt, "save"), form_for(attempt), HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200
    assert response.json()["saved"] == attempt.responses.count()


def test_submitting_correct_answers_passes_with_full_marks(client, trainee, quiz):
    client.force_login(trainee)
    attempt = start(client, quiz)
    response = client.post(attempt_url(quiz, attempt, "submit"), form_for(attempt))
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.GRADED
    assert attempt.percent == Decimal("100.00")
    assert attempt.passed is True
    assert "Passed" in client.get(response.url).content.decode()


def test_submitting_wrong_answers_fails(client, trainee, quiz):
    client.force_login(trainee)
    attempt = start(client, quiz)
    client.post(attempt_url(quiz, attempt, "submit"), form_for(attempt, correct=False))
    attempt.refresh_from_db()
    assert attempt.passed is False
    assert attempt.percent < 70


def test_second_submit_returns_same_result(client, trainee, quiz):
    client.force_login(trainee)
    attempt = start(client, quiz)
    client.post(attempt_url(quiz, attempt, "submit"), form_for(attempt))
    attempt.refresh_from_db()
    first = (attempt.score, attempt.submitted_at, attempt.state)
    again = client.post(attempt_url(quiz, attempt, "submit"), form_for(attempt, correct=False))
    assert again.status_code == 302
    attempt.refresh_from_db()
    assert (attempt.score, attempt.submitted_at, attempt.state) == first
    assert Attempt.objects.count() == 1


def test_answers_cannot_change_after_submitting(client, trainee, quiz):
    client.force_login(trainee)
    attempt = start(client, quiz)
    client.post(attempt_url(quiz, attempt, "submit"), form_for(attempt))
    before = list(Response.objects.filter(attempt=attempt).values_list("answer", flat=True))
    response = client.post(
        attempt_url(quiz, attempt, "save"),
        form_for(attempt, correct=False),
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 409
    assert list(Response.objects.filter(attempt=attempt).values_list("answer", flat=True)) == before


def test_confirm_page_counts_unanswered_questions(client, trainee, quiz):
    client.force_login(trainee)
    attempt = start(client, quiz)
    html = client.get(attempt_url(quiz, attempt, "confirm")).content.decode()
    assert f"answered 0 of {attempt.responses.count()}" in html
    assert "Submit and see my result" in html


# Bad input ------------------------------------------------------------------------------


def test_answer_for_a_question_not_in_the_attempt_is_400_and_writes_nothing(client, trainee, quiz):
    client.force_login(trainee)
    attempt = start(client, quiz)
    data = form_for(attempt) | {"q99": "x", "q99-shown": "1"}
    for route in ("save", "submit"):
        assert client.post(attempt_url(quiz, attempt, route), data).status_code == 400
    attempt.refresh_from_db()
    assert attempt.is_open
    assert all(r.answer is None for r in attempt.responses.all())


def test_tampered_option_id_is_400_and_writes_nothing(client, trainee, quiz):
    client.force_login(trainee)
    attempt = start(client, quiz)
    data = form_for(attempt) | {"q1": "not-a-token"}
    assert client.post(attempt_url(quiz, attempt, "save"), data).status_code == 400
    assert all(r.answer is None for r in attempt.responses.all())


def test_fixable_mistake_shows_the_error_and_saves_nothing(client, trainee, quiz):
    client.force_login(trainee)
    attempt = start(client, quiz)
    numeric = attempt.responses.get(question_snapshot__type="numeric")
    data = form_for(attempt) | {f"q{numeric.position}": "ten"}
    response = client.post(attempt_url(quiz, attempt, "submit"), data)
    assert response.status_code == 400
    assert "Enter a number" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.is_open
    assert all(r.answer is None for r in attempt.responses.all())


@pytest.mark.parametrize(
    "payload",
    [
        {"q1": ["a", "b"]},
        {"q1-shown": "1", "q1": "\x00"},
        {"q2-zzzz": "1", "q2-shown": "1"},
        {"qx": "1"},
        {"q-1": "1"},
        {"q1-shown": "1", "q1": "A" * 100_000},
    ],
)
def test_malformed_posts_never_500_and_write_nothing(client, trainee, quiz, payload):
    client.force_login(trainee)
    attempt = start(client, quiz)
    for route in ("save", "submit"):
        response = client.post(attempt_url(quiz, attempt, route), payload)
        assert response.status_code in (200, 302, 400), response.status_code
    attempt.refresh_from_db()
    assert all(r.answer is None for r in attempt.responses.all())


def test_get_on_write_routes_is_refused(client, trainee, quiz):
    client.force_login(trainee)
    attempt = start(client, quiz)
    assert client.get(f"{quiz.url}start/").status_code == 405
    assert client.get(attempt_url(quiz, attempt, "submit")).status_code == 405
    assert client.get(attempt_url(quiz, attempt, "save")).status_code == 405


# Whose attempt --------------------------------------------------------------------------


def test_another_trainees_attempt_is_404_everywhere(client, trainee, other_trainee, quiz):
    client.force_login(trainee)
    attempt = start(client, quiz)
    client.force_login(other_trainee)
    for route in ("attempt", "confirm", "result"):
        assert client.get(attempt_url(quiz, attempt, route)).status_code == 404
    for route in ("save", "submit"):
        assert client.post(attempt_url(quiz, attempt, route), form_for(attempt)).status_code == 404
    attempt.refresh_from_db()
    assert attempt.is_open
    assert all(r.answer is None for r in attempt.responses.all())


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


# Session, user, Wagtail's route to the quiz page (a few per tree level), the locked attempt,
# its responses, one bulk update of answers, one of grades, the attempt, the audit log entry.
SUBMIT_MAX_QUERIES = 26


def test_submit_queries_do_not_grow_with_questions(
    client, trainee, tree, django_assert_max_num_queries
):
    small = submit_queries(client, trainee, tree.module, 5, "small", django_assert_max_num_queries)
    large = submit_queries(client, trainee, tree.module, 40, "large", django_assert_max_num_queries)
    assert large == small


def test_autosave_keeps_good_answers_and_reports_the_one_to_fix(client, trainee, quiz):
    client.force_login(trainee)
    attempt = start(client, quiz)
    numeric = attempt.responses.get(question_snapshot__type="numeric")
    data = form_for(attempt) | {f"q{numeric.position}": "ten"}
    response = client.post(attempt_url(quiz, attempt, "save"), data, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["errors"] == {
        str(numeric.position): "Enter a number, for example 10 or 2.5."
    }
    numeric.refresh_from_db()
    assert numeric.answer is None
    assert attempt.responses.exclude(pk=numeric.pk).filter(answer__isnull=True).count() == 0
