"""Import by sending a .xlsx/.csv to the bot (preview, header mapping, 确认) and /export."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, timedelta
from html import escape
from zoneinfo import ZoneInfo

from telegram import InputFile, Message, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.callbacks import (
    Button,
    ImportCancel,
    ImportConfirm,
    ImportErrors,
    ImportIgnoreRest,
    ImportMapColumn,
    ImportPaidUpTo,
    ImportRegistered,
    matching,
)
from bot.context import HRContext
from bot.exporting import export_workbook
from bot.importing import FIELD_BY_KEY, IGNORE, ImportFileError, SheetTable, match_headers
from bot.parsing import echo
from bot.render import render
from bot.services import transfer
from bot.services.access import Member
from handlers.common import (
    answer_stale,
    company_line,
    current_member,
    edit_message,
    edit_pressed,
    member_today,
    pressed,
    refuse_stale_confirm,
    reply,
)
from handlers.drafts import PendingImport
from handlers.ledger import policy_library
from models.company import Role

#: The mapping button's word for bot.importing.IGNORE ("" cannot be a callback part).
IGNORE_CHOICE = "ignore"
ERRORS_SHOWN = 10
#: Edit the progress message at most this often (Telegram limits edits per chat).
PROGRESS_EVERY_SECONDS = 1.0


async def _download(context: HRContext, file_id: str) -> bytes:
    file = await context.bot.get_file(file_id)
    return bytes(await file.download_as_bytearray())


def _choices(pending: PendingImport) -> transfer.ImportChoices:
    return pending.choices or transfer.ImportChoices()


def _pending(context: HRContext) -> PendingImport | None:
    return PendingImport.load(context)


async def on_document(update: Update, context: HRContext) -> None:
    """A spreadsheet arrived: read it once, ask about unknown headers, then show the preview.

    Registered with block=False: reading a big file happens in a worker thread while the bot
    goes on answering other chats.
    """
    member = await current_member(update, context, Role.HR)
    if member is None:
        return
    message = update.effective_message
    assert message is not None and message.document is not None
    document = message.document
    name = document.file_name or "upload"
    if not name.lower().endswith((".xlsx", ".csv")):
        await reply(update, "❌ 请发送 .xlsx 或 .csv 格式的员工表（第一行为表头）。")
        return
    settings = context.services.settings.imports
    limits = transfer.limits_from(settings)
    if (document.file_size or 0) > limits.max_file_bytes:
        await reply(update, f"❌ 文件超过{settings.max_file_mb}MB，请拆分后分批发送。")
        return
    PendingImport.drop(context)
    data = await _download(context, document.file_id)
    try:
        upload_id, table = await asyncio.wait_for(
            asyncio.to_thread(
                transfer.read_upload,
                context.services.engine,
                member,
                name,
                data,
                limits,
                now=context.services.clock.now(),
            ),
            # the reader stops itself at max_seconds; this only guards a stuck worker
            timeout=settings.max_seconds + 10,
        )
    except ImportFileError as error:
        await reply(update, "❌ " + error.html)
        return
    except TimeoutError:
        await reply(
            update,
            f"❌ 读取表格超过{settings.max_seconds:g}秒仍未完成，请删除多余的行、列和格式，"
            "或另存为 .csv 后重新发送。",
        )
        return
    PendingImport(
        upload_id, name, upload=secrets.token_hex(4), sha=table.content_hash[:12]
    ).keep(context)
    await _save_pending(update, context)
    await _advance(update, context, member, table)


async def _save_pending(update: Update, context: HRContext) -> None:
    """Write the pending import (upload id, column choices) before the next question goes
    out, so a restart right after it resumes this import instead of forgetting it."""
    persistence = context.application.persistence
    user = update.effective_user
    if persistence is not None and user is not None and context.user_data is not None:
        await persistence.update_user_data(user.id, dict(context.user_data))


EXPIRED = "这个导入已过期或已被新文件替代，请重新发送员工表。"


async def _load(context: HRContext, member: Member) -> tuple[PendingImport, SheetTable]:
    """The pending upload and its table as read on arrival (never downloaded again)."""
    pending = _pending(context)
    if pending is None:
        raise ImportFileError(EXPIRED)
    hours = context.services.settings.imports.pending_hours
    since = context.services.clock.now() - timedelta(hours=hours)
    table = await asyncio.to_thread(
        transfer.pending_table,
        context.services.engine,
        member,
        pending.upload_id,
        since=since,
    )
    if table is None:
        raise ImportFileError(EXPIRED)
    return pending, table


async def _advance(
    update: Update, context: HRContext, member: Member, table: SheetTable | None = None
) -> None:
    """Ask for the next unknown header, or show the preview once every column is settled."""
    try:
        if table is None:
            pending, table = await _load(context, member)
        elif (kept := _pending(context)) is not None:
            pending = kept
        else:
            raise ImportFileError(EXPIRED)
    except ImportFileError as error:
        PendingImport.drop(context)
        await reply(update, "❌ " + error.html)
        return
    overrides: Mapping[str, str] = pending.columns
    plan = await asyncio.to_thread(
        transfer.plan_import,
        context.services.engine,
        member,
        table,
        overrides,
        today=member_today(context, member),
        library=policy_library(context.services),
        choices=_choices(pending),
    )
    mapping = plan.mapping
    if mapping.needs_choice:
        index, header = mapping.unknown[0]
        pending.preview = None
        pending.keep(context)
        options = [
            (FIELD_BY_KEY[key].label, ImportMapColumn(index, key).data)  # type: ignore[arg-type]
            for key in mapping.unmapped_fields
        ]
        rows = [options[i : i + 3] for i in range(0, len(options), 3)]
        ignore = [("忽略此列", ImportMapColumn(index, IGNORE_CHOICE).data)]
        if len(mapping.unknown) > 1:
            ignore.append((f"忽略其余（共 {len(mapping.unknown)} 列）", ImportIgnoreRest().data))
        rows.append(ignore)
        rows.append([("✖️ 取消", ImportCancel().data)])
        others = [h for _, h in mapping.unknown[1:]]
        await reply(
            update, render("import_map_header", header=header, others=others), rows
        )
        return
    if mapping.missing:
        PendingImport.drop(context)
        labels = "、".join(FIELD_BY_KEY[key].label for key in mapping.missing)
        await reply(update, render("import_missing", labels=labels))
        return
    if plan.already_imported_on is not None:
        PendingImport.drop(context)
        imported_at = plan.already_imported_on.astimezone(ZoneInfo(member.timezone))
        await reply(
            update,
            render("import_already", imported_at=imported_at, filename=pending.filename),
        )
        return
    buttons: list[list[tuple[str, str]]] = []
    importable = len(plan.new_rows) + len(plan.rehire_rows)
    pending.preview = pending.token()
    pending.keep(context)
    if importable:
        buttons.append(
            [
                (f"{'✓ ' if month == plan.paid_up_to else ''}已缴至{month:%Y-%m}",
                 ImportPaidUpTo(month).data)  # type: ignore[arg-type]
                for month in plan.paid_up_to_choices
            ]
        )
        if plan.unanswered:
            buttons.append(
                [
                    (f"{'✓ ' if plan.all_registered else ''}这{len(plan.unanswered)}人均已登记",
                     ImportRegistered("yes").data),
                    (f"{'✓ ' if not plan.all_registered else ''}均未登记",
                     ImportRegistered("no").data),
                ]
            )
        buttons.append([("✅ 确认导入", ImportConfirm(pending.preview).data)])
    second = [("✖️ 取消", ImportCancel().data)]
    if plan.preview.errors:
        second.insert(0, ("📄 下载错误明细", ImportErrors().data))
    buttons.append(second)
    await reply(
        update,
        render(
            "import_preview",
            plan=plan,
            filename=pending.filename,
            errors=plan.preview.errors[:ERRORS_SHOWN],
            importable=importable,
            recent_days=transfer.RECENT_DAYS,
        ),
        buttons,
    )


async def on_transfer_button(update: Update, context: HRContext) -> None:
    member = await current_member(update, context, Role.HR)
    if member is None:
        return
    query = update.callback_query
    assert query is not None
    button = pressed(update, Button)
    pending = _pending(context)
    if pending is None:
        await query.answer("该导入已结束，请重新发送文件。", show_alert=True)
        return
    if isinstance(button, ImportConfirm) and button.upload != pending.preview:
        await refuse_stale_confirm(update, _pending_now(pending))
        return
    if isinstance(button, ImportIgnoreRest):
        await query.answer()
        try:
            pending_table = (await _load(context, member))[1]
        except ImportFileError as error:
            await reply(update, "❌ " + error.html)
            return
        mapping = match_headers(pending_table.headers, pending.columns)
        for _, header in mapping.unknown:
            pending.columns[header] = IGNORE
        pending.keep(context)
        await _save_pending(update, context)
        names = "、".join(f"“{escape(echo(h))}”" for _, h in mapping.unknown)
        await edit_pressed(update, f"不导入：{names}")
        await _advance(update, context, member, pending_table)
        return
    if isinstance(button, ImportPaidUpTo | ImportRegistered):
        await query.answer()
        choices = _choices(pending)
        if isinstance(button, ImportPaidUpTo):
            choices = replace(choices, paid_up_to=date(button.month.year, button.month.month, 1))
            chosen = f"导入前已缴至 <b>{button.month:%Y-%m}</b>"
        else:
            choices = replace(choices, all_registered=button.answer == "yes")
            answer = "均已登记" if button.answer == "yes" else "均未登记"
            chosen = f"未写参保状态的近期入职员工：<b>{answer}</b>"
        pending.choices = choices
        pending.keep(context)
        await _save_pending(update, context)
        await edit_pressed(update, chosen)
        await _advance(update, context, member)
        return
    if isinstance(button, ImportMapColumn):
        try:
            pending_table = (await _load(context, member))[1]
        except ImportFileError as error:
            await query.answer()
            await reply(update, "❌ " + error.html)
            return
        if button.column >= len(pending_table.headers):
            await answer_stale(update)
            return
    await query.answer()
    if isinstance(button, ImportMapColumn):
        index = button.column
        key = IGNORE if button.field == IGNORE_CHOICE else button.field
        header = pending_table.headers[index]
        pending.columns[header] = key
        pending.keep(context)
        await _save_pending(update, context)
        label = FIELD_BY_KEY[key].label if key else "不导入"
        await edit_pressed(update, f"表头“{escape(echo(header))}” → <b>{label}</b>")
        await _advance(update, context, member, pending_table)
    elif isinstance(button, ImportErrors):
        try:
            _, table = await _load(context, member)
        except ImportFileError as error:
            await reply(update, "❌ " + error.html)
            return
        plan = await asyncio.to_thread(
            transfer.plan_import,
            context.services.engine,
            member,
            table,
            pending.columns,
            today=member_today(context, member),
            library=policy_library(context.services),
        )
        chat = update.effective_chat
        assert chat is not None
        await chat.send_document(
            InputFile(plan.errors_file(), filename="导入错误明细.xlsx"),
            caption=f"共 {len(plan.preview.errors)} 行有误，修改后可重新发送整个文件。",
        )
    elif isinstance(button, ImportCancel):
        PendingImport.drop(context)
        await asyncio.to_thread(transfer.drop_upload, context.services.engine, member)
        await edit_pressed(update, "已取消导入，未做任何更改。")
    elif isinstance(button, ImportConfirm):
        await _confirm(update, context, member, pending, button.upload)


def _pending_now(pending: PendingImport) -> str:
    """What is pending instead, for the refusal of a stale 确认导入."""
    name = escape(pending.filename)
    if pending.preview:
        return f"文件“{name}”的导入（请在它的预览消息上点击 ✅ 确认导入）"
    return f"文件“{name}”的导入，尚未显示预览（请先回答最新的表头问题）"


async def _confirm(
    update: Update, context: HRContext, member: Member, pending: PendingImport, token: str
) -> None:
    """Store the file in one transaction, editing one progress message in place."""
    query = update.callback_query
    assert query is not None
    try:
        _, table = await _load(context, member)
    except ImportFileError as error:
        PendingImport.drop(context)
        await reply(update, "❌ " + error.html)
        return
    if pending.token() != token:  # the file behind the id changed since the preview
        await reply(update, "❌ 文件内容与预览时不同，未导入任何数据。请重新发送文件。")
        PendingImport.drop(context)
        return
    if not PendingImport.drop(context):
        return  # a second press while the first was loading: the first imports
    await edit_pressed(update, "✅ 已确认导入。")
    progress_message: Message = await reply(
        update, render("import_progress", done=0, total=len(table.rows))
    )
    loop = asyncio.get_running_loop()
    last_edit = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last_edit[0] < PROGRESS_EVERY_SECONDS or done >= total:
            return
        last_edit[0] = now
        asyncio.run_coroutine_threadsafe(
            edit_message(
                progress_message.edit_text(
                    company_line(render("import_progress", done=done, total=total)),
                    parse_mode=ParseMode.HTML,
                )
            ),
            loop,
        )

    outcome = await asyncio.to_thread(
        transfer.confirm_import,
        context.services.engine,
        member,
        pending.filename,
        table,
        pending.columns,
        today=member_today(context, member),
        library=policy_library(context.services),
        progress=progress,
        choices=_choices(pending),
        reminder_defaults=context.services.settings.reminders,
    )
    await asyncio.to_thread(transfer.drop_upload, context.services.engine, member)
    await edit_message(
        progress_message.edit_text(
            company_line(render("import_done", outcome=outcome, filename=pending.filename)),
            parse_mode=ParseMode.HTML,
        )
    )


async def cmd_export(update: Update, context: HRContext) -> None:
    """`/export`: employees and ledger as .xlsx, in the private chat only."""
    member = await current_member(update, context, Role.HR)
    if member is None:
        return
    data = await asyncio.to_thread(export_workbook, context.services.engine, member)
    today = member_today(context, member)
    chat = update.effective_chat
    assert chat is not None
    await chat.send_document(
        InputFile(data, filename=f"员工与社保台账_{today:%Y%m%d}.xlsx"),
        caption=render("export_caption", company_name=member.company_name, today=today),
        parse_mode=ParseMode.HTML,
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("export", cmd_export))
    # block=False: reading or storing a big file must not hold up other chats' updates.
    app.add_handler(
        CallbackQueryHandler(
            on_transfer_button,
            pattern=matching(
                ImportCancel, ImportConfirm, ImportErrors, ImportMapColumn, ImportPaidUpTo,
                ImportRegistered, ImportIgnoreRest,
            ),
            block=False,
        )
    )
    app.add_handler(MessageHandler(filters.Document.ALL, on_document, block=False))
