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


async def test_unreadable_files_and_odd_headers_get_plain_refusals(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    mark = bot.api.mark()
    bot.api.send_document(HR, "名单.txt", b"abc")
    [refusal] = await bot.api.wait_for_messages(HR, since=mark)
    assert "请发送 .xlsx 或 .csv" in refusal.text

    header = "姓名,身份证号,入职日期,部门,缴费基数,参保地,备注<内部>"
    data = (header + "\n陈明远,110101199003071233,2026-12-01,后厨,8000,北京,x\n").encode()
    mark = bot.api.mark()
    bot.api.send_document(HR, "名单.csv", data)
    [question] = await bot.api.wait_for_messages(HR, since=mark)
    assert "备注<内部>" in question.text
    await bot.press(HR, "忽略此列")
    texts = [m.text for m in bot.api.sent(HR)]
    assert any("备注<内部>" in text for text in texts), texts
    assert bot.api.errors == []

    await bot.say(HR, "/base_all")
    mark = bot.api.mark()
    bot.api.send_document(HR, "基数.txt", b"abc")
    [refusal] = await bot.api.wait_for_messages(HR, since=mark)
    assert "xlsx" in refusal.text and "抱歉" not in refusal.text


async def test_same_file_twice_names_the_first_import_in_company_time(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    data = (
        "姓名,身份证号,入职日期,部门,缴费基数,参保地\n"
        "陈明远,110101199003071233,2026-12-01,后厨,8000,北京\n"
    ).encode()
    mark = bot.api.mark()
    bot.api.send_document(HR, "名单.csv", data)
    await bot.api.wait_for_messages(HR, since=mark)
    await bot.press(HR, "✅ 确认导入")
    await bot.api.wait_until(lambda: any("导入完成" in m.text for m in bot.api.sent(HR)))
    mark = bot.api.mark()
    bot.api.send_document(HR, "名单.csv", data)
    [again] = await bot.api.wait_for_messages(HR, since=mark)
    assert "导入过" in again.text and "UTC" not in again.text, again.text
