"""Critical questions: an attempt that misses one does not pass, whatever its score.

The rule is copied onto the attempt at start (the attempt's `critical_rule` and each snapshot's
`critical`), so editing a question later, or attempts started before the rule, grade as they
were. Certificates and competency evidence follow `passed`, so they follow the rule.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from certification.competencies import competency_records
from certification.models import Certificate, Programme
from core.curriculum import CurriculumError
from courses import services as course_services
from quizzes import services
from quizzes.curriculum import question_fields
from quizzes.grading import totals
from quizzes.model_answers import correct_answer
from quizzes.models import AttemptState, QuizPage
from quizzes.passages import passage_links
from tests.certification.conftest import assess, make_checklist
from tests.factories import UserFactory, make_programme, make_question, make_quiz

pytestmark = pytest.mark.django_db
D = Decimal


def critical_quiz(module, *, critical_kind: str = "single_choice", extra=(), **rules):
    """Four plain questions and one critical one (asked last), pass mark 70%."""
    plain = [make_question("single_choice") for _ in range(4)]
    critical = make_question(critical_kind, critical=True, title="Pulse beside a facial nodule")
    quiz = make_quiz(module, [*plain, critical, *extra], **rules)
    return quiz, critical


def answer(attempt, *, miss: set[int] = frozenset(), partly: set[int] = frozenset()) -> None:
    """Answer every question right, except those of `miss` (wrong) and `partly` (half right)."""
    for response in attempt.responses.all():
        snap, display = response.question_snapshot, response.display
        right = correct_answer(snap, display)
        if response.question_id in miss:
            tokens = display["tokens"]
            right = next(tokens[i] for i, o in enumerate(snap["options"]) if not o["is_correct"])
        elif response.question_id in partly:
            right = right[:1]
        response.answer = right
        response.save(update_fields=["answer"])


def submit(user, quiz, **answers):
    attempt = services.start_attempt(user, quiz)
    answer(attempt, **answers)
    attempt, _ = services.submit_attempt(attempt.pk, user)
    return attempt


# --- the pass rule ------------------------------------------------------------------------------


def test_totals_fail_a_critical_miss_and_wait_for_pending_scores():
    assert totals([(D(9), D(10))], 70, critical=[(D(0), D(1))]).passed is False
    assert totals([(D(9), D(10))], 70, critical=[(D(1), D(1))]).passed is True
    assert totals([(D(9), D(10))], 70, critical=[(D("0.5"), D(1))]).critical_missed == 1
    pending = totals([(D(8), D(9)), (None, D(1))], 70, critical=[(D(0), D(1))])
    assert pending.passed is None and pending.critical_missed == 1
    assert totals([(D(10), D(10))], 70, critical=[(None, D(1))]).critical_missed == 0


def test_a_high_score_with_one_critical_miss_does_not_pass(tree, trainee):
    quiz, critical = critical_quiz(tree.module)
    attempt = submit(trainee, quiz, miss={critical.pk})
    assert attempt.percent == D(80) and attempt.percent >= attempt.pass_mark
    assert attempt.state == AttemptState.GRADED
    assert attempt.passed is False
    assert attempt.critical_rule is True
    flags = {r.question_id: r.question_snapshot["critical"] for r in attempt.responses.all()}
    assert flags[critical.pk] is True and sum(flags.values()) == 1


def test_every_critical_question_right_passes(tree, trainee):
    quiz, _ = critical_quiz(tree.module)
    assert submit(trainee, quiz).passed is True


def test_partial_credit_on_a_critical_question_is_a_miss(tree, trainee):
    quiz, critical = critical_quiz(tree.module, critical_kind="multiple_response")
    attempt = submit(trainee, quiz, partly={critical.pk})
    assert attempt.percent == D(90)
    assert attempt.passed is False


def test_a_pending_essay_keeps_the_result_open_until_it_is_graded(tree, trainee, instructor):
    essay = make_question("essay")
    quiz, critical = critical_quiz(tree.module, extra=[essay])
    attempt = submit(trainee, quiz, miss={critical.pk})
    assert attempt.state == AttemptState.AWAITING_GRADING and attempt.passed is None
    response = attempt.responses.get(question=essay)
    services.grade_essay(response.pk, instructor, D(4), "Full marks.")
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.GRADED
    assert attempt.percent > attempt.pass_mark and attempt.passed is False


def test_a_critical_essay_needs_full_marks(tree, trainee, instructor):
    essay = make_question("essay", critical=True)
    quiz = make_quiz(tree.module, [make_question("single_choice") for _ in range(9)] + [essay])
    attempt = submit(trainee, quiz)
    services.grade_essay(attempt.responses.get(question=essay).pk, instructor, D(3), "")
    attempt.refresh_from_db()
    assert attempt.percent == D("97.50") and attempt.passed is False


def test_editing_the_question_later_never_changes_an_attempt(tree, trainee):
    quiz, critical = critical_quiz(tree.module, attempts_allowed=0)
    started = services.start_attempt(trainee, quiz)
    critical.critical = False
    critical.save_revision().publish()
    answer(started, miss={critical.pk})
    attempt, _ = services.submit_attempt(started.pk, trainee)
    assert attempt.passed is False, "the rule as it was at start applies"
    assert submit(trainee, quiz, miss={critical.pk}).passed is True, "a new attempt: not critical"


def test_attempts_from_before_the_rule_grade_as_before(tree, trainee):
    quiz, critical = critical_quiz(tree.module)
    attempt = services.start_attempt(trainee, quiz)
    # As an attempt started before critical questions existed was stored: no rule, no flags.
    attempt.critical_rule = False
    attempt.save(update_fields=["critical_rule"])
    for response in attempt.responses.all():
        response.question_snapshot.pop("critical")
        response.question_snapshot["version"] = 2
        response.save(update_fields=["question_snapshot"])
    answer(attempt, miss={critical.pk})
    attempt, _ = services.submit_attempt(attempt.pk, trainee)
    assert attempt.percent == D(80) and attempt.passed is True


# --- what follows from passing --------------------------------------------------------------------


def programme_for(tree, quiz) -> Programme:
    return make_programme(
        "critical-prog",
        "Safe practitioner",
        courses=[tree.course],
        quizzes=[quiz],
        checklists=[make_checklist("needle", safety=True)],
    )


def test_a_critical_miss_issues_no_certificate_and_counts_as_no_evidence(
    tree, trainee, instructor, django_capture_on_commit_callbacks
):
    quiz, critical = critical_quiz(tree.module, attempts_allowed=0)
    programme = programme_for(tree, quiz)
    for lesson in tree.lessons:
        course_services.complete_lesson(trainee, lesson)
    with django_capture_on_commit_callbacks(execute=True):
        assess(trainee, instructor, programme.required_checklists.get())
        submit(trainee, quiz, miss={critical.pk})
    assert not Certificate.objects.filter(user=trainee).exists()
    evidence = [e for r in competency_records(trainee) for e in r.evidence if e.kind == "quiz"]
    assert evidence == []
    with django_capture_on_commit_callbacks(execute=True):
        submit(trainee, quiz)
    assert Certificate.objects.filter(user=trainee, programme=programme).count() == 1


# --- curriculum -------------------------------------------------------------------------------------


def test_the_loader_reads_the_critical_flag(tree):
    question = make_question()

    class Loader:
        def source(self, key, where):
            return question.source

    item = {
        "type": "true_false",
        "title": "Full needle length and depth",
        "stem": "Stem.",
        "explanation": "Why.",
        "source": "case-report",
        "passage": "treatment paragraph",
    }
    category = question.category
    assert question_fields(item, "q", Loader(), category)["critical"] is False
    fields = question_fields({**item, "critical": True}, "q", Loader(), category)
    assert fields["critical"] is True
    with pytest.raises(CurriculumError, match="critical"):
        question_fields({**item, "critical": "yes"}, "q", Loader(), category)


CRITICAL_QUIZZES = [
    ("needle-safety", "quiz"),
    ("case-studies", "hfs-mini-ren-snan-2018"),
    ("case-studies", "constructed-hfs-or-blepharospasm"),
]


@pytest.mark.parametrize(("module", "slug"), CRITICAL_QUIZZES)
def test_safety_quizzes_mark_critical_questions_that_link_to_their_passage(
    curriculum, module, slug
):
    quiz = QuizPage.objects.get(slug=slug, url_path__contains=f"/{module}/")
    critical = [fq.question for fq in quiz.fixed_questions.all() if fq.question.critical]
    assert critical, f"{slug} marks no critical question"
    assert quiz.asks_critical_questions()
    sources = {
        q.pk: {
            "id": q.source_id,
            "title": "",
            "citation": "",
            "evidence_level": "",
            "passage": q.passage,
        }
        for q in critical
    }
    trail = quiz.get_ancestors()
    links = passage_links(sources, module=trail.last(), course=trail[trail.count() - 2])
    missing = [q.key for q in critical if q.pk not in links]
    assert not missing, f"no lesson cites the passage of {missing}"
    assert all("#source-" in link.url for link in links.values())


def test_a_case_result_names_the_missed_stage_question_and_its_passage(curriculum, client):
    learner = UserFactory(username="case-learner")
    quiz = QuizPage.objects.get(slug="constructed-hfs-or-blepharospasm")
    critical = quiz.fixed_questions.get(question__critical=True).question
    attempt = services.start_attempt(learner, quiz)
    answer(attempt, miss={critical.pk})
    attempt.current_stage = attempt.stage_count
    attempt.save(update_fields=["current_stage"])
    attempt, _ = services.submit_attempt(attempt.pk, learner)
    assert attempt.percent >= attempt.pass_mark and attempt.passed is False
    client.force_login(learner)
    html = client.get(f"{quiz.url}attempt/{attempt.pk}/result/").content.decode()
    stage = attempt.responses.get(question=critical).stage
    assert "a safety-critical question was answered wrongly" in html
    assert f"(stage {stage})" in html and "Reread the passage it was written from" in html
