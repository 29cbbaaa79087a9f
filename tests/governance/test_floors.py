"""DESIGN.md's floors: imports go down only, and apps never import the project's settings."""

import ast
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]

# What each app may not import: the ones above it and the ones beside it.
FORBIDDEN = {
    "communities": {"deliberation", "volunteers", "governance"},
    "deliberation": {"volunteers", "governance"},
    "volunteers": {"deliberation", "governance"},
}


def _imported_packages(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_imports_go_down_only(app):
    crossings = []
    for path in sorted((BASE_DIR / app).rglob("*.py")):
        for lineno, module in _imported_packages(path):
            top = module.split(".")[0]
            if top in FORBIDDEN[app] or module.startswith("governance.settings"):
                crossings.append(f"{path.relative_to(BASE_DIR)}:{lineno} imports {module}")
    assert not crossings, "\n".join(crossings)


def test_tasks_do_not_import_the_celery_app():
    for path in BASE_DIR.glob("*/tasks.py"):
        modules = {module for _, module in _imported_packages(path)}
        assert "governance.celery" not in modules, path
