"""The fuzz suite in CI: a few hundred seeded hostile cases on each database, end to end.

bench/fuzz_bot.py runs the same fuzzer for 10,000 cases (see tests/e2e/fuzzing.py).
"""

from __future__ import annotations

import os

from fuzzing import FuzzReport, fuzz
from harness import BotHarness

#: Cases per CI run (about a minute per database); HRBOT_FUZZ_CASES overrides it.
CASES = int(os.environ.get("HRBOT_FUZZ_CASES", "200"))
SEED = int(os.environ.get("HRBOT_FUZZ_SEED", "8"))


def assert_held(report: FuzzReport) -> None:
    print(report.summary())
    assert not report.unhandled, report.unhandled[:10]
    assert not report.bad_writes, report.bad_writes[:10]
    assert not report.failed_sends, report.failed_sends[:10]


async def test_hostile_text_files_and_buttons_never_crash_write_or_fail_to_send(
    bot: BotHarness,
) -> None:
    report = await fuzz(bot, CASES, seed=SEED, lanes=2, forge=False)
    assert report.cases == CASES
    assert_held(report)


async def test_forged_callback_data_never_crashes(bot: BotHarness) -> None:
    assert_held(await fuzz(bot, CASES // 2, seed=SEED + 1, lanes=2))
