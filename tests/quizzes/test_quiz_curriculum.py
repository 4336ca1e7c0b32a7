"""The four module quizzes in curriculum/: enough questions, enough types, every one cited."""

import pytest

from courses.models import ModulePage
from quizzes.models import Question, QuestionType, QuizPage

pytestmark = pytest.mark.django_db

MODULES = ["clinical-picture", "tcm-patterns", "palpation", "needle-safety"]


def quiz_questions(quiz: QuizPage) -> list[Question]:
    return [fq.question for fq in quiz.fixed_questions.select_related("question")]


def test_each_module_ends_with_a_quiz_of_eight_or_more_questions(curriculum):
    for slug in MODULES:
        module = ModulePage.objects.get(slug=slug)
        children = list(module.get_children().live().specific())
        assert isinstance(children[-1], QuizPage), f"{slug}: the quiz comes last"
        assert len(quiz_questions(children[-1])) >= 8, slug


def test_the_quizzes_use_at_least_six_question_types(curriculum):
    kinds = {q.question_type for quiz in QuizPage.objects.all() for q in quiz_questions(quiz)}
    assert len(kinds) >= 6, kinds
    assert kinds <= set(QuestionType.values)


def test_every_question_cites_its_passage_and_explains_itself(curriculum):
    questions = Question.objects.prefetch_related("options", "competencies").select_related(
        "source"
    )
    assert questions.count() >= 32
    for question in questions:
        assert question.live, question.key
        assert question.source_id and question.passage.strip(), question.key
        assert question.competencies.exists(), question.key
        assert question.explanation.strip(), question.key
        if question.question_type in (
            QuestionType.SINGLE_CHOICE,
            QuestionType.MULTIPLE_RESPONSE,
            QuestionType.TRUE_FALSE,
        ):
            assert all(o.feedback.strip() for o in question.options.all()), question.key


def test_the_needle_safety_quiz_asks_for_the_depth_limit(curriculum):
    quiz = QuizPage.objects.get(url_path__contains="/needle-safety/")
    numeric = [q for q in quiz_questions(quiz) if q.question_type == QuestionType.NUMERIC]
    assert any(q.numeric_answer == 10 and q.numeric_unit == "mm" for q in numeric)
    assert quiz.pass_mark >= 80


def test_single_choice_questions_have_exactly_one_right_answer(curriculum):
    for question in Question.objects.filter(question_type=QuestionType.SINGLE_CHOICE):
        assert sum(o.is_correct for o in question.options.all()) == 1, question.key


def test_the_case_studies_module_holds_the_published_case_and_two_constructed_ones(curriculum):
    from quizzes.models import CaseKind, ClinicalCase

    module = ModulePage.objects.get(slug="case-studies")
    quizzes = [p for p in module.get_children().live().specific() if isinstance(p, QuizPage)]
    cases = {q.case.key: q for q in quizzes if q.case}
    published = ClinicalCase.objects.get(key="hfs-mini-ren-snan-2018")
    assert published.kind == CaseKind.PUBLISHED and published.source.key == "case-report"
    assert published.stages.count() >= 5
    assert cases["hfs-mini-ren-snan-2018"].fixed_questions.count() >= 12
    constructed = ClinicalCase.objects.filter(kind=CaseKind.CONSTRUCTED)
    assert constructed.count() >= 2
    for case in constructed:
        assert case.title.lower().startswith("constructed"), case.title
        assert case.key in cases


def test_the_published_case_covers_every_stage_the_issue_names(curriculum):
    from quizzes.models import ClinicalCase

    kinds = [s.kind for s in ClinicalCase.objects.get(key="hfs-mini-ren-snan-2018").stages.all()]
    for kind in ("presentation", "examination", "diagnosis", "treatment", "outcome", "discussion"):
        assert kind in kinds, kind


def test_every_case_question_has_a_source_and_a_stage(curriculum):
    for quiz in QuizPage.objects.exclude(case=None):
        stages = quiz.case.stages.count()
        for fixed in quiz.fixed_questions.select_related("question__source"):
            assert fixed.question.source_id and fixed.question.passage.strip(), fixed.question.key
            assert 1 <= fixed.stage <= stages, fixed.question.key
