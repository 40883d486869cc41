"""/employee as HR use it: by a pasted 身份证, by a spaced name, and with many matches."""

from __future__ import annotations

from harness import HR, BotHarness
from test_conversation_switching import VALID_ID, hire
from test_ledger_flow import import_rows, make_id


async def test_employee_by_pasted_id_number_with_spaces(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await hire(bot, "陈明远", VALID_ID)
    [found] = await bot.say(HR, f"/employee {VALID_ID[:6]} {VALID_ID[6:14]} {VALID_ID[14:]}")
    assert "陈明远（在职）" in found.text and "110101********1233" in found.text
    assert VALID_ID not in found.text
    [found] = await bot.say(HR, "/employee 陈 明远")
    assert "陈明远（在职）" in found.text


async def test_employee_search_says_when_more_match_than_shown(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await import_rows(
        bot,
        *(f"员工{chr(0x4E00 + i)},{make_id(i + 1)},2026-11-02,后厨,8000,北京," for i in range(8)),
    )
    [found] = await bot.say(HR, "/employee 员工")
    assert "共找到 8 人" in found.text and "更完整" in found.text, found.text


async def test_employee_not_found_echo_is_escaped(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    [reply] = await bot.say(HR, "/employee 王<芳")
    assert "没有找到" in reply.text and "王<芳" in reply.text
    assert bot.api.errors == []
