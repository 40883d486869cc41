"""The architecture's one-way data flow, checked on the source so a violation fails CI."""

from __future__ import annotations

import ast
import re
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


#: Han characters, CJK punctuation and full-width forms: user text, which the templates own.
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")

#: Presentation: Telegram itself, the templates' renderer, the buttons' callback data, and the
#: reading of typed input, whose refusals are Chinese sentences (the handler parses first).
PRESENTATION = {
    "telegram",
    "bot.render",
    "bot.callbacks",
    "bot.parsing",
    # the outbox's edge: services hand notifications to a presenter and channels passed in
    "bot.channels.present",
    "bot.channels.telegram",
    "bot.bootstrap",
}

#: issue 10: the channels branch emptied this list
CHANNEL_MODULES: set[str] = set()

def _docstrings(tree: ast.Module) -> set[int]:
    """ids of string statements — docstrings, attribute docstrings — which may name 社保 terms;
    a string used as a value may not."""
    return {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    }


def presentation_in(source: str) -> list[str]:
    """Presentation a module's source imports, and the lines holding Chinese literals (f-string
    parts included; docstrings and other string statements are documentation)."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    problems = []
    for node in ast.walk(tree):
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        problems += [
            f"line {node.lineno}: imports {m}"
            for m in modules
            if m in PRESENTATION or m.split(".")[0] == "telegram"
        ]
        if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                and id(node) not in skip and CJK.search(node.value)):
            problems.append(f"line {node.lineno}: Chinese literal {node.value[:20]!r}")
    return problems


def presentation_in_services() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / "bot" / "services").rglob("*.py")):
        name = str(path.relative_to(ROOT))
        if name in CHANNEL_MODULES:
            continue
        if problems := presentation_in(path.read_text(encoding="utf-8")):
            found[name] = problems
    return found


def test_the_check_sees_text_and_presentation_but_not_documentation() -> None:
    source = '''"""社保 module docstring."""
from telegram import Bot
from bot.render import render
import bot.callbacks
from bot.parsing import InputError


class Draft:
    """入职 draft."""

    name: str = ""
    """姓名 as typed."""


def f(name: str) -> str:
    """补缴."""
    # 注释 is not a string
    label = f"{name} 社保登记"
    return "已缴纳" if name else "ok"
'''
    lines = sorted({int(p.split(":")[0].removeprefix("line ")) for p in presentation_in(source)})
    assert lines == [2, 3, 4, 5, 18, 19]
    assert presentation_in('x = "ascii only"\nimport re\n') == []


def test_services_speak_the_domain_not_telegram_or_chinese() -> None:
    """Services return typed results and raise typed errors; the words, the buttons and the
    Telegram calls are the edge's (handlers/, templates)."""
    assert presentation_in_services() == {}


def _is_private_telegram(module: str) -> bool:
    """`telegram._bot`, `telegram.ext._utils.types` …: python-telegram-bot's private modules."""
    parts = module.split(".")
    return parts[0] == "telegram" and any(part.startswith("_") for part in parts[1:])


def private_telegram_use(path: Path) -> list[str]:
    """Where a module leans on python-telegram-bot's private API: a private module imported,
    a single-underscore attribute read on a name that is not self/cls nor bound to one of our
    own (non-telegram) imports, or a handler's `callback` replaced after construction."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    ours: set[str] = {"self", "cls"}
    uses_telegram = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "telegram":
                    uses_telegram = True
                    if _is_private_telegram(alias.name):
                        found.append(f"{node.lineno}: import {alias.name}")
                else:
                    ours.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] == "telegram":
                uses_telegram = True
                names = [f"{node.module}.{a.name}" for a in node.names]
                if any(_is_private_telegram(n) for n in names):
                    found.append(f"{node.lineno}: from {node.module} import …")
            else:
                ours.update(alias.asname or alias.name for alias in node.names)
    if not uses_telegram:
        return found
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            private = node.attr.startswith("_") and not node.attr.startswith("__")
            root = node.value
            while isinstance(root, ast.Attribute):
                root = root.value
            if private and not (isinstance(root, ast.Name) and root.id in ours):
                found.append(f"{node.lineno}: {ast.unparse(node)}")
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr == "callback":
                    found.append(f"{node.lineno}: {ast.unparse(target)} replaced")
    return found


def test_only_public_python_telegram_bot_api() -> None:
    """bot/, handlers/ and models/ use python-telegram-bot's public API only: its private
    modules and attributes change without notice between releases (issue 10)."""
    offenders = {
        str(path.relative_to(ROOT)): uses
        for package in ("bot", "handlers", "models")
        for path in (ROOT / package).rglob("*.py")
        if (uses := private_telegram_use(path))
    }
    assert offenders == {}


def test_the_private_api_check_sees_what_it_is_for(tmp_path: Path) -> None:
    source = tmp_path / "sample.py"
    source.write_text(
        "from telegram.ext import ConversationHandler\n"
        "from telegram.ext._utils.types import ConversationKey\n"
        "import telegram._bot\n"
        "from models.company import Role\n"
        "def f(handler, entry, key):\n"
        "    handler._update_state(ConversationHandler.END, key)\n"
        "    return key in handler._conversations, Role._value2member_map_, self._x\n"
        "entry.callback = f\n",
        encoding="utf-8",
    )
    found = private_telegram_use(source)
    assert sorted(int(line.split(":")[0]) for line in found) == [2, 3, 6, 7, 8], found


def full_imports(path: Path) -> set[str]:
    """Every module a file imports, with its full dotted name (`from a.b import c` → a.b)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # `from bot import bootstrap` / `from bot.channels import telegram` name modules too
            found.update(f"{node.module}.{alias.name}" for alias in node.names
                         if node.module in ("bot", "bot.channels"))
    return found


def test_services_know_the_channel_contract_not_the_adapters() -> None:
    """Services hand typed notifications to collaborators passed in by the composition root:
    of bot/channels they may import only the contract (base.py) — no adapter (telegram.py,
    the robots), no presenter, no bootstrap (issue 10 follow-up)."""
    offenders = {
        str(path.relative_to(ROOT)): sorted(bad)
        for path in sorted((ROOT / "bot" / "services").rglob("*.py"))
        if (bad := {
            m for m in full_imports(path)
            if (m.startswith("bot.channels") and m != "bot.channels.base")
            or m == "bot.bootstrap"
        })
    }
    assert offenders == {}
