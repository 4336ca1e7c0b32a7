"""Module quizzes from `quiz.toml` files: the questions (published snippets) and the QuizPage.

Run for each module by the curriculum load (academy.curriculum, MODULE_STEPS). Same rules as
the rest of the loader: a question or page is written, with a revision, only when it differs from its
file; a bad file raises CurriculumError naming the file and the question.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models

from core.curriculum import (
    CurriculumError,
    ModuleSpec,
    markdown_to_richtext,
    optional,
    require,
    require_markdown,
)
from courses.curriculum import check_objective_keys
from quizzes.models import (
    CognitiveLevel,
    Question,
    QuestionCategory,
    QuestionOption,
    QuestionType,
    QuizPage,
    QuizQuestion,
    ReviewPolicy,
    validate_options,
    validate_question_title,
)

if TYPE_CHECKING:
    from courses.curriculum import CourseLoader
    from courses.models import ModulePage

QUIZ_SLUG = "quiz"


def _decimal(value: Any, where: str, name: str) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise CurriculumError(f"{where}: '{name}' must be a number") from None


def check_fields(model: type[models.Model], values: dict[str, Any], where: str) -> None:
    """Refuse, naming the field, a value its column cannot take (too long, blank, not a slug).

    Checked before anything is written, so a bad file stops with its field named instead of
    failing in the database (PostgreSQL enforces lengths, SQLite does not).
    """
    checked = {f.name for f in model._meta.fields if f.name in values and not f.is_relation}
    try:
        model(**values).clean_fields(
            exclude=[f.name for f in model._meta.fields if f.name not in checked]
        )
    except ValidationError as exc:
        name, messages = next(iter(exc.message_dict.items()))
        raise CurriculumError(f"{where}: field '{name}': {' '.join(messages)}") from None


def question_title(item: dict[str, Any], where: str) -> str:
    """The question's `title`: required, and a real label (Question.title's own validator)."""
    title = " ".join(require(item, "title", str, where).split())
    try:
        validate_question_title(title)
    except ValidationError as exc:
        raise CurriculumError(f"{where}: 'title': {' '.join(exc.messages)}") from None
    return title


def _points(item: dict[str, Any], key: str, where: str) -> Decimal | None:
    if key not in item:
        return None
    value = require(item, key, (int, float), where)
    return _decimal(value, where, key).quantize(Decimal("0.01"))


def option_rows(kind: str, item: dict[str, Any], where: str) -> list[dict[str, Any]]:
    """The QuestionOption rows a question of `kind` is stored with."""
    if kind in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_RESPONSE):
        return [
            {
                "text": require(o, "text", str, f"{where} option #{n}").strip(),
                "is_correct": bool(o.get("correct", False)),
                "feedback": require(o, "feedback", str, f"{where} option #{n}").strip(),
                "match": "",
            }
            for n, o in enumerate(item.get("option", []), start=1)
        ]
    if kind == QuestionType.TRUE_FALSE:
        answer = require(item, "answer", bool, where)
        return [
            {
                "text": "True",
                "is_correct": answer,
                "feedback": require(item, "feedback_true", str, where).strip(),
                "match": "",
            },
            {
                "text": "False",
                "is_correct": not answer,
                "feedback": require(item, "feedback_false", str, where).strip(),
                "match": "",
            },
        ]
    if kind == QuestionType.ORDERING:
        return [
            {
                "text": require(o, "text", str, f"{where} item #{n}").strip(),
                "is_correct": False,
                "feedback": "",
                "match": "",
            }
            for n, o in enumerate(item.get("item", []), start=1)
        ]
    if kind == QuestionType.MATCHING:
        rows = [
            {
                "text": require(p, "prompt", str, f"{where} pair #{n}").strip(),
                "is_correct": False,
                "feedback": "",
                "match": require(p, "answer", str, f"{where} pair #{n}").strip(),
            }
            for n, p in enumerate(item.get("pair", []), start=1)
        ]
        rows += [
            {"text": "", "is_correct": False, "feedback": "", "match": str(d).strip()}
            for d in item.get("distractors", [])
        ]
        return rows
    if kind == QuestionType.SHORT_ANSWER:
        accepted = require(item, "accepted", list, where)
        return [
            {"text": str(a).strip(), "is_correct": True, "feedback": "", "match": ""}
            for a in accepted
        ]
    return []


def question_fields(
    item: dict[str, Any], where: str, loader: CourseLoader, category: QuestionCategory
) -> dict[str, Any]:
    kind = require(item, "type", str, where)
    if kind not in QuestionType.values:
        raise CurriculumError(f"{where}: unknown type '{kind}' ({', '.join(QuestionType.values)})")
    fields: dict[str, Any] = {
        "question_type": kind,
        "title": question_title(item, where),
        "stem": require_markdown(item, "stem", where),
        "explanation": require_markdown(item, "explanation", where),
        "category": category,
        "source": loader.source(require(item, "source", str, where), where),
        "passage": require(item, "passage", str, where).strip(),
        "points": _decimal(item.get("points", 1), where, "points").quantize(Decimal("0.01")),
        "critical": optional(item, "critical", bool, where, False),
        "numeric_answer": None,
        "numeric_tolerance": Decimal("0.0000"),
        "numeric_unit": "",
        "model_answer": "",
        "rubric": "",
        "rubric_points": None,
        "rubric_pass_points": None,
    }
    if kind == QuestionType.NUMERIC:
        fields["numeric_answer"] = _decimal(
            require(item, "answer", (int, float), where), where, "answer"
        ).quantize(Decimal("0.0001"))
        fields["numeric_tolerance"] = _decimal(
            item.get("tolerance", 0), where, "tolerance"
        ).quantize(Decimal("0.0001"))
        fields["numeric_unit"] = optional(item, "unit", str, where, "")
    if kind in (QuestionType.ESSAY, QuestionType.SHORT_ANSWER):
        fields["model_answer"] = require_markdown(item, "model_answer", where)
    if kind == QuestionType.ESSAY:
        fields["rubric"] = require(item, "rubric", str, where).strip()
        fields["rubric_points"] = _points(item, "rubric_points", where)
        fields["rubric_pass_points"] = _points(item, "rubric_pass_points", where)
    return fields


def sync_question(
    loader: CourseLoader,
    key: str,
    fields: dict[str, Any],
    options: list[dict[str, Any]],
    competencies: list,
    objectives: list | None = None,
) -> Question:
    """Create or update one question; a change becomes a new published revision."""
    return loader.sync_clustered(
        Question,
        {"key": key},
        fields,
        children={"options": (QuestionOption, options)},
        m2m={"competencies": competencies, "objectives": objectives or []},
    )


def blueprint_tags(loader: CourseLoader, item: dict[str, Any], where: str) -> tuple[str, list]:
    """The question's cognitive `level` and the learning `objectives` it assesses.

    Both are required: a question that assesses no stated objective cannot be placed on the
    blueprint, so the file is refused rather than loaded untagged.
    """
    level, keys = blueprint_tag_keys(item, where)
    return level, loader.objective_list(keys, where)


def blueprint_tag_keys(item: dict[str, Any], where: str) -> tuple[str, list]:
    """The question's `level` and its objectives' keys, checked as far as the file alone can be."""
    if "objectives" not in item:
        raise CurriculumError(
            f"{where}: missing field 'objectives' (list the keys of the learning objectives "
            "it assesses)"
        )
    keys = require(item, "objectives", list, where)
    if not keys:
        raise CurriculumError(f"{where}: 'objectives' is empty; list at least one objective key")
    if "level" not in item:
        raise CurriculumError(
            f"{where}: missing field 'level' ({', '.join(CognitiveLevel.values)})"
        )
    level = item["level"]
    if level not in CognitiveLevel.values:
        raise CurriculumError(
            f"{where}: unknown level '{level}' ({', '.join(CognitiveLevel.values)})"
        )
    return level, keys


def check_question_tags(items: list[Any], where: str, known: set[str]) -> None:
    """Refuse an untagged or mis-tagged question among `items` (the [[question]] tables found
    at `where`), with the error `load_question` would give, before anything is written.
    A question without a usable key is left for `load_question` to refuse."""
    for n, item in enumerate(items, start=1):
        key = item.get("key") if isinstance(item, dict) else None
        if not isinstance(key, str) or not key.strip():
            continue
        qwhere = f"{where} #{n} question '{key}'"
        check_objective_keys(blueprint_tag_keys(item, qwhere)[1], known, qwhere)


def check_module_quiz(spec: ModuleSpec, known: set[str]) -> None:
    """The ModuleCheck of `load_module_quiz`: its questions' blueprint tags."""
    if spec.quiz is not None:
        questions = spec.quiz.get("question", [])
        if isinstance(questions, list):
            check_question_tags(questions, f"{spec.path / 'quiz.toml'} [[question]]", known)


def load_question(
    loader: CourseLoader,
    item: dict[str, Any],
    where: str,
    category: QuestionCategory,
    seen: set[str],
) -> Question:
    """Validate one [[question]] table and create or update its published Question."""
    key = require(item, "key", str, where)
    qwhere = f"{where} question '{key}'"
    if key in seen:
        raise CurriculumError(f"{qwhere}: key used twice")
    seen.add(key)
    fields = question_fields(item, qwhere, loader, category)
    fields["level"], objectives = blueprint_tags(loader, item, qwhere)
    options = option_rows(fields["question_type"], item, qwhere)
    try:
        validate_options(fields["question_type"], options, fields)
    except ValidationError as exc:
        raise CurriculumError(f"{qwhere}: {' '.join(exc.messages)}") from None
    competencies = loader.competency_list(require(item, "competencies", list, qwhere), qwhere)
    if not competencies:
        raise CurriculumError(f"{qwhere}: list at least one competency")
    check_fields(Question, {"key": key, **fields}, qwhere)
    for n, row in enumerate(options, start=1):
        check_fields(QuestionOption, row, f"{qwhere} option #{n}")
    return sync_question(loader, key, fields, options, competencies, objectives)


def quiz_page_fields(data: dict[str, Any], where: str) -> dict[str, Any]:
    """The QuizPage settings a quiz.toml or a case file's [quiz] table gives."""
    policy = data.get("review_policy", ReviewPolicy.ANSWERS)
    if policy not in ReviewPolicy.values:
        raise CurriculumError(
            f"{where}: review_policy must be one of {', '.join(ReviewPolicy.values)}"
        )
    pass_mark = optional(data, "pass_mark", int, where, 70)
    if not 0 <= pass_mark <= 100:
        raise CurriculumError(f"{where}: pass_mark is a percentage, 0 to 100")
    fields = {
        "title": require(data, "title", str, where),
        "intro": markdown_to_richtext(data.get("intro", "")),
        "pass_mark": pass_mark,
        "attempts_allowed": optional(data, "attempts_allowed", int, where, 3),
        "time_limit_minutes": optional(data, "time_limit_minutes", int, where, 0),
        "shuffle_questions": bool(data.get("shuffle_questions", True)),
        "shuffle_options": bool(data.get("shuffle_options", True)),
        "review_policy": policy,
    }
    check_fields(QuizPage, fields, where)
    return fields


def load_module_quiz(loader: CourseLoader, module: ModulePage, spec: ModuleSpec) -> None:
    """The module's quiz.toml, if it has one: its questions and its QuizPage."""
    if spec.quiz is None:
        return
    data = spec.quiz
    path = spec.path / "quiz.toml"
    where = str(path)
    category_fields = {
        "key": require(data, "category", str, where),
        "name": data.get("category_name") or f"{spec.title}",
    }
    check_fields(QuestionCategory, category_fields, where)
    category = loader.sync_snippet(
        QuestionCategory, {"key": category_fields["key"]}, {"name": category_fields["name"]}
    )
    seen: set[str] = set()
    questions = [
        load_question(loader, item, f"{where} [[question]] #{n}", category, seen)
        for n, item in enumerate(data.get("question", []), start=1)
    ]
    if not questions:
        raise CurriculumError(f"{where}: a quiz needs at least one [[question]]")
    require(data, "pass_mark", int, where)
    loader.sync_page(
        module,
        QuizPage,
        data.get("slug", QUIZ_SLUG),
        {**quiz_page_fields(data, where), "case": None},
        inline={
            "fixed_questions": (
                QuizQuestion,
                [{"question_id": q.pk, "stage": None} for q in questions],
            )
        },
    )
