"""/kpi and /kpi_settings through the real Application: scores with the events behind them,
settings a company changes for itself, and refusals that say what to type."""

from __future__ import annotations

from datetime import datetime

from harness import HR, OTHER_HR, SHANGHAI, BotHarness
from test_reminders import hire


async def test_kpi_names_the_late_registration_and_scores_it(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot)  # 陈明远, first day 2026-12-01: registration due 2026-12-31
    bot.clock.set(datetime(2027, 1, 5, 10, tzinfo=SHANGHAI))
    (report,) = await bot.say(HR, "/kpi 2026-12")
    text = report.text
    assert "社保绩效考核 2026-12" in text
    assert (
        "逾期：陈明远 社保登记（截止 2026-12-31，未办理）；"
        "陈明远 社保缴费（截止 2026-12-31，未办理）" in text
    )
    assert "HR部门：" in text and "/ 15 分" in text
    assert "后厨：" in text and "/ 10 分" in text
    assert "公式：按期" in text
    (quarter,) = await bot.say(HR, "/kpi 2026Q4")
    assert "社保绩效考核 2026Q4" in quarter.text
    (bad,) = await bot.say(HR, "/kpi 明年")
    assert bad.text.startswith("❌") and "/kpi 2026Q4" in bad.text


async def test_kpi_settings_change_one_company_only(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    (shown,) = await bot.say(HR, "/kpi_settings")
    assert "HR部门（满分 15 分）" in shown.text
    assert "每多 1 次扣 5 分" in shown.text
    (changed,) = await bot.say(HR, "/kpi_settings hr_backpay_per_case 2.5")
    assert "每次补缴扣分 = 2.5" in changed.text
    (shown,) = await bot.say(HR, "/kpi_settings")
    assert "每多 1 次扣 2.5 分" in shown.text
    typos = ("/kpi_settings bonus 3", "/kpi_settings hr_weight 120", "/kpi_settings hr_weight")
    for typed in typos:
        (refused,) = await bot.say(HR, typed)
        assert refused.text.startswith("❌"), typed
    await bot.join_as_hr(OTHER_HR, company="别家")
    (other,) = await bot.say(OTHER_HR, "/kpi_settings")
    assert "每多 1 次扣 5 分" in other.text
