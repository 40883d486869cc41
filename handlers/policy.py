"""/policy, free-text policy questions in private chats, topic buttons and /policy_version."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.callbacks import PolicyTopic, matching
from bot.context import HRContext
from bot.render import render
from bot.services import policy_qa
from bot.services.policy_qa import policy_store
from handlers.common import pressed, reply, show_choice
from handlers.employees import answer_employee_question
from policies.qa import UNCONFIRMED_NOTICE, Answer, Comparison, NoAnswer
from policies.schema import TOPICS
from policies.timezones import today_in

TOPICS_PER_ROW = 3


def _topic_buttons(topics: list[str] | tuple[str, ...], region_key: str) -> list[list[
        tuple[str, str]]]:
    buttons = [(TOPICS[t], PolicyTopic(t, region_key).data) for t in topics]
    return [buttons[i : i + TOPICS_PER_ROW] for i in range(0, len(buttons), TOPICS_PER_ROW)]


async def _send_result(update: Update, result: Answer | NoAnswer | Comparison,
                       default_city: str) -> None:
    if isinstance(result, Answer):
        await reply(update, render("policy_answer", a=result, notice=UNCONFIRMED_NOTICE))
        return
    if isinstance(result, Comparison):
        await reply(update, render("policy_compare", c=result, notice=UNCONFIRMED_NOTICE))
        return
    region = result.region
    city = region.city if region is not None and not region.is_national else default_city
    key = region.key if region is not None else "national"
    template = "policy_prompt" if result.only_city else "policy_no_answer"
    await reply(update, render(template, city=city),
                _topic_buttons(result.suggestions, key))


async def _ask(update: Update, context: HRContext, question: str) -> None:
    user = update.effective_user
    assert user is not None
    services = context.services
    result = policy_qa.ask(policy_store(services), services.engine, user.id, question,
                           services.clock.now())
    asker = policy_qa.asker_context(services.engine, user.id)
    await _send_result(update, result, asker.city or "北京")


async def cmd_policy(update: Update, context: HRContext) -> None:
    """`/policy 问题` answers at once; `/policy` alone offers topics."""
    question = " ".join(context.args or []).strip()
    if question:
        await _ask(update, context, question)
        return
    user = update.effective_user
    assert user is not None
    asker = policy_qa.asker_context(context.services.engine, user.id)
    library = policy_store(context.services).library
    region = library.region_or_national(asker.city)
    city = region.city if not region.is_national else (asker.city or "北京")
    topics = [t for t in TOPICS if any(q.topic == t for q in library.national.questions)]
    await reply(update, render("policy_prompt", city=city), _topic_buttons(topics, region.key))


async def on_free_text(update: Update, context: HRContext) -> None:
    """A question typed in a private chat while no conversation is running."""
    assert update.message is not None and update.message.text is not None
    if await answer_employee_question(update, context, update.message.text):
        return  # an employee asking what their own gap means: the personal answer
    await _ask(update, context, update.message.text)


async def on_topic(update: Update, context: HRContext) -> None:
    button = pressed(update, PolicyTopic)
    if button.topic not in TOPICS:
        assert update.callback_query is not None
        await update.callback_query.answer("该按钮已失效，请重新提问。")
        return
    topic, region_key = button.topic, button.region
    services = context.services
    library = policy_store(services).library
    region = library.regions.get(region_key, library.national)
    user = update.effective_user
    assert user is not None
    await show_choice(update, f"主题：<b>{TOPICS[topic]}</b>（{region.city}）")
    answer = policy_qa.answer_topic(policy_store(services), services.engine, user.id, topic,
                                    region.city, services.clock.now())
    await reply(update, render("policy_answer", a=answer, notice=UNCONFIRMED_NOTICE))


async def cmd_policy_version(update: Update, context: HRContext) -> None:
    """What is in force today for every city, with details for the asker's city."""
    user = update.effective_user
    assert user is not None
    services = context.services
    asker = policy_qa.asker_context(services.engine, user.id)
    today = today_in(asker.timezone, services.clock.now())
    library = policy_store(services).library
    wanted = " ".join(context.args or []).strip() or asker.city
    await reply(update, render("policy_version", today=today,
                               **policy_qa.versions_in_force(library, wanted, today)))


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Load the policy library at start and register the handlers (free text last)."""
    app.add_handler(CommandHandler("policy", cmd_policy))
    app.add_handler(CommandHandler("policy_version", cmd_policy_version))
    app.add_handler(CallbackQueryHandler(on_topic, pattern=matching(PolicyTopic)))
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND,
                                   on_free_text))

