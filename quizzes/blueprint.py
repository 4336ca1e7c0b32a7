"""The assessment blueprint: learning objectives x questions x cognitive level, for a scope.

A scope is a set of quizzes and the modules whose objectives they should assess: one quiz (its
module), one course (its modules and live quizzes), or whatever a higher app contributes through
`register_blueprint_scopes` (certification adds one scope per programme). The blueprint shows,
per objective, the questions that assess it and how many at each level, and flags the two gaps
that make an assessment indefensible: an objective no question assesses, and a question tied to
no objective. Every function here runs a fixed number of queries, whatever the size of a scope.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q

from courses.models import CoursePage, LearningObjective, ModulePage
from quizzes.models import CognitiveLevel, Question, QuizPage, QuizQuestion, QuizRandomDraw

LEVELS: tuple[str, ...] = tuple(CognitiveLevel.values)


@dataclass(frozen=True)
class Scope:
    """What a blueprint covers: `quiz_ids` (their questions) against `module_ids` (their
    objectives). `key` is stable and URL-safe (e.g. "quiz-12", "programme-3")."""

    key: str
    label: str
    group: str  # "Quiz", "Course", "Programme": how the choice list groups scopes
    quiz_ids: tuple[int, ...]
    module_ids: tuple[int, ...]


ScopeProvider = Callable[[], Iterable[Scope]]
_PROVIDERS: dict[str, ScopeProvider] = {}


def register_blueprint_scopes(name: str, provider: ScopeProvider) -> None:
    """Add a kind of scope (from a higher app's AppConfig.ready). `provider()` returns its
    scopes in a fixed number of queries. Registering a name again replaces the provider."""
    _PROVIDERS[name] = provider


def quiz_and_course_scopes() -> list[Scope]:
    """One scope per course (its modules and live quizzes) and per quiz (its module). Three
    queries."""
    modules = list(ModulePage.objects.order_by("path").only("id", "path", "title"))
    courses = list(CoursePage.objects.order_by("path").only("id", "path", "title"))
    quizzes = list(QuizPage.objects.order_by("path").only("id", "path", "title", "live"))
    module_of = {m.path: m for m in modules}
    scopes: list[Scope] = []
    for course in courses:
        scopes.append(
            Scope(
                key=f"course-{course.pk}",
                label=course.title,
                group="Course",
                quiz_ids=tuple(q.pk for q in quizzes if q.live and q.path.startswith(course.path)),
                module_ids=tuple(m.pk for m in modules if m.path.startswith(course.path)),
            )
        )
    for quiz in quizzes:
        module = module_of.get(quiz.path[: -QuizPage.steplen])
        scopes.append(
            Scope(
                key=f"quiz-{quiz.pk}",
                label=f"{quiz.title}" + ("" if quiz.live else " (not live)"),
                group="Quiz",
                quiz_ids=(quiz.pk,),
                module_ids=(module.pk,) if module else (),
            )
        )
    return scopes


register_blueprint_scopes("quizzes", quiz_and_course_scopes)


def all_scopes() -> list[Scope]:
    """Every scope every registered provider offers, in registration order."""
    return [scope for provider in _PROVIDERS.values() for scope in provider()]


@dataclass
class QuestionEntry:
    question: Question
    quizzes: list[str]  # titles of the scope's quizzes that ask it
    drawn: bool = False  # in a random draw's category rather than fixed in the quiz


@dataclass
class ObjectiveRow:
    objective: LearningObjective
    questions: list[QuestionEntry] = field(default_factory=list)
    in_scope: bool = True  # an objective of the scope's modules (else: another module's)

    @property
    def counts(self) -> dict[str, int]:
        return {level: sum(e.question.level == level for e in self.questions) for level in LEVELS}

    @property
    def uncovered(self) -> bool:
        return not self.questions

    @property
    def module(self) -> str:
        return self.objective.page.title


@dataclass
class Blueprint:
    scope: Scope
    rows: list[ObjectiveRow]
    untagged: list[QuestionEntry]  # questions tied to no objective
    questions: list[QuestionEntry]  # every question in the scope, once

    @property
    def level_counts(self) -> dict[str, int]:
        """Questions in the scope per level (each question once)."""
        return {level: sum(e.question.level == level for e in self.questions) for level in LEVELS}

    @property
    def uncovered(self) -> list[ObjectiveRow]:
        return [row for row in self.rows if row.uncovered]


def _questions_in(quiz_ids: Sequence[int]) -> list[QuestionEntry]:
    """The scope's questions, each once, with the quizzes that ask it. Four queries."""
    titles = dict(QuizPage.objects.filter(pk__in=quiz_ids).values_list("pk", "title"))
    asked: dict[int, list[str]] = {}
    for quiz_id, question_id in QuizQuestion.objects.filter(page_id__in=quiz_ids).values_list(
        "page_id", "question_id"
    ):
        asked.setdefault(question_id, []).append(titles[quiz_id])
    draws = QuizRandomDraw.objects.filter(page_id__in=quiz_ids).values_list(
        "page_id", "category_id"
    )
    from_category: dict[int, list[str]] = {}
    for quiz_id, category_id in draws:
        from_category.setdefault(category_id, []).append(titles[quiz_id])
    wanted = Q(pk__in=list(asked)) | Q(category_id__in=list(from_category), live=True)
    questions = Question.objects.filter(wanted).prefetch_related(
        Prefetch("objectives", queryset=LearningObjective.objects.select_related("page"))
    )
    entries = []
    for question in questions.order_by("key"):
        is_drawn = question.pk not in asked
        quizzes = from_category.get(question.category_id, []) if is_drawn else asked[question.pk]
        entries.append(QuestionEntry(question, sorted(set(quizzes)), drawn=is_drawn))
    return entries


def build_blueprint(scope: Scope) -> Blueprint:
    """The blueprint of one scope: its objectives (in course order) with the questions that
    assess them, and the gaps. Five queries whatever the number of quizzes or questions."""
    entries = _questions_in(scope.quiz_ids)
    objectives = list(
        LearningObjective.objects.filter(page_id__in=scope.module_ids)
        .select_related("page")
        .order_by("page__path", "sort_order", "pk")
    )
    rows = {o.pk: ObjectiveRow(o) for o in objectives}
    untagged = []
    for entry in entries:
        tagged = list(entry.question.objectives.all())
        if not tagged:
            untagged.append(entry)
        for objective in tagged:
            # A question may assess an earlier module's objective (a case quiz does): it is
            # listed too, so every question shows where it sits, but never flagged as a gap.
            row = rows.setdefault(objective.pk, ObjectiveRow(objective, in_scope=False))
            row.questions.append(entry)
    ordered = sorted(
        rows.values(), key=lambda r: (r.objective.page.path, r.objective.sort_order or 0)
    )
    return Blueprint(scope=scope, rows=ordered, untagged=untagged, questions=entries)
