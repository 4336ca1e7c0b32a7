"""Writing case files (`*.case.toml`) whose text fields carry chosen content, for import_case."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.core.management import call_command

# The fields of a case file that are Markdown, converted to rich text on import.
RICH_FIELDS = (
    "summary",
    "intro",
    "narrative-1",
    "narrative-2",
    "stem-1",
    "explanation-1",
    "stem-2",
    "explanation-2",
    "model-answer-2",
)


def toml_string(value: str) -> str:
    """`value` as a TOML basic string (control characters escaped, as TOML requires)."""
    escaped = []
    for char in value:
        if char in '"\\':
            escaped.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            escaped.append(f"\\u{ord(char):04x}")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'


def case_toml(
    key: str,
    rich: Callable[[str], str],
    plain: Callable[[str], str] = lambda text: text,
    findings: list[str] | None = None,
) -> str:
    """A two-stage case: a single-choice question, then an essay (graded in the admin).

    `rich(field)` gives the Markdown of each field in RICH_FIELDS; `plain(text)` dresses the
    plain-text fields (titles, passages, options, feedback, rubric).
    """
    s = toml_string

    def p(text: str) -> str:
        return s(plain(text))

    findings = findings if findings is not None else ["Left eye only"]
    return f"""
key = {s(key)}
title = {p("A twitching eyelid")}
kind = "constructed"
summary = {s(rich("summary"))}
evidence_note = {p("Constructed teaching case.")}

[source]
key = {s(key + "-source")}
title = {p("Hemifacial spasm, a practice article")}
authors = {p("Michelle")}
evidence_level = "book_excerpt"

[quiz]
title = {p("Case quiz")}
slug = {s(key)}
intro = {s(rich("intro"))}
pass_mark = 50
attempts_allowed = 0
review_policy = "answers"
category = "hostile-cases"

[[stage]]
title = {p("Presentation")}
kind = "presentation"
passage = {p("opening section")}
narrative = {s(rich("narrative-1"))}
findings = [{", ".join(s(f) for f in findings)}]

[[stage.question]]
key = {s(key + "-01")}
title = {s("Feature separating spasm from tic")}
type = "single_choice"
stem = {s(rich("stem-1"))}
explanation = {s(rich("explanation-1"))}
competencies = ["HFS-K1"]
objectives = ["hfs-differentials"]
level = "application"
passage = {p("opening section")}

[[stage.question.option]]
text = {p("It continues in sleep")}
correct = true
feedback = {p("Right: tics stop in sleep.")}

[[stage.question.option]]
text = {p("It started at the eyelid")}
correct = false
feedback = {p("Both can start there.")}

[[stage]]
title = {p("What happened next")}
kind = "outcome"
passage = {p("Figure 1 table")}
narrative = {s(rich("narrative-2"))}

[[stage.question]]
key = {s(key + "-02")}
title = {s("Explaining the spread of the spasm")}
type = "essay"
stem = {s(rich("stem-2"))}
explanation = {s(rich("explanation-2"))}
model_answer = {s(rich("model-answer-2"))}
rubric = {p("One point per idea.")}
rubric_points = 10
competencies = ["HFS-K1"]
objectives = ["hfs-differentials"]
level = "application"
passage = {p("Figure 1 table")}
"""


def import_case(path: Path, text: str, module) -> None:
    """Write `text` to `path` and import it into `module` (a ModulePage)."""
    path.write_text(text, encoding="utf-8")
    course = module.get_parent()
    ensure_objective(module)
    call_command("import_case", str(path), module=f"{course.slug}/{module.slug}", verbosity=0)


def ensure_objective(module) -> None:
    """The objective test case files name, in `module`'s course unless it already has it."""
    from courses.models import LearningObjective

    course_path = module.path[: -module.steplen]
    if not LearningObjective.objects.filter(
        key="hfs-differentials", page__path__startswith=course_path
    ).exists():
        LearningObjective.objects.create(
            page=module, key="hfs-differentials", text="Distinguish spasm from a tic.", sort_order=0
        )
