"""Query budgets of the pages a trainee hits in an exam: intro, attempt page, save, submit.

What the bounds cover: the queries the quiz's own code and templates make
(tests/quizzes/query_budget.py attributes each query from its call stack). The shared
per-request overhead (session, user, Wagtail routing, progress, breadcrumbs, header) and the
post-grading pipeline (the learner's evaluation after a submit commits) belong to courses,
core, accounts and certification and are bounded by their own tests; here they only have to
stay the same whatever the number of questions, as the quiz's own part must.

The own budgets, on SQLite (whose transactions add a counted BEGIN to each write; PostgreSQL
counts one fewer there):

- intro 2: the attempt list, and the learner's override with every group kind's in one query
  (quizzes.overrides.rules_for); the quiz's facts (question count, critical questions), a
  case quiz's banner and the "last reviewed" line are kept in the cache under the course
  structure generation (quizzes.intro), so a warm intro reads none of them. The whole intro
  (with the shared overhead) stays within INTRO_TOTAL, a case quiz's too;
- attempt page 2: the attempt, its responses;
- save 4: BEGIN, the attempt under its lock, its responses, one UPDATE of the answers;
- submit 6: BEGIN, the lock, the responses, one UPDATE of the grades, one of the attempt, and
  the audit entry's INSERT (accounts.audit.log_entry: nothing read back).

A committed submit as a whole, the shared overhead and the post-grading pipeline included,
stays within SUBMIT_TOTAL queries on PostgreSQL for a learner enrolled in the quiz's course,
whether the quiz or the course is small or large: 5 own, 3 shared (session, page, user), and
4 pipeline (the learner's enrolled courses; for each, the enrolment locked, its last activity
set and the row returned in one UPDATE, then what the learner has done in one UNION; the
certificate programmes). SQLite counts a BEGIN for each transaction besides (the submit's,
each course's progress, the certificates step), which PostgreSQL does not send as a query.
"""

from __future__ import annotations

import itertools

import pytest
from django.http import QueryDict

from certification.models import ClinicMembership, ClinicQuizOverride, ClinicRole
from courses.services import complete_lesson, enrol
from quizzes import services
from quizzes.models import Attempt, QuizOverride, QuizQuestion
from tests.factories import (
    LessonPageFactory,
    ModulePageFactory,
    UserFactory,
    build_tree,
    make_question,
    make_quiz,
)
from tests.factories.certification import ClinicFactory
from tests.quizzes.conftest import ALL_TYPES, attempt_url, form_for
from tests.quizzes.example_case import import_example_case
from tests.quizzes.query_budget import PIPELINE, Split, split_queries

pytestmark = pytest.mark.django_db

INTRO_OWN, ATTEMPT_PAGE_OWN, SAVE_OWN, SUBMIT_OWN = 2, 2, 4, 6
INTRO_TOTAL = 8  # every query of the intro: its own and the shared overhead
SUBMIT_TOTAL = 12  # every query of a committed submit on PostgreSQL, the pipeline included
SIZES = (3, 21)  # questions: one of each kind, then every kind three times over
KINDS = [kind for kind in ALL_TYPES if kind != "essay"]  # an essay waits for a grader


@pytest.fixture
def quizzes(tree) -> dict[int, object]:
    """A quiz of each size in SIZES under the test module, every question kind but essays."""
    made = {}
    for size in SIZES:
        kinds = itertools.islice(itertools.cycle(KINDS), size)
        made[size] = make_quiz(
            tree.module,
            [make_question(kind, key=f"budget-{size}-{i}") for i, kind in enumerate(kinds)],
            slug=f"budget-{size}",
            title=f"Budget quiz {size}",
            attempts_allowed=0,
        )
    return made


def _measure(request) -> Split:
    with split_queries() as split:
        request()
    return split


def _assert_budget(splits: dict[int, Split], own_budget: int) -> None:
    small, large = (splits[size] for size in SIZES)
    for size, split in splits.items():
        assert split.own <= own_budget, (
            f"{size} questions: {split.own} own queries (budget {own_budget}):\n" + split.describe()
        )
    assert small.counts == large.counts, (
        f"the queries depend on the number of questions: {small.summary()} at {SIZES[0]}, "
        f"{large.summary()} at {SIZES[1]}"
    )


def _postgresql_count(split: Split) -> int:
    """The queries of `split` as PostgreSQL counts them: SQLite's BEGIN statements left out
    (PostgreSQL opens a transaction without a statement of its own)."""
    return sum(1 for _, sql in split.sql if not sql.startswith("BEGIN"))


def _assert_submit_total(split: Split, label: str) -> None:
    assert _postgresql_count(split) <= SUBMIT_TOTAL, (
        f"{label}: {split.summary()} queries (budget {SUBMIT_TOTAL} on PostgreSQL):\n"
        + "\n".join(f"{whose}: {sql[:160]}" for whose, sql in split.sql)
    )


def _open_attempt(user, quiz, *, answered: bool = True) -> Attempt:
    """A new open attempt of `user` at `quiz`, every answer right and saved unless `answered`
    is False."""
    attempt = services.start_attempt(user, quiz)
    if answered:
        data = QueryDict(mutable=True)
        for key, value in form_for(attempt).items():
            data.setlist(key, value if isinstance(value, list) else [value])
        services.save_answers(attempt.pk, user, data)
    return attempt


def _accommodated(trainee, quiz) -> None:
    """Give `trainee` an override of each kind on `quiz`: their own and their clinic's."""
    QuizOverride.objects.create(quiz=quiz, user=trainee, reason="Dyslexia.", extra_attempts=1)
    clinic = ClinicFactory(name=f"Clinic of {quiz.slug}")
    ClinicMembership.objects.get_or_create(clinic=clinic, user=trainee, role=ClinicRole.STAFF)
    ClinicQuizOverride.objects.create(quiz=quiz, clinic=clinic, reason="Shifts.", extra_attempts=2)


def _assert_intro_total(split: Split, label: str) -> None:
    assert split.total <= INTRO_TOTAL, (
        f"{label}: {split.summary()} queries (budget {INTRO_TOTAL}):\n"
        + "\n".join(sql[:160] for _, sql in split.sql)
    )


def test_the_intro_asks_a_few_queries_of_its_own_whatever_the_quiz_size(client, trainee, quizzes):
    client.force_login(trainee)
    splits = {}
    for size, quiz in quizzes.items():
        finished = services.start_attempt(trainee, quiz)
        services.submit_attempt(finished.pk, trainee)
        _open_attempt(trainee, quiz)
        _accommodated(trainee, quiz)
        client.get(quiz.url)  # warm the per-process caches (content types, page structure)
        splits[size] = _measure(lambda quiz=quiz: client.get(quiz.url))
        response = client.get(quiz.url)
        assert response.status_code == 200
        assert response.context["question_count"] == size
        assert len(response.context["attempts"]) == 1 and response.context["open_attempt"]
        assert response.context["rules"].granted.extra_attempts == 1  # the learner's own wins
        _assert_intro_total(splits[size], f"{size} questions")
    _assert_budget(splits, INTRO_OWN)


def test_a_case_quizs_intro_keeps_the_same_budget(client, trainee, tree):
    quiz = import_example_case(tree)
    finished = services.start_attempt(trainee, quiz)
    services.submit_attempt(finished.pk, trainee)
    _accommodated(trainee, quiz)
    client.force_login(trainee)
    client.get(quiz.url)
    split = _measure(lambda: client.get(quiz.url))
    html = client.get(quiz.url).content.decode()
    assert f"This case unfolds in {quiz.case.stages.count()} stages" in html
    assert "data-review-status" in html
    assert split.own <= INTRO_OWN, split.describe()
    _assert_intro_total(split, "case quiz")


def test_the_intros_cached_facts_follow_question_and_case_edits(client, trainee, tree):
    """What the intro keeps in the cache is read again once a question, a quiz's question list
    or a case changes, without any page being saved."""
    quiz = import_example_case(tree)
    client.force_login(trainee)

    def intro() -> str:
        return client.get(quiz.url).content.decode()

    stages = quiz.case.stages.count()
    before = client.get(quiz.url).context["question_count"]
    assert "must be answered fully correctly" not in intro()
    question = make_question("single_choice", key="added-later")
    QuizQuestion.objects.create(page=quiz, question=question, sort_order=99)
    assert client.get(quiz.url).context["question_count"] == before + 1
    question.critical = True
    question.save()
    assert "must be answered fully correctly" in intro()
    quiz.case.stages.last().delete()
    assert f"This case unfolds in {stages - 1} stages" in intro()
    case = quiz.case
    case.title = "A renamed case"
    case.save()
    assert "A renamed case" in intro()


def test_the_attempt_page_reads_the_attempt_and_its_responses_only(client, trainee, quizzes):
    client.force_login(trainee)
    splits = {}
    for size, quiz in quizzes.items():
        attempt = _open_attempt(trainee, quiz)
        url = attempt_url(quiz, attempt)
        client.get(url)
        splits[size] = _measure(lambda url=url: client.get(url))
        response = client.get(url)
        assert response.status_code == 200
        assert len(response.context["questions"]) == size
    _assert_budget(splits, ATTEMPT_PAGE_OWN)


@pytest.mark.django_db(
    transaction=True, serialized_rollback=True
)  # counted as in production: BEGIN, not a savepoint
def test_an_autosave_writes_every_answer_in_one_update(client, trainee, quizzes):
    client.force_login(trainee)
    splits = {}
    for size, quiz in quizzes.items():
        attempt = _open_attempt(trainee, quiz, answered=False)
        url = attempt_url(quiz, attempt, "save")
        data = form_for(attempt)
        shown = {key: value for key, value in data.items() if key.endswith("-shown")}
        client.post(url, shown, HTTP_ACCEPT="application/json")  # warm-up: nothing changes
        splits[size] = _measure(
            lambda url=url, data=data: client.post(url, data, HTTP_ACCEPT="application/json")
        )
        assert client.post(url, data, HTTP_ACCEPT="application/json").json()["saved"] == 0
        saved = Attempt.objects.get(pk=attempt.pk).responses.exclude(answer=None).count()
        assert saved == size
        updates = [sql for _, sql in splits[size].sql if sql.startswith("UPDATE")]
        assert len(updates) == 1, updates
    _assert_budget(splits, SAVE_OWN)


@pytest.mark.django_db(
    transaction=True, serialized_rollback=True
)  # the commit runs the post-grading pipeline
def test_a_submit_grades_in_a_constant_number_of_queries(client, trainee, quizzes):
    client.force_login(trainee)
    splits = {}
    for size, quiz in quizzes.items():
        splits[size] = _measured_submit(client, trainee, quiz, f"{size} questions")
    _assert_budget(splits, SUBMIT_OWN)


def _measured_submit(client, learner, quiz, label: str):
    """The queries of `learner`'s second submit of `quiz` (after one to warm up), checked to
    grade the attempt, run the pipeline on commit and stay within SUBMIT_TOTAL."""
    warm_up = _open_attempt(learner, quiz)
    client.post(attempt_url(quiz, warm_up, "submit"), form_for(warm_up))
    attempt = _open_attempt(learner, quiz)
    data = form_for(attempt)
    url = attempt_url(quiz, attempt, "submit")
    split = _measure(lambda: client.post(url, data))
    attempt.refresh_from_db()
    assert attempt.state == "graded" and attempt.percent == 100
    assert split.counts[PIPELINE] > 0  # the learner's evaluation ran on commit
    _assert_submit_total(split, label)
    return split


def _course_with_quiz(title: str, *, modules: int, lessons: int):
    """A course of `modules` modules of `lessons` lessons each, with a three-question quiz in
    its first module; returns the course tree and the quiz."""
    tree = build_tree(lessons=lessons, modules=1, title=title)
    for number in range(2, modules + 1):
        module = ModulePageFactory(parent=tree.course, title=f"Module {number}")
        for lesson in range(1, lessons + 1):
            LessonPageFactory(parent=module, title=f"Lesson {number}-{lesson}")
    quiz = make_quiz(
        tree.module,
        [make_question(kind, key=f"{tree.course.slug}-{kind}") for kind in KINDS[:3]],
        slug=f"{tree.course.slug}-quiz",
        title=f"Quiz of {title}",
        attempts_allowed=0,
    )
    return tree, quiz


@pytest.mark.django_db(
    transaction=True, serialized_rollback=True
)  # the commit runs the post-grading pipeline, as in production
def test_a_committed_submit_stays_within_its_total_whatever_the_course_size(client):
    """The whole submit, pipeline included, for a learner enrolled in a small course and for
    one half-way through a large one: the same queries, within SUBMIT_TOTAL on PostgreSQL."""
    courses = {
        "small": _course_with_quiz("Small course", modules=1, lessons=1),
        "large": _course_with_quiz("Large course", modules=4, lessons=8),
    }
    splits = {}
    for label, (tree, quiz) in courses.items():
        learner = UserFactory(username=f"learner-in-{label}", groups=["Trainees"])
        enrol(learner, tree.course)
        for lesson in tree.lessons[: len(tree.lessons) // 2]:
            complete_lesson(learner, lesson)
        client.force_login(learner)
        splits[label] = _measured_submit(client, learner, quiz, f"{label} course")
    small, large = splits["small"], splits["large"]
    assert small.counts == large.counts, (
        f"the queries depend on the size of the course: {small.summary()} in the small one, "
        f"{large.summary()} in the large one"
    )


def test_the_writes_read_once_yet_find_only_this_learners_attempt_at_this_quiz(
    client, trainee, other_trainee, quizzes
):
    """Save and submit read the attempt only under its lock, by id, learner and quiz: an
    attempt at another quiz's address, or another learner's, is a 404 that changes nothing."""
    small, large = (quizzes[size] for size in SIZES)
    attempt = _open_attempt(trainee, small, answered=False)
    data = form_for(attempt)
    client.force_login(trainee)
    for route in ("save", "submit"):
        wrong_quiz = attempt_url(large, attempt, route)
        assert client.post(wrong_quiz, data).status_code == 404
        assert client.post(wrong_quiz, data, HTTP_ACCEPT="application/json").status_code == 404
    client.force_login(other_trainee)
    for route in ("save", "submit"):
        assert client.post(attempt_url(small, attempt, route), data).status_code == 404
    attempt.refresh_from_db()
    assert attempt.is_open
    assert not attempt.responses.exclude(answer=None).exists()
