"""Case files (`*.case.toml`): a ClinicalCase, its staged questions and its case quiz page.

Used by `load_curriculum` (case files in a module folder) and by `import_case FILE`. The format
is documented in curriculum/README.md; an error names the file, the line (TOML syntax) or the
stage, question and field, and the surrounding transaction leaves the database untouched.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.curriculum import CurriculumError, ModuleSpec, read_toml, require, require_markdown
from core.models import EvidenceLevel, Source
from quizzes.curriculum import check_fields, check_question_tags, load_question, quiz_page_fields
from quizzes.models import (
    CaseKind,
    CaseStage,
    ClinicalCase,
    QuestionCategory,
    QuizPage,
    QuizQuestion,
    StageKind,
)

if TYPE_CHECKING:
    from courses.curriculum import CourseLoader
    from courses.models import ModulePage

CASE_SUFFIX = ".case.toml"


def _source(loader: CourseLoader, value: Any, where: str) -> Source:
    if isinstance(value, str):
        return loader.source(value, where)
    if not isinstance(value, dict):
        raise CurriculumError(f"{where}: 'source' is a key from sources.toml or a [source] table")
    swhere = f"{where} [source]"
    key = require(value, "key", str, swhere)
    level = require(value, "evidence_level", str, swhere)
    if level not in EvidenceLevel.values:
        raise CurriculumError(f"{swhere}: unknown evidence_level '{level}'")
    fields = {
        "title": require(value, "title", str, swhere),
        "authors": require(value, "authors", str, swhere),
        "publication": value.get("publication", ""),
        "year": value.get("year"),
        "url": value.get("url", ""),
        "evidence_level": level,
        "limitations": value.get("limitations", "").strip(),
    }
    check_fields(Source, {"key": key, **fields}, swhere)
    source = loader.sync_snippet(Source, {"key": key}, fields)
    loader.sources[key] = source
    return source


def _stages(data: dict[str, Any], where: str) -> list[dict[str, Any]]:
    raw = data.get("stage", [])
    if not isinstance(raw, list) or len(raw) < 2:
        raise CurriculumError(f"{where}: a case needs at least two [[stage]] tables")
    stages = []
    for number, item in enumerate(raw, start=1):
        swhere = f"{where} stage {number}"
        kind = require(item, "kind", str, swhere)
        if kind not in StageKind.values:
            raise CurriculumError(
                f"{swhere}: unknown kind '{kind}' ({', '.join(StageKind.values)})"
            )
        findings = item.get("findings", [])
        if not isinstance(findings, list) or not all(isinstance(f, str) for f in findings):
            raise CurriculumError(f"{swhere}: 'findings' is a list of strings")
        stage = {
            "title": require(item, "title", str, swhere).strip(),
            "kind": kind,
            "narrative": require_markdown(item, "narrative", swhere),
            "findings": "\n".join(f.strip() for f in findings if f.strip()),
            "passage": require(item, "passage", str, swhere).strip(),
        }
        check_fields(CaseStage, stage, swhere)
        stages.append(stage)
    return stages


def sync_case(
    loader: CourseLoader, key: str, fields: dict[str, Any], stages: list[dict[str, Any]]
) -> ClinicalCase:
    """Create or update the case; a change becomes a new published revision."""
    return loader.sync_clustered(
        ClinicalCase, {"key": key}, fields, children={"stages": (CaseStage, stages)}
    )


def import_case_file(loader: CourseLoader, path: Path, module: ModulePage) -> QuizPage:
    """Import one case file into `module`: the case, its questions and its quiz page."""
    data = read_toml(path)
    where = str(path)
    key = require(data, "key", str, where)
    kind = require(data, "kind", str, where)
    if kind not in CaseKind.values:
        raise CurriculumError(f"{where}: 'kind' is 'published' or 'constructed'")
    source = _source(loader, require(data, "source", (str, dict), where), where)
    level = data.get("evidence_level", source.evidence_level)
    if level not in EvidenceLevel.values:
        raise CurriculumError(f"{where}: unknown evidence_level '{level}'")
    stages = _stages(data, where)
    quiz = data.get("quiz")
    if not isinstance(quiz, dict):
        raise CurriculumError(f"{where}: missing the [quiz] table")
    page_fields = quiz_page_fields(quiz, f"{where} [quiz]")
    slug = quiz.get("slug", key)
    check_fields(QuizPage, {"slug": slug}, f"{where} [quiz]")
    category_fields = {
        "key": quiz.get("category", "cases"),
        "name": quiz.get("category_name", "Case studies"),
    }
    check_fields(QuestionCategory, category_fields, f"{where} [quiz]")
    fields = {
        "title": require(data, "title", str, where).strip(),
        "kind": kind,
        "summary": require_markdown(data, "summary", where),
        "source": source,
        "evidence_level": level,
        "evidence_note": require(data, "evidence_note", str, where).strip(),
    }
    check_fields(ClinicalCase, {"key": key, **fields}, where)

    case = sync_case(loader, key, fields, stages)
    category = loader.sync_snippet(
        QuestionCategory, {"key": category_fields["key"]}, {"name": category_fields["name"]}
    )
    seen: set[str] = set()
    asked = []
    for number, stage in enumerate(data["stage"], start=1):
        for n, item in enumerate(stage.get("question", []), start=1):
            item = {"source": source.key, **item}
            question = load_question(
                loader, item, f"{where} stage {number} [[stage.question]] #{n}", category, seen
            )
            asked.append({"question_id": question.pk, "stage": number})
    if not asked:
        raise CurriculumError(f"{where}: a case quiz needs at least one [[stage.question]]")
    page_fields["shuffle_questions"] = bool(quiz.get("shuffle_questions", False))
    return loader.sync_page(
        module,
        QuizPage,
        slug,
        {**page_fields, "case": case},
        inline={"fixed_questions": (QuizQuestion, asked)},
    )


def check_module_cases(spec: ModuleSpec, known: set[str]) -> None:
    """The ModuleCheck of `load_module_cases`: each case file's questions' blueprint tags."""
    for path in sorted(spec.path.glob(f"*{CASE_SUFFIX}")):
        stages = read_toml(path).get("stage", [])
        for number, stage in enumerate(stages if isinstance(stages, list) else [], start=1):
            questions = stage.get("question", []) if isinstance(stage, dict) else []
            if isinstance(questions, list):
                where = f"{path} stage {number} [[stage.question]]"
                check_question_tags(questions, where, known)


def load_module_cases(loader: CourseLoader, module: ModulePage, spec: ModuleSpec) -> None:
    """Every case file in the module's folder, in file-name order."""
    for path in sorted(spec.path.glob(f"*{CASE_SUFFIX}")):
        import_case_file(loader, path, module)
