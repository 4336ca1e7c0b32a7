"""quiz-intro, quiz-attempt-page and quiz-save: the quiz pages a trainee hits during an exam.

The quizzes are quiz-submit's (quiz_submit.py: mixed single choice, multiple response, numeric
and short answer questions, built once per run), at 10 and 100 questions.

quiz-intro       GET the quiz's page by an enrolled trainee with one finished attempt: rules,
                 the attempt list, the start button. Checked to answer 200 with the list.
quiz-attempt-page GET the trainee's open attempt, every question answered (so every input is
                 filled in): the page an exam is taken on. Checked to answer 200.
quiz-save        POST the attempt's save URL as the page's autosave does (JSON), with every
                 question's answer; the repetitions alternate between all answers right and
                 all cleared, so each one writes every response. Checked to answer 200 and to
                 report n answers saved.

Under each row, its queries are printed split into the quiz's own and the shared per-request
overhead (session, user, routing, progress, header: tests/quizzes/query_budget.py).
"""

from __future__ import annotations

from benchmarks.harness import (
    PAGE_REPS,
    Bench,
    BenchmarkError,
    Row,
    Trial,
    expect_status,
    measure,
    scenario,
    warn_if_queries_differ,
)
from benchmarks.scenarios.quiz_submit import (
    as_query_dict,
    enrolled_trainee,
    print_split,
    quiz_of,
    right_answers,
)

PAGE_SIZES = (10, 100)


def _answered_attempt(bench: Bench, quiz):
    """A signed-in client and its trainee's open attempt at `quiz`, every answer saved."""
    from quizzes import services

    user = enrolled_trainee(bench, quiz)
    attempt = services.start_attempt(user, quiz)
    data = right_answers(attempt.responses.all())
    services.save_answers(attempt.pk, user, as_query_dict(data))
    return bench.signed_in_client(user), attempt, data


def _run(bench: Bench, name: str, prepare_for) -> list[Row]:
    rows = []
    for n in PAGE_SIZES:
        prepare = prepare_for(quiz_of(bench, n), n)
        rows.append(Row(name, n, measure(prepare, bench.reps(PAGE_REPS))))
        print_split(name, n, prepare().call)
    warn_if_queries_differ(bench, name, rows, "the number of questions")
    return rows


@scenario("quiz-intro", "GET a quiz's intro page by a trainee with one finished attempt")
def quiz_intro(bench: Bench) -> list[Row]:
    from quizzes import services

    def prepare_for(quiz, n: int):
        user = enrolled_trainee(bench, quiz)
        attempt = services.start_attempt(user, quiz)
        services.submit_attempt(attempt.pk, user)
        client = bench.signed_in_client(user)

        def check(response) -> None:
            expect_status(response, 200)
            if b"Your attempts" not in response.content:
                raise BenchmarkError("the intro does not list the finished attempt")

        return lambda: Trial(lambda: client.get(quiz.url), check)

    return _run(bench, "quiz-intro", prepare_for)


@scenario("quiz-attempt-page", "GET an open attempt with every answer saved (10, 100 questions)")
def quiz_attempt_page(bench: Bench) -> list[Row]:
    def prepare_for(quiz, n: int):
        client, attempt, _ = _answered_attempt(bench, quiz)
        url = quiz.url + quiz.reverse_subpage("attempt", args=[attempt.pk])

        def check(response) -> None:
            expect_status(response, 200)
            if response.content.count(b'class="question') < n:
                raise BenchmarkError(f"the attempt page does not show {n} questions")

        return lambda: Trial(lambda: client.get(url), check)

    return _run(bench, "quiz-attempt-page", prepare_for)


@scenario("quiz-save", "POST an attempt's autosave (JSON) changing every answer (10, 100)")
def quiz_save(bench: Bench) -> list[Row]:
    def prepare_for(quiz, n: int):
        client, attempt, right = _answered_attempt(bench, quiz)
        cleared = {key: values for key, values in right.items() if key.endswith("-shown")}
        url = quiz.url + quiz.reverse_subpage("save", args=[attempt.pk])
        turn = [0]

        def check(response) -> None:
            expect_status(response, 200)
            saved = response.json()
            if saved["saved"] != n or saved["errors"]:
                raise BenchmarkError(f"autosave answered {saved}, expected {n} saved")

        def prepare() -> Trial:
            turn[0] += 1
            data = cleared if turn[0] % 2 else right  # each run changes every answer
            return Trial(lambda: client.post(url, data, HTTP_ACCEPT="application/json"), check)

        return prepare

    return _run(bench, "quiz-save", prepare_for)
