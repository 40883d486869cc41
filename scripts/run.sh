#!/usr/bin/env bash
# Set up (a virtualenv in .venv with the project installed) and start the bot.
# With HRBOT_TOKEN set: the real bot (`hrbot run`). Without: `hrbot chat`, the bot in this
# terminal against the built-in local Bot API server, so it can be tried with no token.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
if [[ -n "${HRBOT_TOKEN:-}" ]]; then
  exec .venv/bin/hrbot run "$@"
else
  echo "HRBOT_TOKEN 未设置：在终端中试用机器人（hrbot chat）。" >&2
  exec .venv/bin/hrbot chat "$@"
fi
