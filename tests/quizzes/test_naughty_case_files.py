"""The naughty strings through every text field of a case file: each imports and shows inert,
or is refused with a clear CommandError naming the field; never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from wagtail.admin.rich_text.converters.contentstate import ContentstateConverter

from core.blocks import INLINE_FEATURES, RICH_TEXT_FEATURES
from quizzes.models import ClinicalCase, Question
from tests.factories import CompetencyFactory, SourceFactory
from tests.html_safety import executable_bits
from tests.quizzes.case_files import case_toml, ensure_objective, toml_string

pytestmark = pytest.mark.django_db

BATCH = 60
TITLE_LENGTH = 200  # a stage's title, the shortest column a string goes into


def naughty_strings(corpora) -> list[str]:
    """blns.txt's strings: every line but its comments and the blank lines between groups."""
    lines = (corpora / "blns.txt").read_text(encoding="utf-8").split("\n")
    return [line for line in lines if line and not line.startswith("#")]


def case_with(key: str, strings: list[str]) -> str:
    """A case whose every text field carries the `strings`: each is the whole of a stage's
    title, passage and finding and of an option's text and feedback, and all of them, each
    followed by a word of text, make up the Markdown fields."""
    s = toml_string
    joined = s("\n\n".join(f"{text} text" for text in strings))
    stages = "".join(
        f"""
[[stage]]
title = {s(text)}
kind = "other"
passage = {s(text)}
narrative = {s(text + " text")}
findings = [{s(text)}]
"""
        for text in (strings if len(strings) > 1 else strings * 2)
    )
    options = "".join(
        f"""
[[stage.question.option]]
text = {s(text)}
correct = {"true" if n == 0 else "false"}
feedback = {s(text)}
"""
        for n, text in enumerate(strings)
    )
    if len(strings) == 1:
        options += '\n[[stage.question.option]]\ntext = "Another"\nfeedback = "No."\n'
    return f"""
key = "{key}"
title = {s(strings[0])}
kind = "constructed"
summary = {joined}
evidence_note = {joined}
source = "naughty-source"

[quiz]
title = "Quiz {key}"
slug = "{key}"
intro = {joined}
pass_mark = 50
category = "naughty-cases"
{stages}
[[stage.question]]
key = "{key}-q"
title = "Strings nobody chose"
type = "single_choice"
stem = {joined}
explanation = {joined}
competencies = ["HFS-K1"]
objectives = ["hfs-differentials"]
level = "recall"
passage = "all of it"
{options}"""


def import_or_refusal(path: Path, text: str, module) -> CommandError | None:
    path.write_text(text, encoding="utf-8")
    course = module.get_parent()
    try:
        call_command("import_case", str(path), module=f"{course.slug}/{module.slug}", verbosity=0)
    except CommandError as exc:
        return exc
    return None


def settle(tmp_path: Path, module, key: str, strings: list[str], imported, refused) -> None:
    """Import `strings` together; if the file is refused, halve it until each string that is
    refused is refused on its own, with a clear message, and the others are imported."""
    error = import_or_refusal(tmp_path / f"{key}.case.toml", case_with(key, strings), module)
    if error is None:
        imported.append(key)
    elif len(strings) == 1:
        message = str(error)
        assert message.startswith("Nothing was imported:") and "field" in message, message
        assert not ClinicalCase.objects.filter(key=key).exists()
        refused[strings[0]] = message
    else:
        half = len(strings) // 2
        settle(tmp_path, module, f"{key}a", strings[:half], imported, refused)
        settle(tmp_path, module, f"{key}b", strings[half:], imported, refused)


def test_every_naughty_string_imports_inert_or_is_refused_clearly(
    client, tmp_path, corpora, tree, admin_user
):
    SourceFactory(key="naughty-source")
    CompetencyFactory(code="HFS-K1")
    ensure_objective(tree.module)
    strings = naughty_strings(corpora)
    imported: list[str] = []
    refused: dict[str, str] = {}
    for start in range(0, len(strings), BATCH):
        batch = strings[start : start + BATCH]
        settle(tmp_path, tree.module, f"naughty-{start}-", batch, imported, refused)
    unexpected = {t: m for t, m in refused.items() if t.strip() and len(t) <= TITLE_LENGTH}
    assert unexpected == {}, "only blank strings and ones too long for a title are refused"

    editors = [ContentstateConverter(RICH_TEXT_FEATURES), ContentstateConverter(INLINE_FEATURES)]
    cases = ClinicalCase.objects.filter(key__in=imported).prefetch_related("stages")
    questions = Question.objects.filter(key__startswith="naughty-")
    for html in [
        *(case.summary for case in cases),
        *(stage.narrative for case in cases for stage in case.stages.all()),
        *(text for q in questions for text in (q.stem, q.explanation)),
    ]:
        for editor in editors:
            editor.from_database_format(html)

    client.force_login(admin_user)
    for case in cases:
        preview = client.get(
            f"/admin/snippets/quizzes/clinicalcase/history/{case.pk}/revisions/"
            f"{case.latest_revision.pk}/view/"
        )
        assert preview.status_code == 200, case.key
        html = preview.content.decode()
        assert executable_bits(html[html.index("<main") : html.index("</main>")]) == [], case.key
    first = cases.order_by("pk").first()
    for url in (
        f"/admin/snippets/quizzes/clinicalcase/edit/{first.pk}/",
        f"/admin/snippets/quizzes/question/edit/{questions.get(key=first.key + '-q').pk}/",
    ):
        assert client.get(url).status_code == 200, url


def harmless(name: str) -> str:
    return f"Text of the {name}."


@pytest.mark.parametrize(
    ("rich", "edit", "message"),
    [
        (
            harmless,
            lambda t: t.replace('title = "Presentation"', f'title = "{"x" * 201}"'),
            "stage 1: field 'title': Ensure this value has at most 200 characters (it has 201)",
        ),
        (
            harmless,
            lambda t: t.replace('text = "It continues in sleep"', f'text = "{"y" * 501}"'),
            "option #1: field 'text': Ensure this value has at most 500 characters",
        ),
        (
            harmless,
            lambda t: t.replace('passage = "opening section"', 'passage = "a\\u0000b"', 1),
            "field 'stage #1.passage' contains a NUL character",
        ),
        (
            harmless,
            lambda t: t.replace('slug = "bad-values"', 'slug = "no spaces/here"'),
            "[quiz]: field 'slug': Enter a valid “slug”",
        ),
        (
            lambda name: (
                "<img src=x onerror=alert(1)>" if name == "narrative-1" else harmless(name)
            ),
            lambda t: t,
            "stage 1: field 'narrative' has no text once HTML other than simple formatting is removed",
        ),
    ],
)
def test_a_value_the_database_cannot_take_is_refused_naming_the_field(
    tree, tmp_path, rich, edit, message
):
    CompetencyFactory(code="HFS-K1")
    ensure_objective(tree.module)
    text = edit(case_toml("bad-values", rich))
    error = import_or_refusal(tmp_path / "bad.case.toml", text, tree.module)
    assert error is not None and message in str(error), error
    assert not ClinicalCase.objects.exists() and not Question.objects.exists()
