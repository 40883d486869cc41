#!/usr/bin/env bash
# Create the virtualenv and install the project (with EXTRAS, e.g. "test") at the exact versions
# in constraints.txt — only when pyproject.toml, constraints.txt, the extras or the Python
# changed since the last install, so a start with an installed venv needs no package registry
# and costs no reinstall. Sourced by run.sh and test.sh; usage: scripts/setup.sh [EXTRAS]
#
#   HRBOT_VENV    the virtualenv folder (default .venv; CI uses .venv313 for the newest Python)
#   HRBOT_PYTHON  the interpreter that creates it (default python3)
#
# constraints.txt pins what is installed (runtime, test tools, and the build backend through
# --build-constraint). Regenerate it after changing pyproject.toml with scripts/freeze.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
venv="${HRBOT_VENV:-.venv}"
python="${HRBOT_PYTHON:-python3}"
target="."
[[ -n "$extras" ]] && target=".[$extras]"
stamp="$venv/.hrbot-installed"
want="$( { cat pyproject.toml constraints.txt; echo "extras=$extras"; "$python" --version; } \
  | sha256sum | cut -d' ' -f1)"
if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi
[[ -x "$venv/bin/python" ]] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet -c constraints.txt pip
"$venv/bin/python" -m pip install --quiet -c constraints.txt --build-constraint constraints.txt \
  -e "$target"
echo "$want" > "$stamp"
