"""Import by sending a .xlsx/.csv to the bot (preview, header mapping, 确认) and /export."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InputFile, Message, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import HRContext
from bot.importing import FIELD_BY_KEY, IGNORE, ImportFileError, SheetTable
from bot.render import render
from bot.services import transfer
from bot.services.access import Member
from handlers.common import callback_parts, current_member, member_today, reply
from handlers.ledger import policy_library
from models.company import Role

IMPORT_KEY = "import_pending"
MAX_FILE_BYTES = 10 * 1024 * 1024
ERRORS_SHOWN = 10
#: Edit the progress message at most this often (Telegram limits edits per chat).
PROGRESS_EVERY_SECONDS = 1.0


async def _download(context: HRContext, file_id: str) -> bytes:
    file = await context.bot.get_file(file_id)
    return bytes(await file.download_as_bytearray())


def _pending(context: HRContext) -> dict[str, Any] | None:
    assert context.user_data is not None
    return context.user_data.get(IMPORT_KEY)


async def on_document(update: Update, context: HRContext) -> None:
    """A spreadsheet arrived: read it, ask about unknown headers, then show the preview."""
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
    if (document.file_size or 0) > MAX_FILE_BYTES:
        await reply(update, "❌ 文件超过10MB，请拆分后分批发送。")
        return
    assert context.user_data is not None
    context.user_data[IMPORT_KEY] = {"file_id": document.file_id, "filename": name, "map": {}}
    await _advance(update, context, member)


async def _load(context: HRContext) -> tuple[dict[str, Any], SheetTable]:
    pending = _pending(context)
    assert pending is not None
    data = await _download(context, pending["file_id"])
    table = await asyncio.to_thread(transfer.read_import_table, pending["filename"], data)
    return pending, table


async def _advance(update: Update, context: HRContext, member: Member) -> None:
    """Ask for the next unknown header, or show the preview once every column is settled."""
    try:
        pending, table = await _load(context)
    except ImportFileError as error:
        assert context.user_data is not None
        context.user_data.pop(IMPORT_KEY, None)
        await reply(update, "❌ " + error.html)
        return
    overrides: Mapping[str, str] = pending["map"]
    plan = await asyncio.to_thread(
        transfer.plan_import,
        context.services.engine,
        member,
        table,
        overrides,
        today=member_today(context, member),
        library=policy_library(context.services),
    )
    mapping = plan.mapping
    if mapping.needs_choice:
        index, header = mapping.unknown[0]
        options = [
            (FIELD_BY_KEY[key].label, f"transfer:map:{index}:{key}")
            for key in mapping.unmapped_fields
        ]
        rows = [options[i : i + 3] for i in range(0, len(options), 3)]
        rows.append(
            [("忽略此列", f"transfer:map:{index}:{IGNORE}"), ("✖️ 取消", "transfer:cancel")]
        )
        await reply(update, render("import_map_header", header=header), rows)
        return
    if mapping.missing:
        assert context.user_data is not None
        context.user_data.pop(IMPORT_KEY, None)
        labels = "、".join(FIELD_BY_KEY[key].label for key in mapping.missing)
        await reply(update, render("import_missing", labels=labels))
        return
    if plan.already_imported_on is not None:
        assert context.user_data is not None
        context.user_data.pop(IMPORT_KEY, None)
        imported_at = plan.already_imported_on.astimezone(ZoneInfo(member.timezone))
        await reply(
            update,
            render("import_already", imported_at=imported_at, filename=pending["filename"]),
        )
        return
    buttons: list[list[tuple[str, str]]] = []
    importable = len(plan.new_rows) + len(plan.rehire_rows)
    if importable:
        buttons.append([("✅ 确认导入", "transfer:confirm")])
    second = [("✖️ 取消", "transfer:cancel")]
    if plan.preview.errors:
        second.insert(0, ("📄 下载错误明细", "transfer:errors"))
    buttons.append(second)
    await reply(
        update,
        render(
            "import_preview",
            plan=plan,
            filename=pending["filename"],
            errors=plan.preview.errors[:ERRORS_SHOWN],
            importable=importable,
        ),
        buttons,
    )


async def on_transfer_button(update: Update, context: HRContext) -> None:
    member = await current_member(update, context, Role.HR)
    if member is None:
        return
    query = update.callback_query
    assert query is not None
    parts = callback_parts(update)
    action = parts[1]
    pending = _pending(context)
    if pending is None:
        await query.answer("该导入已结束，请重新发送文件。", show_alert=True)
        return
    await query.answer()
    if action == "map":
        index, key = int(parts[2]), parts[3]
        try:
            pending_table = (await _load(context))[1]
        except ImportFileError as error:
            await reply(update, "❌ " + error.html)
            return
        header = pending_table.headers[index]
        pending["map"][header] = key
        label = FIELD_BY_KEY[key].label if key else "不导入"
        await query.edit_message_text(
            f"表头“{escape(header)}” → <b>{label}</b>", parse_mode=ParseMode.HTML
        )
        await _advance(update, context, member)
    elif action == "errors":
        _, table = await _load(context)
        plan = await asyncio.to_thread(
            transfer.plan_import,
            context.services.engine,
            member,
            table,
            pending["map"],
            today=member_today(context, member),
            library=policy_library(context.services),
        )
        chat = update.effective_chat
        assert chat is not None
        await chat.send_document(
            InputFile(plan.errors_file(), filename="导入错误明细.xlsx"),
            caption=f"共 {len(plan.preview.errors)} 行有误，修改后可重新发送整个文件。",
        )
    elif action == "cancel":
        assert context.user_data is not None
        context.user_data.pop(IMPORT_KEY, None)
        await query.edit_message_text("已取消导入，未做任何更改。")
    elif action == "confirm":
        await _confirm(update, context, member, pending)


async def _confirm(
    update: Update, context: HRContext, member: Member, pending: dict[str, Any]
) -> None:
    """Store the file in one transaction, editing one progress message in place."""
    query = update.callback_query
    assert query is not None and context.user_data is not None
    _, table = await _load(context)
    context.user_data.pop(IMPORT_KEY, None)
    await query.edit_message_text("✅ 已确认导入。")
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
            progress_message.edit_text(render("import_progress", done=done, total=total)), loop
        )

    outcome = await asyncio.to_thread(
        transfer.confirm_import,
        context.services.engine,
        member,
        pending["filename"],
        table,
        pending["map"],
        today=member_today(context, member),
        library=policy_library(context.services),
        progress=progress,
    )
    await progress_message.edit_text(
        render("import_done", outcome=outcome, filename=pending["filename"]),
        parse_mode=ParseMode.HTML,
    )


async def cmd_export(update: Update, context: HRContext) -> None:
    """`/export`: employees and ledger as .xlsx, in the private chat only."""
    member = await current_member(update, context, Role.HR)
    if member is None:
        return
    data = await asyncio.to_thread(transfer.export_workbook, context.services.engine, member)
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
    app.add_handler(CallbackQueryHandler(on_transfer_button, pattern=r"^transfer:"))
    app.add_handler(MessageHandler(filters.Document.ALL, on_document))
