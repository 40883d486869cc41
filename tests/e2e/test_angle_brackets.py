"""Refusals quote what HR typed; a `<` or `&` in it must not break the HTML reply."""

from __future__ import annotations

from harness import HR, BotHarness


async def test_refusals_quoting_angle_brackets_reach_the_user(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await bot.say(HR, "/hire")
    await bot.say(HR, "陈明远")
    await bot.say(HR, "110101199003071233")
    [refusal] = await bot.say(HR, "12<1")
    assert "12<1" in refusal.text and "例如" in refusal.text
    await bot.say(HR, "12月1日")
    await bot.say(HR, "后厨")
    [refusal] = await bot.say(HR, "<5000>")
    assert "<5000>" in refusal.text and "例如" in refusal.text
    assert bot.api.errors == []


async def test_names_and_departments_with_markup_are_refused(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await bot.say(HR, "/hire")
    [refusal] = await bot.say(HR, "陈<b>明")
    assert "不能包含" in refusal.text and "重新输入" in refusal.text
    await bot.say(HR, "陈明远")
    await bot.say(HR, "110101199003071233")
    await bot.say(HR, "12月1日")
    [refusal] = await bot.say(HR, "前厅<1>")
    assert "不能包含" in refusal.text and "例如" in refusal.text
    assert bot.api.errors == []
