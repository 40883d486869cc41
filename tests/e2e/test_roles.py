"""Roles end to end (issue 12, docs/roles.md): HR invite a manager and an employee through
one-time deep links; the manager sees their department and not another; the employee is bound
to their record (once); revoking cuts access at the next update; the last HR admin stays."""

from __future__ import annotations

import io
import re

from harness import HR, HR2, BotHarness
from openpyxl import Workbook
from sqlmodel import Session

from bot.callbacks import MemberAdmin, MemberRevokeConfirm
from bot.services import access, members
from bot.services.errors import LastHrAdmin
from handlers.menu import set_all_menus
from models.company import Membership, Role
from policies.idnumber import check_digit

MANAGER = 3001
EMPLOYEE = 3002
SOMEONE = 3003
LINK = re.compile(r"https://t\.me/(\w+)\?start=([\w-]+)")


def make_id(serial: int) -> str:
    first17 = f"1101011990{serial // 100 % 12 + 1:02d}{serial % 28 + 1:02d}{serial % 1000:03d}"
    return first17 + check_digit(first17)


ROSTER = [
    ["姓名", "身份证号", "入职日期", "部门", "缴费基数", "参保地", "已缴月份"],
    ["陈明远", make_id(1), "2026-06-01", "后厨", 8000, "北京", "2026-06~2026-11"],
    ["李静", make_id(2), "2026-11-16", "前厅", 9000, "北京", ""],
    ["王芳", make_id(3), "2026-10-01", "后厨", 7000, "北京", ""],
]


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def import_roster(bot: BotHarness) -> None:
    mark = bot.api.mark()
    bot.api.send_document(HR, "花名册.xlsx", xlsx(ROSTER))
    await bot.api.wait_for_messages(HR, count=1, since=mark, timeout=15)
    for _ in range(3):  # answer the import's questions until the confirm shows
        last = bot.api.last(HR)
        texts = [t for t, _ in last.buttons]
        if "✅ 确认导入" in texts:
            break
        choice = next((t for t in texts if "未登记" in t or "否" in t), texts[0])
        await bot.press(HR, choice)
    mark = bot.api.mark()
    progress = (await bot.press(HR, "✅ 确认导入"))[0]
    done = await bot.api.wait_for_edit(HR, progress.message_id, since=mark)
    assert "导入" in done.text


async def invite(bot: BotHarness, user: int, what: str) -> str:
    [answer] = await bot.say(user, f"/invite {what}")
    found = LINK.search(answer.text)
    assert found is not None, answer.text
    assert found[1] == bot.api.bot_username
    return found[2]


def menu(bot: BotHarness, chat_id: int | None = None) -> list[str]:
    scope = {"type": "chat", "chat_id": chat_id} if chat_id else None
    return [c["command"] for c in bot.api.commands(scope)]


def membership_id(bot: BotHarness, user_id: int) -> int:
    with Session(bot.engine) as session:
        from sqlmodel import select

        row = session.exec(
            select(Membership).where(Membership.telegram_user_id == user_id)
        ).one()
        assert row.id is not None
        return row.id


async def test_manager_and_employee_bind_see_their_own_and_lose_access_when_revoked(
    bot: BotHarness,
) -> None:
    await bot.join_as_hr(HR)
    await import_roster(bot)
    assert "members" in menu(bot, HR) and "hire" in menu(bot, HR)
    assert bot.app is not None
    await set_all_menus(bot.app)  # what post_init does under run_polling / run_webhook
    assert menu(bot) == ["start", "help", "policy", "policy_version"]

    code = await invite(bot, HR, "manager 后厨")
    [joined] = await bot.say(MANAGER, f"/start {code}", first_name="王经理")
    assert "部门经理（后厨）" in joined.text and "/team" in joined.text
    assert "team" in menu(bot, MANAGER) and "hire" not in menu(bot, MANAGER)
    [again] = await bot.say(SOMEONE, f"/start {code}")
    assert "已被使用" in again.text

    [team] = await bot.say(MANAGER, "/team")
    assert "陈明远" in team.text and "王芳" in team.text and "李静" not in team.text
    assert "⚠️ 王芳 社保登记已逾期" in team.text, team.text
    assert "¥" not in team.text and not re.search(r"\d{6}\*+|\d{17}", team.text)
    [other] = await bot.say(MANAGER, "/team 前厅")
    assert "没有名为“前厅”的部门" in other.text and "李静" not in other.text
    [hire] = await bot.say(MANAGER, "/hire")
    assert "仅限HR" in hire.text
    [help_] = await bot.say(MANAGER, "/help")
    assert "/team" in help_.text and "/hire" not in help_.text and "/members" not in help_.text

    code = await invite(bot, HR, "employee 李静")
    [joined] = await bot.say(EMPLOYEE, f"/start {code}", first_name="李静")
    assert "员工（李静）" in joined.text
    [refused] = await bot.say(HR, "/invite employee 李静")
    assert "已绑定了另一个 Telegram 账号" in refused.text
    [team] = await bot.say(EMPLOYEE, "/team")
    assert "仅限" in team.text and "陈明远" not in team.text
    assert "team" not in menu(bot, EMPLOYEE) and "policy" in menu(bot, EMPLOYEE)

    [listing] = await bot.say(HR, "/members")
    assert "王经理" in listing.text and "李静" in listing.text
    await bot.press(HR, "🚫 撤销 王经理", expect=0)
    assert "确定撤销" in bot.api.last(HR).text
    await bot.press(HR, "🚫 确认撤销", expect=0)
    assert "已撤销" in bot.api.last(HR).text
    [cut] = await bot.say(MANAGER, "/team")
    assert "还没有加入任何公司" in cut.text and "陈明远" not in cut.text
    assert menu(bot, MANAGER) == ["start", "help", "policy", "policy_version"]


async def test_only_hr_admins_invite_hr_and_the_last_one_stays(bot: BotHarness) -> None:
    company_id = await bot.join_as_hr(HR)
    code = await invite(bot, HR, "hr")
    [joined] = await bot.say(HR2, f"/start {code}", first_name="小周")
    assert "身份：HR。" in joined.text
    [refused] = await bot.say(HR2, "/invite hr")
    assert "仅限HR管理员" in refused.text
    [usage] = await bot.say(HR2, "/invite")
    assert "/invite hr" not in usage.text and "/invite manager" in usage.text
    [listing] = await bot.say(HR2, "/members")
    assert listing.buttons == []  # a plain HR cannot touch HR rows

    # HR2 forges the admin's revoke: refused, nothing changes.
    hr_row = membership_id(bot, HR)
    mark = bot.api.mark()
    bot.api.press_button(HR2, listing.message_id, MemberRevokeConfirm(hr_row).data,
                         strict=False)
    [answer] = await bot.api.wait_for_messages(HR2, count=1, since=mark)
    assert "仅限HR管理员" in answer.text

    # The only admin cannot demote or revoke themself, even with forged buttons.
    [listing] = await bot.say(HR, "/members")
    for data in (MemberAdmin(hr_row, "off").data, MemberRevokeConfirm(hr_row).data):
        mark = bot.api.mark()
        bot.api.press_button(HR, listing.message_id, data, strict=False)
        [answer] = await bot.api.wait_for_messages(HR, count=1, since=mark)
        assert "唯一的HR管理员" in answer.text
    admin = access.member_of(bot.engine, HR, company_id)
    assert admin is not None and access.is_hr_admin(admin)

    await bot.say(HR, "/members")
    await bot.press(HR, "⬆️ 小周 设为HR管理员", expect=0)
    assert "现在是HR管理员" in bot.api.last(HR).text
    [listing] = await bot.say(HR2, "/members")
    await bot.press(HR2, "⬇️ 测试用户 改为HR", expect=0)
    assert "现在是HR。" in bot.api.last(HR2).text
    hr2 = access.member_of(bot.engine, HR2, company_id)
    assert hr2 is not None and access.is_hr_admin(hr2)
    try:
        members.revoke(bot.engine, hr2, membership_id(bot, HR2), now=bot.clock.now())
    except LastHrAdmin:
        pass
    else:
        raise AssertionError("the last HR admin was revoked")
    assert access.member_of(bot.engine, HR2, company_id).role == Role.HR  # type: ignore[union-attr]
