#!/usr/bin/env bash
# Set up (.venv with the test extras) and run the whole test suite.
# Always on SQLite. Also on PostgreSQL when one answers at HRBOT_TEST_PG_URL (default: the local
# server, database `test`); with CI=true an unreachable PostgreSQL fails the run instead of
# being skipped. HRBOT_TEST_POSTGRES=0 runs SQLite only; HRBOT_VENV / HRBOT_PYTHON choose another
# virtualenv and interpreter (see scripts/setup.sh; .ci/run uses them for the newest Python).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh test
venv="${HRBOT_VENV:-.venv}"

export HRBOT_TEST_PG_URL="${HRBOT_TEST_PG_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"
pg_up=0
if [[ "${HRBOT_TEST_POSTGRES:-1}" == 0 ]]; then
  unset HRBOT_TEST_PG_URL
  echo "HRBOT_TEST_POSTGRES=0: running the SQLite suite only." >&2
elif "$venv/bin/python" - "$HRBOT_TEST_PG_URL" <<'PY'
import sys
from sqlalchemy import create_engine, text
try:
    with create_engine(sys.argv[1]).connect() as connection:
        connection.execute(text("select 1"))
except Exception as error:  # noqa: BLE001
    print(f"PostgreSQL not reachable: {type(error).__name__}", file=sys.stderr)
    sys.exit(1)
PY
then pg_up=1; fi

if [[ "$pg_up" == 0 && -n "${HRBOT_TEST_PG_URL:-}" ]]; then
  if [[ "${CI:-}" == "true" ]]; then
    echo "CI=true and PostgreSQL is unreachable at HRBOT_TEST_PG_URL: failing." >&2
    exit 1
  fi
  unset HRBOT_TEST_PG_URL
  echo "PostgreSQL not reachable: running the SQLite suite only." >&2
fi

"$venv/bin/ruff" check .
"$venv/bin/hrbot" policies check policies/data
echo "== test suite on SQLite ($("$venv/bin/python" --version)) =="
"$venv/bin/python" -m pytest "$@"
if [[ "$pg_up" == 1 ]]; then
  echo "== test suite on PostgreSQL ($("$venv/bin/python" --version)) =="
  HRBOT_TEST_DATABASE_URL="$HRBOT_TEST_PG_URL" "$venv/bin/python" -m pytest "$@"
fi
