"""The question bank (snippets), clinical cases, quiz pages, and learner attempts with their responses.

Question, QuestionCategory and ClinicalCase are snippets (quizzes/wagtail_hooks.py); QuizPage
lives under a ModulePage. Attempt and Response are learner data: they keep a snapshot of every
question as shown and graded, so editing or deleting a question never changes a past result.

One module per part, each importing only those before it:

- choices: question types and review policies;
- validation: the rules a question's title, options and rubric meet;
- bank: QuestionCategory, Question, QuestionOption;
- cases: ClinicalCase and its CaseStages;
- quiz_page: QuizPage with its fixed questions, random draws and routes;
- attempts: Attempt and Response;
- overrides: Accommodation (abstract) and QuizOverride, a learner's accommodation;
- statistics: ItemStatisticsResult, the item statistics report as last computed.
"""

from quizzes.models.attempts import Attempt, AttemptQuerySet, AttemptState, Response
from quizzes.models.bank import Question, QuestionCategory, QuestionForm, QuestionOption
from quizzes.models.cases import CaseKind, CaseStage, ClinicalCase, StageKind
from quizzes.models.choices import CHOICE_TYPES, CognitiveLevel, QuestionType, ReviewPolicy
from quizzes.models.overrides import Accommodation, QuizOverride
from quizzes.models.quiz_page import (
    QuizPage,
    QuizPageForm,
    QuizQuestion,
    QuizRandomDraw,
    asked_by,
)
from quizzes.models.statistics import ItemStatisticsResult
from quizzes.models.validation import (
    BOILERPLATE_TITLE,
    RUN_TOGETHER,
    TITLE_EXAMPLE,
    TITLE_MAX_LENGTH,
    TITLE_MIN_WORDS,
    validate_options,
    validate_question_title,
    validate_rubric_points,
)

__all__ = [
    "BOILERPLATE_TITLE",
    "CHOICE_TYPES",
    "RUN_TOGETHER",
    "TITLE_EXAMPLE",
    "TITLE_MAX_LENGTH",
    "TITLE_MIN_WORDS",
    "Accommodation",
    "Attempt",
    "AttemptQuerySet",
    "AttemptState",
    "CaseKind",
    "CaseStage",
    "ClinicalCase",
    "CognitiveLevel",
    "ItemStatisticsResult",
    "Question",
    "QuestionCategory",
    "QuestionForm",
    "QuestionOption",
    "QuestionType",
    "QuizOverride",
    "QuizPage",
    "QuizPageForm",
    "QuizQuestion",
    "QuizRandomDraw",
    "Response",
    "ReviewPolicy",
    "StageKind",
    "asked_by",
    "validate_options",
    "validate_question_title",
    "validate_rubric_points",
]
