"""The apps form one acyclic graph: no app imports, or loads the template tags of, a higher one.

    core  <-  accounts  <-  courses  <-  quizzes  <-  certification  <-  academy

Every import counts: at module level, inside a function, under TYPE_CHECKING, and through
`importlib.import_module("...")`. So does every `{% load %}` in an app's templates (and in the
site shell's, site/templates, which sits with core). docs/architecture.md names the extension
points a lower layer offers instead.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# What each app may import besides itself. core is the bottom; accounts sits on it (its
# notifications are e-mailed through core's task helpers).
ALLOWED: dict[str, set[str]] = {
    "accounts": {"core"},
    "core": set(),
    "courses": {"accounts", "core"},
    "quizzes": {"accounts", "core", "courses"},
    "certification": {"accounts", "core", "courses", "quizzes"},
    "academy": {"accounts", "core", "courses", "quizzes", "certification"},
}
APPS = list(ALLOWED)
LOAD = re.compile(r"{%\s*load\s+(.+?)\s*%}")


def python_files(app: str) -> list[Path]:
    return sorted(p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, dotted module) for every import in the file, wherever it stands."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def tag_libraries() -> dict[str, str]:
    """Template tag library name -> the app defining it."""
    return {
        module.stem: app
        for app in APPS
        for module in (ROOT / app / "templatetags").glob("*.py")
        if module.stem != "__init__"
    }


def template_dirs() -> list[tuple[str, Path]]:
    """(app whose rules apply, templates folder): each app's, and the site shell's as core."""
    dirs = [(app, ROOT / app / "templates") for app in APPS]
    return [*dirs, ("core", ROOT / "site" / "templates")]


def layer_violations() -> list[str]:
    problems = []
    for app in APPS:
        for path in python_files(app):
            for line, module in imported_modules(path):
                target = module.split(".")[0]
                if target in ALLOWED and target != app and target not in ALLOWED[app]:
                    problems.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    libraries = tag_libraries()
    for app, folder in template_dirs():
        for path in sorted(folder.rglob("*.html")) + sorted(folder.rglob("*.txt")):
            text = path.read_text(encoding="utf-8")
            for match in LOAD.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                names = match.group(1).split()
                if "from" in names:  # {% load tag other from library %}
                    names = names[names.index("from") + 1 :]
                for library in names:
                    owner = libraries.get(library)
                    if owner is not None and owner != app and owner not in ALLOWED[app]:
                        problems.append(
                            f"{path.relative_to(ROOT)}:{line} loads {library} ({owner})"
                        )
    return problems


def test_no_app_imports_or_loads_the_tags_of_a_higher_layer():
    problems = layer_violations()
    assert not problems, "imports from a lower layer to a higher one:\n" + "\n".join(problems)


def test_every_app_is_placed_in_a_layer():
    """A new app must be given its place above, or the check would not see it."""
    local = {
        p.parent.name
        for p in ROOT.glob("*/apps.py")
        if (p.parent / "__init__.py").exists() and p.parent.name != "config"
    }
    assert local <= set(ALLOWED), f"apps without a layer: {sorted(local - set(ALLOWED))}"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from quizzes.models import Attempt\n", "quizzes.models"),
        ("def f():\n    import certification.services\n", "certification.services"),
        ("import importlib\nimportlib.import_module('academy.demo')\n", "academy.demo"),
    ],
)
def test_the_check_sees_every_kind_of_import(tmp_path, source, expected):
    path = tmp_path / "module.py"
    path.write_text(source)
    assert expected in [module for _, module in imported_modules(path)]
