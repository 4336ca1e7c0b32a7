"""`load_curriculum`: the whole site from curriculum/, every layer in order, in one transaction.

Each layer builds what it owns — core the home page and Sources, courses the Competencies,
courses, modules and lessons, quizzes each module's quiz and case quizzes, certification the
checklists and programmes (after every course: programmes name courses and quizzes) — and this
module runs them in that order. A bad file raises CurriculumError and nothing is written.
Groups and the review workflow are not made here: `manage.py setup_roles` makes them.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from django.db import transaction

from certification.curriculum import load_certification
from core.curriculum import CurriculumError, read_toml
from core.indexing import indexed_once
from core.loader import DEFAULT_ROOT
from courses.curriculum import CourseLoader, ModuleCheck, ModuleStep, check_modules
from quizzes.cases import check_module_cases, load_module_cases
from quizzes.curriculum import check_module_quiz, load_module_quiz

# What each module gets once its lessons are in place, in this order.
MODULE_STEPS: tuple[ModuleStep, ...] = (load_module_quiz, load_module_cases)
# What can be checked of those steps' files before any page is written.
MODULE_CHECKS: tuple[ModuleCheck, ...] = (check_module_quiz, check_module_cases)


@transaction.atomic
@indexed_once()
def load_curriculum(root: Path = DEFAULT_ROOT) -> Counter[str]:
    """Make the database match the curriculum folder `root`; returns what happened, counted.

    Wagtail's reference and search indexes are brought up to date once per object saved, at
    the end.
    """
    loader = CourseLoader(root)
    if not loader.root.is_dir():
        raise CurriculumError(f"{loader.root}: curriculum folder not found")
    site_meta = read_toml(loader.root / "site.toml")
    home = loader.ensure_home(site_meta.get("home", {}))
    loader.load_sources()
    loader.load_competencies()
    specs = loader.read_courses()
    check_modules(specs, MODULE_CHECKS)
    index = loader.load_index(home, site_meta.get("courses", {}))
    course_pages = [loader.load_course(index, spec, MODULE_STEPS) for spec in specs]
    loader.ensure_order(index, course_pages)
    load_certification(loader)
    return loader.stats
