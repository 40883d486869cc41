"""A clean install: scripts/setup.sh installs once, then starts without pip or a registry; the
versions installed are the ones constraints.txt pins (what CI runs)."""

from __future__ import annotations

import os
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
#: Installed by venv/pip themselves or only inside pip's isolated build environment.
INSTALLER_TOOLS = {"pip", "setuptools", "wheel"}

FAKE_PYTHON = """#!/usr/bin/env bash
# Stands in for python3 and the venv's python: records every call, creates the venv.
echo "$0 $*" >> "$CALLS"
if [[ "$1" == "--version" ]]; then echo "Python 3.11.99"; exit 0; fi
if [[ "$1 $2" == "-m venv" ]]; then
  mkdir -p "$3/bin" && cp "$0" "$3/bin/python" && chmod +x "$3/bin/python"
fi
"""


def _run_setup(project: Path, calls: Path) -> list[str]:
    before = calls.read_text().splitlines() if calls.exists() else []
    env = {
        **os.environ,
        "CALLS": str(calls),
        "HRBOT_PYTHON": str(project / "fake-python3"),
        "HRBOT_VENV": ".venv-test",
    }
    subprocess.run(
        ["bash", str(project / "scripts" / "setup.sh"), "test"], env=env, check=True,
        capture_output=True, timeout=60,
    )
    after = calls.read_text().splitlines()
    return [line for line in after[len(before):] if "pip" in line]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "setup.sh", tmp_path / "scripts" / "setup.sh")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copy(ROOT / "constraints.txt", tmp_path / "constraints.txt")
    fake = tmp_path / "fake-python3"
    fake.write_text(FAKE_PYTHON)
    fake.chmod(0o755)
    return tmp_path


def test_setup_installs_once_then_never_calls_pip(project: Path) -> None:
    calls = project / "calls.log"
    first = _run_setup(project, calls)
    assert any("-c constraints.txt" in c and "--build-constraint constraints.txt" in c
               and "-e .[test]" in c for c in first), first

    assert _run_setup(project, calls) == []  # an installed venv: no pip, no registry

    with (project / "constraints.txt").open("a") as constraints:
        constraints.write("# changed\n")
    assert _run_setup(project, calls) != []  # new pins: install again


def _pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            requirement = Requirement(line)
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", line
            pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


def test_installed_versions_are_the_pinned_ones() -> None:
    """Fails when pyproject.toml gained or changed a dependency without scripts/freeze.sh."""
    pins = _pins()
    installed = {
        canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()
    }
    installed.pop("hrbot", None)
    unpinned = sorted(set(installed) - set(pins) - INSTALLER_TOOLS)
    assert not unpinned, f"not in constraints.txt (run scripts/freeze.sh): {unpinned}"
    wrong = {
        name: (version, pins[name])
        for name, version in installed.items()
        if name not in INSTALLER_TOOLS and pins[name] != version
    }
    assert not wrong, f"installed ≠ constraints.txt (installed, pinned): {wrong}"


def test_every_dependency_has_an_upper_bound() -> None:
    import tomllib

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    declared = [
        *pyproject["build-system"]["requires"],
        *pyproject["project"]["dependencies"],
        *(r for extra in pyproject["project"]["optional-dependencies"].values() for r in extra),
    ]
    unbounded = [
        r for r in declared
        if not any(s.operator in {"<", "<=", "==", "~="} for s in Requirement(r).specifier)
    ]
    assert not unbounded
