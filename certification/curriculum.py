"""Skill checklists (curriculum/checklists.toml) and programmes (curriculum/programmes.toml).

Run by the curriculum load (academy.curriculum) after every course is loaded, because
programmes name courses and quizzes. Idempotent like the rest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from certification.models import ChecklistItem, Programme, SkillChecklist
from core.curriculum import CurriculumError, read_toml, require
from courses.models import CoursePage

if TYPE_CHECKING:
    from core.loader import CurriculumLoader


def sync_checklist(loader: CurriculumLoader, data: dict[str, Any], where: str) -> SkillChecklist:
    key = require(data, "key", str, where)
    fields = {
        "title": require(data, "title", str, where).strip(),
        "description": data.get("description", "").strip(),
        "rating_max": data.get("rating_max", 6),
        "pass_rating": data.get("pass_rating", 4),
    }
    if not (
        isinstance(fields["rating_max"], int) and isinstance(fields["pass_rating"], int)
    ) or not (1 <= fields["pass_rating"] <= fields["rating_max"]):
        raise CurriculumError(f"{where} '{key}': pass_rating must be between 1 and rating_max")
    items = []
    for n, item in enumerate(data.get("item", []), start=1):
        iwhere = f"{where} '{key}' item #{n}"
        competency = loader.competency_list([require(item, "competency", str, iwhere)], iwhere)[0]
        must_pass = bool(item.get("must_pass", False))
        if competency.domain == "safety" and not must_pass:
            raise CurriculumError(
                f"{iwhere}: items on a safety competency must be must_pass = true"
            )
        items.append(
            {
                "text": require(item, "text", str, iwhere).strip(),
                "competency_id": competency.pk,
                "must_pass": must_pass,
                "guidance": item.get("guidance", "").strip(),
            }
        )
    if not items:
        raise CurriculumError(f"{where} '{key}': a checklist needs at least one [[checklist.item]]")
    return loader.sync_clustered(
        SkillChecklist, {"key": key}, fields, children={"items": (ChecklistItem, items)}
    )


def sync_programme(
    loader: CurriculumLoader,
    data: dict[str, Any],
    where: str,
    checklists: dict[str, SkillChecklist],
) -> Programme:
    from quizzes.models import QuizPage

    key = require(data, "key", str, where)
    pwhere = f"{where} '{key}'"
    courses = []
    for name in data.get("courses", []):
        # Courses are named by their stable key (course.toml), which a folder rename keeps.
        course = CoursePage.objects.filter(key=name).first()
        if course is None:
            raise CurriculumError(f"{pwhere}: unknown course key '{name}'")
        courses.append(course)
    quizzes = []
    for spec in data.get("quizzes", []):
        if spec == "*":
            for course in courses:
                quizzes += list(QuizPage.objects.descendant_of(course).live().order_by("path"))
            continue
        quiz = QuizPage.objects.filter(url_path__endswith=f"/{spec.strip('/')}/").first()
        if quiz is None:
            raise CurriculumError(f"{pwhere}: unknown quiz '{spec}' (course/module/quiz)")
        quizzes.append(quiz)
    required_checklists = []
    for ckey in data.get("checklists", []):
        if ckey not in checklists:
            raise CurriculumError(f"{pwhere}: unknown checklist '{ckey}' (see checklists.toml)")
        required_checklists.append(checklists[ckey])
    fields = {
        "title": require(data, "title", str, pwhere).strip(),
        "description": data.get("description", "").strip(),
        "validity_months": require(data, "validity_months", int, pwhere),
    }
    return loader.sync_clustered(
        Programme,
        {"key": key},
        fields,
        m2m={
            "required_courses": courses,
            "required_quizzes": quizzes,
            "required_checklists": required_checklists,
        },
    )


def load_certification(loader: CurriculumLoader) -> None:
    checklists: dict[str, SkillChecklist] = {}
    path = loader.root / "checklists.toml"
    if path.exists():
        for n, data in enumerate(read_toml(path).get("checklist", []), start=1):
            checklist = sync_checklist(loader, data, f"{path} [[checklist]] #{n}")
            checklists[checklist.key] = checklist
    path = loader.root / "programmes.toml"
    if path.exists():
        for n, data in enumerate(read_toml(path).get("programme", []), start=1):
            sync_programme(loader, data, f"{path} [[programme]] #{n}", checklists)
