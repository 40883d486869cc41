"""Every HR dialog (/hire, /leave, /base, /backpay, a /todo mark) runs in ONE persistent
ConversationHandler, and its answers live in ONE typed draft. Public PTB API only.

Why one handler: an HR who leaves /hire half done and sends /leave has moved on. With one
ConversationHandler per dialog the abandoned one kept its state and, registered earlier, took
the typed answers meant for the new one (a /leave date read as a /hire name); ending it from
outside needs PTB's private `_conversations`. With one handler there is one state per chat and
user, so starting a dialog ends whatever was open, by PTB's own `allow_reentry`. Each feature
describes its dialog as a `Dialog` (entry points, states named "<dialog>.<step>", fallbacks);
`add_dialogs` joins them, attaching each dialog's fallbacks to its own states only, so a
dialog's "/cancel" or "unexpected answer" never answers for another. /company and its
buttons are entry points too (handlers/company.py): a switch of company ends the open dialog.

Why one draft: the answers so far (`Draft` subclasses, dataclasses with a JSON form) sit in
user_data under one key, tagged with their dialog. Every entry callback calls `begin` first:
a draft of another dialog still there means that dialog is being abandoned, which HR are
told. `checkpoint` saves the next state and the draft in one transaction before the question
goes out, so a crash after the user saw it resumes right there.

Drafts and states stored before this module existed (one conversation per dialog, untyped
dicts under "hire_draft" …) are still read: the old conversation rows are merged into this
handler's when persistence loads (`Dialog.legacy_states`), and each draft kind reads its old
user_data key (`Draft.from_legacy`) the first time its dialog asks for it.
"""

from __future__ import annotations

import json
import secrets
import warnings
from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, CallbackQueryHandler, ConversationHandler
from telegram.warnings import PTBUserWarning

from bot.callbacks import digest
from bot.context import HRContext
from bot.persistence import DatabasePersistence, transaction_of
from handlers.common import Handlers, reply, show_choice

#: The one ConversationHandler's name; its rows in ptb_state are "conversation:dialog".
DIALOG = "dialog"
#: The user_data key of the open dialog's draft: {"dialog", "kind", "draft"}.
SLOT = "dialog"
#: What HR call each dialog, for the notice that an abandoned one was dropped.
LABELS = {
    "hire": "入职登记",
    "leave": "离职登记",
    "base": "基数调整",
    "todo_mark": "待办办理",
    "backpay": "补缴测算",
    "case": "补缴案例",
    "complaint": "社保投诉",
    "complaint_reply": "投诉回复",
}
#: user_data keys of drafts stored before the one slot (read once by `Draft.from_legacy`,
#: then dropped).
LEGACY_KEYS = (
    "hire_draft",
    "hire_draft_nonce",
    "hire_editing",
    "leave_draft",
    "leave_draft_nonce",
    "base_draft",
    "base_draft_nonce",
    "backpay_draft",
    "todo_pending",
    "case_draft",
)

D = TypeVar("D", bound="Draft")


def new_nonce() -> str:
    """A draft's random id: confirm buttons of an earlier draft (even one with the same
    answers) never confirm this one."""
    return secrets.token_hex(6)


class Draft:
    """A dialog's half-finished answers. Subclasses are dataclasses naming their dialog and
    kind, with a JSON form (user_data is persisted as JSON)."""

    DIALOG: ClassVar[str]
    KIND: ClassVar[str]

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def from_json(cls: type[D], data: Mapping[str, Any]) -> D:
        raise NotImplementedError

    @classmethod
    def from_legacy(cls: type[D], user_data: Mapping[str, Any]) -> D | None:
        """This kind's draft as stored before the one slot existed, if there is one."""
        return None


def answers_token(nonce: str, answers: object) -> str:
    """What a confirm button carries: a digest of the draft's id and its current answers. A
    press is honoured only while the token still matches, so a confirm left on an earlier
    preview cannot confirm the draft pending now. (The same digest as before typed drafts,
    so a preview sent before an upgrade can still be confirmed after it.)"""
    return digest(nonce, json.dumps(answers, sort_keys=True, default=str))


def _user_data(context: HRContext) -> MutableMapping[Any, Any]:
    assert context.user_data is not None
    return context.user_data


def open_dialog(context: HRContext) -> str | None:
    """The dialog whose draft is kept, if any."""
    slot = _user_data(context).get(SLOT)
    return slot.get("dialog") if isinstance(slot, dict) else None


def load(context: HRContext, kind: type[D]) -> D | None:
    """The open draft if it is of `kind` (None otherwise): the one accessor of every draft."""
    data = _user_data(context)
    slot = data.get(SLOT)
    if slot is None and any(key in data for key in LEGACY_KEYS):
        try:
            legacy = kind.from_legacy(data)
        except (KeyError, TypeError, ValueError):
            legacy = None  # unreadable: the handler says it expired
        for key in LEGACY_KEYS:
            data.pop(key, None)
        if legacy is not None:
            save(context, legacy)
        return legacy
    if not isinstance(slot, dict) or slot.get("kind") != kind.KIND:
        return None
    try:
        return kind.from_json(slot.get("draft") or {})
    except (KeyError, TypeError, ValueError):
        return None  # unreadable: the handler says it expired


def save(context: HRContext, draft: Draft) -> None:
    """Keep `draft` as the open dialog's answers (persisted by the next `checkpoint`)."""
    _user_data(context)[SLOT] = {
        "dialog": draft.DIALOG,
        "kind": draft.KIND,
        "draft": draft.to_json(),
    }


def forget(context: HRContext) -> None:
    """Drop the open draft (and any stored in the old form)."""
    data = _user_data(context)
    data.pop(SLOT, None)
    for key in LEGACY_KEYS:
        data.pop(key, None)


async def abandon(update: Update, context: HRContext, *, keep: str = "") -> None:
    """Drop a draft of another dialog than `keep`, telling HR it was not saved.

    Only private chats hold dialogs (every one is for HR in private), so a press in a group
    never drops the draft of the user's private chat.
    """
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE or context.user_data is None:
        return
    dialog = open_dialog(context)
    forget(context)
    if dialog is not None and dialog != keep:
        label = LABELS.get(dialog, "上一项操作")
        await reply(update, f"ℹ️ 已放弃未完成的{label}，未保存任何信息。")


async def begin(update: Update, context: HRContext, dialog: str) -> None:
    """The first thing every entry callback of `dialog` does: the one handler's state moves
    on to `dialog`, so any draft kept is dropped, and HR are told if it was another dialog's
    (re-sending the same command just starts afresh, as it always did)."""
    await abandon(update, context, keep=dialog)


async def checkpoint(update: Update, context: HRContext, state: str | None) -> None:
    """Persist the dialog's next state (None: over) and the user's data before the reply.

    PTB records the new state only after the callback returns; writing it first means a crash
    right after the user saw the next question still resumes at that question. Both rows go in
    one transaction, and PTB's own flush after the update then finds nothing changed.
    """
    persistence = context.application.persistence
    user, chat = update.effective_user, update.effective_chat
    if persistence is None or user is None or chat is None:
        return
    async with transaction_of(persistence):
        await persistence.update_conversation(DIALOG, (chat.id, user.id), state)
        if context.user_data is not None:
            await persistence.update_user_data(user.id, dict(context.user_data))


async def finish(update: Update, context: HRContext, text: str) -> int:
    """Forget the draft, record that the dialog is over, then tell the user `text`.

    A pressed button's message is edited to `text`; a command gets it as a new message.
    """
    forget(context)
    await checkpoint(update, context, None)
    if update.callback_query is not None:
        await show_choice(update, text)
    else:
        await reply(update, text)
    return ConversationHandler.END


async def expired(update: Update, context: HRContext, command: str) -> int:
    """A step of a dialog whose draft is gone (or unreadable): end it, saying how to restart."""
    label = LABELS.get(command, "操作")
    if update.callback_query is not None:
        await update.callback_query.answer()
    return await finish(update, context, f"该{label}已失效，请发送 /{command} 重新开始。")


Callback = Callable[[Update, HRContext], Awaitable[object]]


@dataclass(frozen=True)
class Dialog:
    """One feature's dialog: how it starts, its steps, and what answers off-script input.

    `states` keys are "<name>.<step>" strings (a StrEnum), unique across dialogs. `fallbacks`
    apply in this dialog's states only. `stale` alerts a press of this dialog's buttons
    (callback_data "<name>:…") once it is over. `legacy_states[n]` is the state that the old
    per-dialog conversation's integer state n became.
    """

    name: str
    entry_points: Handlers
    states: Mapping[str, Handlers] = field(default_factory=dict)
    fallbacks: Handlers = field(default_factory=list)
    stale: str | None = None
    legacy_states: Sequence[str] = ()


def build_dialogs(dialogs: Sequence[Dialog]) -> ConversationHandler[Any]:
    """The one ConversationHandler of `dialogs` (see the module docstring)."""
    states: dict[object, Handlers] = {}
    for dialog in dialogs:
        for state, handlers in dialog.states.items():
            if state in states:
                raise ValueError(f"state {state!r} of dialog {dialog.name!r} is not unique")
            states[state] = [*handlers, *dialog.fallbacks]
    # Buttons are tracked per chat on purpose: only the latest step's buttons matter, so PTB's
    # per_message advice is silenced here once.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=[entry for dialog in dialogs for entry in dialog.entry_points],
            states=states,
            fallbacks=[],
            name=DIALOG,
            persistent=True,
            allow_reentry=True,
        )


def legacy_state(dialogs: Sequence[Dialog]) -> Callable[[str, object], object | None]:
    """Old conversation name and integer state -> the state in the one handler (None: drop)."""
    by_name = {dialog.name: dialog.legacy_states for dialog in dialogs}

    def convert(name: str, state: object) -> object | None:
        steps = by_name.get(name, ())
        if isinstance(state, int) and not isinstance(state, bool) and 0 <= state < len(steps):
            return steps[state]
        return None

    return convert


def add_dialogs(app: Application, dialogs: Sequence[Dialog]) -> None:  # type: ignore[type-arg]
    """Register the one dialog handler (before the features, so it sees its answers first)."""
    if isinstance(app.persistence, DatabasePersistence):
        app.persistence.merge_conversations(
            DIALOG, [d.name for d in dialogs if d.legacy_states], legacy_state(dialogs)
        )
    app.add_handler(build_dialogs(dialogs))


def add_stale_alerts(app: Application, dialogs: Sequence[Dialog]) -> None:  # type: ignore[type-arg]
    """Register each dialog's alert for its buttons pressed once it is over: after every
    feature, so a button of the same prefix that a feature handles (📂 查看案例 …) reaches it."""
    for dialog in dialogs:
        if dialog.stale is not None:
            app.add_handler(
                CallbackQueryHandler(_stale_alert(dialog.stale), pattern=rf"^{dialog.name}:")
            )


def _stale_alert(text: str) -> Callable[[Update, HRContext], Awaitable[None]]:
    async def on_stale_button(update: Update, context: HRContext) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer(text, show_alert=True)

    return on_stale_button
