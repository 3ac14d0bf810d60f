"""The maths package stays pure: no Django, no other Rapport app, so it is tested and
benchmarked alone and the refresh can run it anywhere."""

import ast
from pathlib import Path

import pytest

from rapport.analytics import maths

PACKAGE = Path(maths.__file__).parent


def impure_imports(source: str) -> list[str]:
    """The imports of a module that reach Django or a Rapport module outside the package."""
    wrong = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [(node.lineno, node.module)]
        else:
            continue
        for line, name in names:
            root = name.split(".")[0]
            if root == "django" or (
                root == "rapport" and not name.startswith("rapport.analytics.maths")
            ):
                wrong.append(f"line {line}: {name}")
    return wrong


def test_no_module_of_the_package_imports_django_or_another_app():
    modules = sorted(PACKAGE.rglob("*.py"))
    problems = [
        f"{path.name} {wrong}"
        for path in modules
        for wrong in impure_imports(path.read_text(encoding="utf-8"))
    ]
    assert len(modules) >= 9
    assert problems == []


@pytest.mark.parametrize(
    ("source", "wrong"),
    [
        ("from django.db import connection\n", ["line 1: django.db"]),
        ("def f():\n    import django\n", ["line 2: django"]),
        ("from rapport.sales.models import Order\n", ["line 1: rapport.sales.models"]),
        ("import rapport.analytics.models\n", ["line 1: rapport.analytics.models"]),
        ("from rapport.analytics.maths import rfm\nimport polars\n", []),
    ],
)
def test_the_checker_finds_impure_imports(source, wrong):
    assert impure_imports(source) == wrong
