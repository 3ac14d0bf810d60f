"""The layering rule (docs/architecture.md): an app imports only the apps below it, and every
domain app serves its own pages; `web` keeps only the layout and the home page."""

import ast
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

import rapport

SRC = Path(rapport.__file__).parent

# Bottom to top. `web`, `api`, `demo` and `bench` sit on top and may import any app below.
ORDER = [
    "core",
    "accounts",
    "contacts",
    "timeline",
    "catalog",
    "sales",
    "service",  # below activities: an activity may follow up a complaint
    "activities",
    "analytics",
    "segments",
    "campaigns",
    "automation",
    "web",
    "api",
    "demo",
    "bench",
]
RANK = {name: rank for rank, name in enumerate(ORDER)}
# The project's wiring (settings, root URLs, CLI, WSGI) sits above every app; no app imports it.
PROJECT = {"settings", "urls", "wsgi", "cli", "__main__"}
NOT_CODE = {"locale"}


def rapport_imports(source: str) -> list[tuple[int, str]]:
    """(line, module) of every `rapport.*` module a source file imports, wherever it imports it."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "rapport":
                found += [(node.lineno, f"rapport.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, node.module))
    return [(line, name) for line, name in found if name.startswith("rapport.")]


def upward_imports(app: str, source: str) -> list[str]:
    """The imports in a module of `app` that reach an app above it (or an unknown package)."""
    wrong = []
    for line, module in rapport_imports(source):
        target = module.split(".")[1]
        if target == app:
            continue
        if target not in RANK or RANK[target] > RANK[app]:
            wrong.append(f"line {line}: {module}")
    return wrong


def test_the_order_knows_every_package():
    packages = {p.name for p in SRC.iterdir() if p.is_dir() and not p.name.startswith("_")}
    assert packages - NOT_CODE <= set(ORDER)
    modules = {p.stem for p in SRC.glob("*.py")} - {"__init__"}
    assert modules <= PROJECT


def test_no_app_imports_an_app_above_it():
    problems = []
    for app in ORDER:
        for path in sorted((SRC / app).rglob("*.py")) if (SRC / app).is_dir() else []:
            for wrong in upward_imports(app, path.read_text(encoding="utf-8")):
                problems.append(f"{path.relative_to(SRC)} {wrong}")
    assert problems == []


@pytest.mark.parametrize(
    ("app", "source", "wrong"),
    [
        ("contacts", "from rapport.sales.models import Deal\n", ["line 1: rapport.sales.models"]),
        ("core", "def f():\n    import rapport.web.views\n", ["line 2: rapport.web.views"]),
        ("sales", "from rapport import analytics\n", ["line 1: rapport.analytics"]),
        ("catalog", "from rapport.settings import DEBUG\n", ["line 1: rapport.settings"]),
        ("sales", "from rapport.contacts.models import Contact\nfrom rapport.sales import x\n", []),
        ("web", "from rapport.analytics.views import funnel_page\n", []),
        ("web", "from rapport.api.schemas import Page\n", ["line 1: rapport.api.schemas"]),
    ],
)
def test_the_checker_finds_upward_imports(app, source, wrong):
    assert upward_imports(app, source) == wrong


def _patterns(resolver: URLResolver, namespace: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            found += _patterns(entry, entry.namespace or namespace)
        else:
            found.append((namespace, entry))
    return found


def test_web_serves_only_the_layouts_own_pages():
    served_by_web = sorted(
        f"{ns}:{p.name}"
        for ns, p in _patterns(get_resolver())
        if p.callback.__module__.startswith("rapport.web.")
    )
    # The home page, and the header's global search: layout-level navigation that spans apps
    # (it calls each app's own `listed`, defining no list of its own), and where signing in
    # lands (home or an app's "my day", by role).
    assert served_by_web == ["web:home", "web:search", "web:start"]
    assert sorted(p.name for p in (SRC / "web/views").glob("*.py")) == [
        "__init__.py",
        "dashboard.py",
        "search.py",
    ]
    # Besides its own folder, the layout owns the error pages Django looks up by name.
    assert sorted(p.name for p in (SRC / "web/templates").iterdir()) == [
        "400.html",
        "403.html",
        "403_csrf.html",
        "404.html",
        "500.html",
        "web",
    ]


def test_each_app_namespace_is_served_by_its_own_app():
    strays = []
    for namespace, pattern in _patterns(get_resolver()):
        if namespace not in RANK or namespace == "api":
            continue  # admin, i18n, and the API (it mounts every app's router)
        module = pattern.callback.__module__
        own = module.startswith(f"rapport.{namespace}.")
        shared = module.startswith(("rapport.core.views.", "django.contrib.auth."))
        if not (own or shared):
            strays.append(f"{namespace}:{pattern.name} → {module}")
    assert strays == []
