"""quiz-submit: POST a quiz attempt's submit URL with every answer, for 10, 25 and 100 questions.

The quizzes mix single choice, multiple response, numeric and short answer questions. The view
saves the answers, grades every response, closes the attempt and redirects to the result (not
followed). Each repetition uses a new trainee, whose attempt is started and whose answers are
saved (untimed) beforehand. Under the table's row, each size's queries are printed split into
the quiz's own, the shared per-request overhead and the post-grading pipeline (the learner's
evaluation after the commit).

The quizzes are built once per run and shared with the other quiz scenarios (quiz_pages.py).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from benchmarks.harness import (
    Bench,
    BenchmarkError,
    Repetitions,
    Row,
    Trial,
    expect_status,
    measure,
    scenario,
)

SUBMIT_REPS = {"full": Repetitions(warmup=3, repeat=15), "quick": Repetitions(warmup=1, repeat=5)}
QUIZ_SIZES = (10, 25, 100)
QUESTION_TYPES = ("single_choice", "multiple_response", "numeric", "short_answer")
STEM = (
    "<p>A 54-year-old woman has had involuntary twitching around her left eye for two years, "
    "now spreading to the left corner of her mouth. The contractions continue during sleep and "
    "worsen with stress and fatigue. Neurological examination is otherwise normal, and an MRI "
    "with thin slices through the posterior fossa is planned.</p><p>Question {i}: which of the "
    "following best fits the findings described above?</p>"
)
EXPLANATION = (
    "<p>Vascular compression of the facial nerve at its root exit zone is the usual cause; "
    "the pattern of spread and persistence in sleep distinguish it from blepharospasm.</p>"
)


# What a question of the kind needs besides its options, as the admin's form would hold it.
EXTRA_FIELDS: dict[str, dict[str, Any]] = {
    "numeric": {
        "numeric_answer": Decimal("2.5"),
        "numeric_tolerance": Decimal("0.1"),
        "numeric_unit": "mg",
    },
    "short_answer": {"model_answer": "<p>Microvascular decompression (MVD).</p>"},
}


def _options(kind: str) -> list[dict[str, Any]]:
    """Option rows as the admin's inline form would hold them, valid for `kind`."""
    if kind == "single_choice":
        return [
            {
                "text": f"Option {c}",
                "is_correct": c == "C",
                "feedback": f"Option {c} is {'right' if c == 'C' else 'wrong'}.",
            }
            for c in "ABCD"
        ]
    if kind == "multiple_response":
        return [
            {
                "text": f"Statement {c}",
                "is_correct": c in "ACE",
                "feedback": f"Statement {c} is {'true' if c in 'ACE' else 'false'} here.",
            }
            for c in "ABCDE"
        ]
    if kind == "short_answer":
        return [
            {"text": "microvascular decompression", "is_correct": True, "feedback": ""},
            {"text": "MVD*", "is_correct": True, "feedback": ""},
        ]
    return []  # numeric: the answer is on the question


def make_questions(n: int, *, category, source, competencies) -> list:
    """`n` live questions cycling through QUESTION_TYPES, each with its options."""
    from quizzes.models import validate_options
    from tests.factories import make_question

    questions = []
    for i in range(1, n + 1):
        kind = QUESTION_TYPES[(i - 1) % len(QUESTION_TYPES)]
        rows = _options(kind)
        fields = EXTRA_FIELDS.get(kind, {})
        validate_options(kind, rows, fields)
        questions.append(
            make_question(
                kind,
                key=f"bench-{n}-{i}",
                title=f"Benchmark question {i} of {n}",
                stem=STEM.format(i=i),
                explanation=EXPLANATION,
                category=category,
                source=source,
                passage="Discussion, second paragraph",
                competencies=competencies,
                options=[(r["text"], r["is_correct"], r["feedback"]) for r in rows],
                **fields,
            )
        )
    return questions


def make_quiz(module, n: int, questions: list):
    """A published quiz asking `questions`, with unlimited attempts, shuffled as by default."""
    from tests.factories import QuizPageFactory

    # `create` (the factories' default strategy) is typed; calling a factory class is not.
    quiz = QuizPageFactory.create(
        parent=module,
        questions=questions,
        title=f"Benchmark quiz {n}",
        slug=f"benchmark-quiz-{n}",
        attempts_allowed=0,
        shuffle_questions=True,
        shuffle_options=True,
    )
    quiz.refresh_from_db()
    return quiz


def right_answers(responses) -> dict[str, list[str]]:
    """Form data answering every response correctly, field names as the quiz page posts them."""
    from quizzes.answers import field_name

    data: dict[str, list[str]] = {}
    for response in responses:
        snapshot, display = response.question_snapshot, response.display
        name = field_name(response.position)
        tokens = display.get("tokens", [])
        data[f"{name}-shown"] = ["1"]
        kind = snapshot["type"]
        if kind in ("single_choice", "multiple_response"):
            data[name] = [tokens[i] for i, o in enumerate(snapshot["options"]) if o["is_correct"]]
        elif kind == "numeric":
            data[name] = [f"{snapshot['numeric']['answer']} {snapshot['numeric']['unit']}"]
        elif kind == "short_answer":
            data[name] = ["  MVD (microvascular decompression) "]
        else:
            raise BenchmarkError(f"no right answer written for {kind} questions")
    return data


def as_query_dict(data: dict[str, list[str]]):
    """`data` as the QueryDict a posted form arrives as."""
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for key, values in data.items():
        query.setlist(key, values)
    return query


def quiz_of(bench: Bench, n: int):
    """The published benchmark quiz of `n` questions, built once per run (kept in bench.shared,
    with the course it sits in, for every quiz scenario)."""
    from tests.factories import (
        CompetencyFactory,
        QuestionCategoryFactory,
        SourceFactory,
        build_tree,
    )

    quizzes: dict[int, Any] = bench.shared.setdefault("quizzes", {})
    if n not in quizzes:
        if "quiz-course" not in bench.shared:
            bench.shared["quiz-course"] = (
                build_tree(lessons=1),
                QuestionCategoryFactory(key="benchmark", name="Benchmark"),
                SourceFactory(),
                [CompetencyFactory(), CompetencyFactory()],
            )
        tree, category, source, competencies = bench.shared["quiz-course"]
        questions = make_questions(n, category=category, source=source, competencies=competencies)
        quizzes[n] = make_quiz(tree.module, n, questions)
    return quizzes[n]


def enrolled_trainee(bench: Bench, quiz):
    """A new trainee enrolled in the quiz's course (the intro opens to enrolled learners only)."""
    from courses.services import enrol

    user = bench.new_user()
    enrol(user, quiz.get_parent().get_parent().specific)
    return user


def print_split(name: str, n: int, call) -> None:
    """Run `call` once more and print its queries split by whose they are
    (tests/quizzes/query_budget.py): the quiz's own, the shared overhead, the pipeline."""
    from tests.quizzes.query_budget import split_queries

    with split_queries() as split:
        call()
    print(f"    {name} n={n}: {split.summary()} queries", flush=True)


@scenario(
    "quiz-submit", "POST a quiz attempt's submit URL with all answers (10, 25, 100 questions)"
)
def quiz_submit(bench: Bench) -> list[Row]:
    """Time the submit of a fully answered attempt at each of QUIZ_SIZES."""
    from quizzes import services
    from quizzes.models import Attempt, AttemptState

    rows = []
    for n in QUIZ_SIZES:
        quiz = quiz_of(bench, n)

        def prepare(quiz=quiz, n=n) -> Trial:
            user = bench.new_user()
            client = bench.signed_in_client(user)
            attempt = services.start_attempt(user, quiz)
            data = right_answers(attempt.responses.all())
            saved = services.save_answers(attempt.pk, user, as_query_dict(data))
            if saved.errors or saved.saved != n:
                raise BenchmarkError(f"saving answers: {saved}")
            url = quiz.url + quiz.reverse_subpage("submit", args=[attempt.pk])
            result_url = quiz.url + quiz.reverse_subpage("result", args=[attempt.pk])

            def check(response) -> None:
                expect_status(response, 302)
                if response["Location"] != result_url:
                    raise BenchmarkError(f"submit redirected to {response['Location']}")
                graded = Attempt.objects.get(pk=attempt.pk)
                if graded.state != AttemptState.GRADED or graded.percent != 100:
                    raise BenchmarkError(
                        f"attempt {graded.state} at {graded.percent}%, expected graded at 100%"
                    )

            return Trial(lambda: client.post(url, data), check)

        rows.append(Row("quiz-submit", n, measure(prepare, bench.reps(SUBMIT_REPS))))
        print_split("quiz-submit", n, prepare().call)
    return rows
