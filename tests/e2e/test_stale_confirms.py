"""A confirm button confirms only what its own preview showed (issue 8, item 3).

Every 确认 names what it confirms (the upload, the adjustment draft, the rows counted); pressed
after something else became the pending thing, it changes nothing and says what is pending.
"""

from __future__ import annotations

from harness import HR, BotHarness
from sqlmodel import Session, func, select

from bot.local_api import SentMessage
from models.employee import Employee
from models.ledger import LedgerMonth
from models.task import Task
from policies.idnumber import check_digit

HEADER = "姓名,身份证号,入职日期,部门,缴费基数,参保地,已缴月份"


def make_id(serial: int) -> str:
    first17 = f"11010119900307{serial % 1000:03d}"
    return first17 + check_digit(first17)


def csv_file(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join((header, *rows)) + "\n").encode("utf-8")


POOL = "明远静芳伟强磊军洋勇艳杰娟涛超秀霞平刚桂"


def name(n: int) -> str:
    return "张" + POOL[n // 20 % 20] + POOL[n % 20]


def people(count: int, first: int = 1) -> list[str]:
    return [
        f"{name(n)},{make_id(n)},2026-12-01,后厨,8000,北京," for n in range(first, first + count)
    ]


async def send_file(bot: BotHarness, name: str, data: bytes) -> SentMessage:
    mark = bot.api.mark()
    bot.api.send_document(HR, name, data)
    return (await bot.api.wait_for_messages(HR, count=1, since=mark, timeout=15))[0]


async def press_on(bot: BotHarness, message: SentMessage, label: str) -> list[SentMessage]:
    """Press the button `label` on that very message (not the newest one showing it)."""
    data = next(d for text, d in message.buttons if text == label)
    assert data is not None
    mark = bot.api.mark()
    bot.api.press_button(HR, message.message_id, data)
    return await bot.api.wait_for_messages(HR, count=1, since=mark, timeout=15)


def employees(bot: BotHarness) -> int:
    with Session(bot.engine) as session:
        return session.exec(select(func.count()).select_from(Employee)).one()


def states(bot: BotHarness) -> list[str]:
    with Session(bot.engine) as session:
        return sorted(r.state for r in session.exec(select(LedgerMonth)))


async def import_rows(bot: BotHarness, *rows: str) -> None:
    preview = await send_file(bot, "员工.csv", csv_file(*rows))
    mark = bot.api.mark()
    progress = await press_on(bot, preview, "✅ 确认导入")
    done = await bot.api.wait_for_edit(HR, progress[0].message_id, since=mark, timeout=15)
    assert "导入完成" in done.text, done.text


async def test_a_stale_import_confirm_does_not_import_the_newer_file(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    two = await send_file(bot, "两人.csv", csv_file(*people(2)))
    assert "导入预览" in two.text and "可导入 2 人" in two.text
    thirty = await send_file(
        bot,
        "三十人.csv",
        csv_file(*(p + ",x" for p in people(30, 100)), header=HEADER + ",备注栏"),
    )
    assert "备注栏" in thirty.text  # stopped at the mapping question, no preview yet

    [refusal] = await press_on(bot, two, "✅ 确认导入")
    assert "已失效" in refusal.text and "未做任何更改" in refusal.text
    assert "三十人.csv" in refusal.text and "表头" in refusal.text
    assert employees(bot) == 0

    # The newer file still imports once its own preview was shown and confirmed.
    preview = (await bot.press(HR, "忽略此列"))[0]
    assert "可导入 30 人" in preview.text
    mark = bot.api.mark()
    progress = await press_on(bot, preview, "✅ 确认导入")
    done = await bot.api.wait_for_edit(HR, progress[0].message_id, since=mark, timeout=15)
    assert "新增 30 人" in done.text
    assert employees(bot) == 30


async def test_a_stale_base_all_confirm_does_not_apply_the_newer_bases(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await import_rows(bot, f"陈明远,{make_id(1)},2026-10-08,后厨,8000,北京,")
    first = (await bot.say(HR, "/base_all 2026-12"))[0]
    assert "年度缴费基数调整" in first.text
    uploaded = await send_file(
        bot, "新基数.csv", f"身份证号,缴费基数\n{make_id(1)},20000\n".encode()
    )
    assert "年度缴费基数调整" in uploaded.text

    [refusal] = await press_on(bot, first, "✅ 确认调整")
    assert "已失效" in refusal.text and "未做任何更改" in refusal.text
    assert "2026年12月" in refusal.text and "1 人新基数" in refusal.text
    with Session(bot.engine) as session:
        assert {str(r.base) for r in session.exec(select(LedgerMonth))} == {"8000.00"}

    [done] = await press_on(bot, uploaded, "✅ 确认调整")
    assert "年度基数调整完成" in done.text


async def test_a_stale_bulk_mark_confirm_marks_only_what_it_counted(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await import_rows(bot, *people(2))
    view = (await bot.say(HR, "/ledger 2026-12"))[0]
    mark = bot.api.mark()
    bot.api.press_button_text(HR, "📝 全部标记已申报")
    asked = await bot.api.wait_for_edit(HR, view.message_id, since=mark, timeout=15)
    assert "<b>2</b> 人" in (asked.raw_text or "")

    await import_rows(bot, *people(1, 50))  # a third December row appears meanwhile

    mark = bot.api.mark()
    bot.api.press_button(HR, asked.message_id, next(d for t, d in asked.buttons if t == "✅ 确认"))
    changed = await bot.api.wait_for_edit(HR, asked.message_id, since=mark, timeout=15)
    assert "台账已变化" in changed.text and "未做任何标记" in changed.text
    assert "<b>3</b> 人" in (changed.raw_text or "")
    assert states(bot) == ["pending"] * 3

    mark = bot.api.mark()
    bot.api.press_button(
        HR, changed.message_id, next(d for t, d in changed.buttons if t == "✅ 确认")
    )
    done = await bot.api.wait_for_edit(HR, changed.message_id, since=mark, timeout=15)
    assert "3</b> 人标记为已申报" in (done.raw_text or ""), done.raw_text
    assert states(bot) == ["declared"] * 3


async def test_a_stale_todo_today_does_not_complete_the_newer_item(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await import_rows(bot, *people(2))
    todo = (await bot.say(HR, "/todo"))[0]
    first, second = (f"✅ {name(n)} 社保登记 已办理" for n in (1, 2))
    asked_first = (await press_on(bot, todo, first))[0]
    asked_second = (await press_on(bot, todo, second))[0]
    assert name(1) in asked_first.text and name(2) in asked_second.text

    [refusal] = await press_on(bot, asked_first, "今天")
    assert "已失效" in refusal.text and name(2) in refusal.text
    with Session(bot.engine) as session:
        assert {t.status for t in session.exec(select(Task))} == {"open"}

    [done] = await press_on(bot, asked_second, "今天")
    assert "已记录" in done.text and name(2) in done.text


async def test_a_stale_leave_confirm_does_not_record_the_newer_leave(bot: BotHarness) -> None:
    await bot.join_as_hr(HR)
    await import_rows(bot, *people(2))

    async def leave_until_confirm(who: str) -> SentMessage:
        await bot.say(HR, "/leave")
        await bot.press(HR, f"{who}（后厨）")
        await bot.say(HR, "今天")
        return (await bot.press(HR, "合同到期"))[0]

    first = await leave_until_confirm(name(1))
    second = await leave_until_confirm(name(2))
    assert name(1) in first.text and name(2) in second.text

    [refusal] = await press_on(bot, first, "✅ 确认")
    assert "已失效" in refusal.text and f"{name(2)} 离职" in refusal.text
    with Session(bot.engine) as session:
        assert {e.status for e in session.exec(select(Employee))} == {"active"}

    [done] = await press_on(bot, second, "✅ 确认")
    assert "离职" in done.text and name(2) in done.text
