"""docs/ARCHITECTURE.md names functions with their parameters; they must be the code's.

The document once said `upgrade_schema(url_or_engine)` long after the function took an engine,
and a newcomer reading it wrote the wrong call. Every `name(params)` written next to a module
path (`bot/app.py  build_application(settings, *, engine=None)`, `models.db.unit_of_work(engine)`)
is checked against `inspect.signature`: each parameter the document names exists, in that
order and of that kind, and no required parameter is left out.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "ARCHITECTURE.md"

_PATH = re.compile(r"\b((?:bot|handlers|models|policies)(?:/\w+)*\.py)\b")
_CALL = re.compile(r"(?<![\w.])([A-Za-z_][\w.]*)\(([^()]*)\)")


def _module_name(path: str) -> str:
    dotted = path.removesuffix(".py").replace("/", ".")
    return dotted.removesuffix(".__init__")


def documented_calls(text: str) -> Iterator[tuple[int, str, str, str]]:
    """(line number, module, function name, parameter text) for each call the document
    writes after a module path on its line, or in the code block line it continues."""
    current: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith(" "):
            current = None  # a continuation line (indented) keeps the path above it
        paths = [(m.start(), m.group(1)) for m in _PATH.finditer(line)]
        for call in _CALL.finditer(line):
            name, params = call.group(1), call.group(2)
            before = [p for start, p in paths if start < call.start()]
            module = before[-1] if before else current
            if "." in name:
                module_part, _, name = name.rpartition(".")
                yield number, module_part, name, params
            elif module is not None:
                yield number, _module_name(module), name, params
        if paths:
            current = paths[-1][1]


def _parameters(params: str) -> list[tuple[str, str]]:
    """`settings, *, engine=None, **ctx` → [(settings, plain), (engine, plain), (ctx, **)]."""
    found = []
    for raw in params.split(","):
        word = raw.strip().split("=")[0].strip()
        if word in ("", "*", "...", "/"):
            continue
        if word.startswith("**"):
            found.append((word[2:], "**"))
        elif word.startswith("*"):
            found.append((word[1:], "*"))
        else:
            found.append((word, "plain"))
    return found


def _kind(parameter: inspect.Parameter) -> str:
    if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
        return "*"
    if parameter.kind is inspect.Parameter.VAR_KEYWORD:
        return "**"
    return "plain"


def mismatches(text: str) -> list[str]:
    problems = []
    for number, module_name, name, params in documented_calls(text):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue  # not a module path (e.g. `Kind(...).data` in prose)
        function = getattr(module, name, None)
        if not inspect.isfunction(function):
            continue  # classes are written with their bases, methods without a module
        signature = inspect.signature(function)
        actual = {p.name: p for p in signature.parameters.values()}
        documented = _parameters(params)
        where = f"line {number}: {module_name}.{name}({params})"
        order = [p for p in actual]
        positions = []
        for word, kind in documented:
            if word not in actual:
                problems.append(f"{where}: no parameter {word!r} (has {order})")
            elif _kind(actual[word]) != kind:
                problems.append(f"{where}: {word!r} is not {kind}")
            else:
                positions.append(order.index(word))
        if positions != sorted(positions):
            problems.append(f"{where}: parameters out of order (code: {order})")
        named = {word for word, _ in documented}
        for parameter in signature.parameters.values():
            required = parameter.default is inspect.Parameter.empty and _kind(parameter) == "plain"
            if required and parameter.name not in named:
                problems.append(f"{where}: leaves out required {parameter.name!r}")
    return problems


def test_documented_signatures_match_the_code() -> None:
    assert mismatches(DOC.read_text(encoding="utf-8")) == []


def test_the_check_sees_a_wrong_signature() -> None:
    text = (
        "models/db.py   make_engine(url), upgrade_schema(url_or_engine)\n"
        "  `bot/services/access.py: require_member(engine, user_id, *roles)`\n"
    )
    found = mismatches(text)
    assert any("upgrade_schema" in p and "url_or_engine" in p for p in found)
    assert any("upgrade_schema" in p and "leaves out required 'engine'" in p for p in found)
    assert not any("require_member" in p or "make_engine" in p for p in found)
