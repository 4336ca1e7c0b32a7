"""Learning objectives: stated per module in the curriculum and the admin, shown to learners."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from wagtail.models import Revision

from courses.models import LearningObjective, ModulePage
from quizzes.models import Question
from tests.factories import make_objective

pytestmark = pytest.mark.django_db

MODULES = Path("hemifacial-spasm")


def module_file(root: Path, folder: str) -> Path:
    return next((root / MODULES).glob(f"*-{folder}")) / "module.toml"


def test_every_module_states_four_to_six_objectives(curriculum):
    modules = ModulePage.objects.live()
    assert modules.count() == 5
    for module in modules:
        objectives = list(module.objectives.all())
        assert 4 <= len(objectives) <= 6, module.title
        for objective in objectives:
            assert re.match(r"^[A-Z][a-z]+ ", objective.text), objective.text  # a verb first
            assert not objective.text.lower().startswith(("understand ", "know ")), objective.text


def test_rewording_an_objective_keeps_it_and_its_questions(curriculum_copy):
    call_command("load_curriculum", root=curriculum_copy, verbosity=0)
    objective = LearningObjective.objects.get(key="keep-depth")
    tagged = set(objective.questions.values_list("pk", flat=True))
    assert tagged
    path = module_file(curriculum_copy, "needle-safety")
    path.write_text(path.read_text().replace("whatever the needle's length", "never deeper"))
    before = Revision.objects.count()
    call_command("load_curriculum", root=curriculum_copy, verbosity=0)
    reworded = LearningObjective.objects.get(key="keep-depth")
    assert reworded.pk == objective.pk
    assert reworded.text.endswith("never deeper.")
    assert set(reworded.questions.values_list("pk", flat=True)) == tagged
    assert Revision.objects.count() == before + 1  # the module page only: no question changed


@pytest.mark.parametrize(
    ("folder", "edit", "message"),
    [
        (
            "needle-safety",
            lambda t: t.replace('key = "keep-depth"', 'key = "hfs-recognise"'),
            "objective key 'hfs-recognise' is already used",
        ),
        (
            "needle-safety",
            lambda t: t.replace('key = "keep-depth"', 'key = "Keep Depth"'),
            "'key' must be lowercase",
        ),
        (
            "palpation",
            lambda t: t.replace(
                'text = "Identify a local switch', 'txt = "Identify a local switch'
            ),
            "missing field 'text'",
        ),
    ],
)
def test_a_bad_objective_names_the_file_and_loads_nothing(curriculum_copy, folder, edit, message):
    path = module_file(curriculum_copy, folder)
    path.write_text(edit(path.read_text()))
    with pytest.raises(CommandError) as excinfo:
        call_command("load_curriculum", root=curriculum_copy, verbosity=0)
    assert message in str(excinfo.value)
    assert "module.toml" in str(excinfo.value)
    assert not LearningObjective.objects.exists()
    assert not Question.objects.exists()


def test_module_and_lesson_pages_list_the_objectives(client, tree, trainee):
    first = make_objective(tree.module, text="Recognise the first thing.")
    make_objective(tree.module, text="Decide the second thing.")
    client.force_login(trainee)
    for url in (tree.module.url, tree.lessons[0].url):
        html = client.get(url).content.decode()
        assert "In this module you will learn to…" in html
        assert first.text in html and "Decide the second thing." in html


def test_objectives_add_constant_queries(client, tree, trainee):
    """One query lists a module's objectives, however many there are."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(trainee)
    make_objective(tree.module)
    counts = {}
    for n in (1, 6):
        while tree.module.objectives.count() < n:
            make_objective(tree.module)
        for url in (tree.module.url, tree.lessons[0].url):
            client.get(url)  # warm caches
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts[(url, n)] = len(queries)
    for url in (tree.module.url, tree.lessons[0].url):
        assert counts[(url, 1)] == counts[(url, 6)], url


def test_the_module_editor_has_objectives_and_refuses_a_repeated_key(client, admin_user, tree):
    from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

    make_objective(tree.module, key="first-rule", text="Apply the first rule.")
    client.force_login(admin_user)
    url = f"/admin/pages/{tree.module.pk}/edit/"
    page = client.get(url).content.decode()
    assert "Learning objectives" in page and "Apply the first rule." in page
    rows = [
        {"key": "first-rule", "text": "Apply the first rule."},
        {"key": "first-rule", "text": "Apply the same rule again."},
    ]
    data = nested_form_data(
        {
            "title": tree.module.title,
            "slug": tree.module.slug,
            "summary": tree.module.summary,
            "intro": rich_text(""),
            "objectives": inline_formset(rows),
            "comments": inline_formset([]),
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Objective keys must differ: first-rule is repeated." in response.content.decode()
    assert list(tree.module.objectives.values_list("key", flat=True)) == ["first-rule"]
