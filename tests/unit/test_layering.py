"""The architecture's one-way data flow, checked on the source so a violation fails CI."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


def test_policies_are_pure() -> None:
    banned = {"telegram", "sqlmodel", "sqlalchemy", "bot", "handlers", "models", "alembic"}
    offenders = {f: n & banned for f, n in imported_modules("policies").items() if n & banned}
    assert offenders == {}


def test_models_know_nothing_of_telegram_or_the_bot() -> None:
    banned = {"telegram", "bot", "handlers"}
    offenders = {f: n & banned for f, n in imported_modules("models").items() if n & banned}
    assert offenders == {}


def test_only_the_wiring_imports_handlers() -> None:
    offenders = {
        f
        for package in ("bot", "models", "policies")
        for f, names in imported_modules(package).items()
        if "handlers" in names and f != "bot/app.py"
    }
    assert offenders == set()


def test_handlers_hold_no_sql() -> None:
    """Handlers may name a model's enum (Role), never open a session or build a query."""
    banned = {"sqlmodel", "sqlalchemy"}
    offenders = {f: n & banned for f, n in imported_modules("handlers").items() if n & banned}
    assert offenders == {}
