#!/usr/bin/env bash
# Create .venv and install the project (with EXTRAS, e.g. "test") — only when pyproject.toml or
# constraints.txt changed since the last install, so a start needs no package registry and costs
# no reinstall. Sourced by run.sh and test.sh; usage: scripts/setup.sh [EXTRAS]
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
target="."
[[ -n "$extras" ]] && target=".[$extras]"
constraints=()
[[ -f constraints.txt ]] && constraints=(-c constraints.txt)
stamp=".venv/.hrbot-installed"
want="$( { cat pyproject.toml; [[ -f constraints.txt ]] && cat constraints.txt; echo "extras=$extras"; python3 --version; } | sha256sum | cut -d' ' -f1)"
if [[ -x .venv/bin/python && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi
[[ -x .venv/bin/python ]] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet "${constraints[@]}" -e "$target"
echo "$want" > "$stamp"
