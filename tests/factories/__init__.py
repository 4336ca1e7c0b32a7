"""Test factories, one module per app; `from tests.factories import X` reaches them all."""

from tests.factories.accounts import PASSWORD, UserFactory
from tests.factories.certification import (
    ClinicFactory,
    SkillChecklistFactory,
    assess,
    make_checklist,
    make_programme,
)
from tests.factories.core import PageFactory, SourceFactory, make_home
from tests.factories.courses import (
    CompetencyFactory,
    CourseIndexPageFactory,
    CoursePageFactory,
    LessonPageFactory,
    ModulePageFactory,
    Tree,
    build_tree,
    make_objective,
)
from tests.factories.quizzes import (
    DEFAULT_OPTIONS,
    QuestionCategoryFactory,
    QuestionFactory,
    QuizPageFactory,
    make_question,
    make_quiz,
    passed_attempt,
    tagged_question,
    take_quiz,
)

__all__ = [
    "DEFAULT_OPTIONS",
    "PASSWORD",
    "ClinicFactory",
    "CompetencyFactory",
    "CourseIndexPageFactory",
    "CoursePageFactory",
    "LessonPageFactory",
    "ModulePageFactory",
    "PageFactory",
    "QuestionCategoryFactory",
    "QuestionFactory",
    "QuizPageFactory",
    "SkillChecklistFactory",
    "SourceFactory",
    "Tree",
    "UserFactory",
    "assess",
    "build_tree",
    "make_checklist",
    "make_home",
    "make_objective",
    "make_programme",
    "make_question",
    "make_quiz",
    "passed_attempt",
    "tagged_question",
    "take_quiz",
]
