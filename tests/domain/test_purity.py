"""app.domain must stay free of Flask, FAB, the database and the other app layers."""

import ast
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "app" / "domain"
FORBIDDEN = (
    "flask",
    "flask_appbuilder",
    "flask_babel",
    "sqlalchemy",
    "wtforms",
    "app.",
)


def top_level_imports(path: Path) -> list[str]:
    names = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


@pytest.mark.parametrize(
    "path", sorted(DOMAIN.glob("*.py")), ids=lambda path: path.name
)
def test_domain_module_imports_nothing_outside_the_domain(path):
    for name in top_level_imports(path):
        if name == "app.domain" or name.startswith("app.domain."):
            continue
        assert not name.startswith(FORBIDDEN) and name != "app", (
            f"{path.name} imports {name}"
        )
