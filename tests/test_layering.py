"""The layers stay apart: the domain knows no Slack, only storage/ holds SQL, and the Slack
listeners reach data through the services.

These are read from the source with ``ast``, so a shortcut added in a hurry fails here before a
reader has to find it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SLACK_PACKAGES = ("slack_bolt", "slack_sdk", "handlers")
SQL_PACKAGES = ("sqlite3", "sqlite_utils")
# The one place that builds the running bot: it creates the repository the services use.
COMPOSITION_ROOT = ROOT / "handlers" / "bootstrap.py"
# SQL keywords at the start of a string literal, as a query would begin.
SQL_TEXT = re.compile(r"^\s*(select|insert\s+into|update\s+\w+\s+set|delete\s+from)\b", re.I)


def _modules(package: str) -> list[Path]:
    return sorted(
        path
        for path in (ROOT / package).rglob("*.py")
        if "slack_sim" not in path.parts and ".venv" not in path.parts
    )


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", _modules("bot"), ids=_relative)
def test_domain_module_imports_nothing_from_slack_or_sqlite(path: Path) -> None:
    assert not _imports(path) & {*SLACK_PACKAGES, *SQL_PACKAGES}


@pytest.mark.parametrize("path", _modules("bot") + _modules("handlers"), ids=_relative)
def test_no_sql_outside_storage(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    queries = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and SQL_TEXT.match(node.value)
    ]
    assert queries == []


@pytest.mark.parametrize(
    "path", [p for p in _modules("handlers") if p != COMPOSITION_ROOT], ids=_relative
)
def test_slack_listeners_reach_data_through_services_not_the_repository(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert "storage" not in _imports(path)
    repo_access = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "repo"
    ]
    assert repo_access == [], f"{_relative(path)} uses .repo at lines {repo_access}"
