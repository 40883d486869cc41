"""Policy questions in chat: free text and /policy, topic buttons, /policy_version."""

from __future__ import annotations

import pytest
from harness import HR, OTHER_HR, BotHarness

from bot.services import onboarding
from models.company import Role

EMPLOYEE = 3001

# (asker, question, expected city, words the answer must contain)
QUESTIONS = [
    (HR, "北京跨年补缴需要什么材料", "北京", ["跨年补缴材料", "个税完税证明"]),
    (HR, "上海滞纳金怎么算", "上海", ["0.05%", "每月倒数第二个工作日"]),
    (HR, "医保断缴三个月有什么影响", "北京", ["3个月", "等待期"]),
    (HR, "广州补缴要滞纳金吗", "广州", ["补缴是否加收滞纳金：是"]),
    (HR, "社保缴费基数是多少", "北京", ["¥7,270.00", "¥36,348.00", "京人社发〔2026〕7号"]),
    (HR, "每月几号前交社保", "北京", ["每月25日"]),
    (HR, "上海补缴超过6个月怎么办", "上海", ["区社保中心"]),
    (OTHER_HR, "公积金比例是多少", "上海", ["5%", "7%"]),
    (OTHER_HR, "养老保险单位交多少", "上海", ["16%", "8%"]),
    (OTHER_HR, "深圳补缴最多能补几年", "深圳", ["两年强制追缴时效"]),
    (EMPLOYEE, "医保断了还能报销吗", "北京", ["断缴"]),
    (EMPLOYEE, "新员工入职多久要交社保", "北京", ["30日内", "第58条"]),
]


async def setup_people(bot: BotHarness) -> None:
    company = await bot.join_as_hr(HR)
    await bot.join_as_hr(OTHER_HR, company="沪上咖啡", city="上海")
    invite = onboarding.create_invite(bot.engine, company, now=bot.clock.now(), valid_days=7,
                                      role=Role.EMPLOYEE)
    replies = await bot.say(EMPLOYEE, f"/start {invite.code}")
    assert "已加入" in replies[0].text


@pytest.mark.parametrize(("asker", "question", "city", "words"), QUESTIONS,
                         ids=[q for _, q, _, _ in QUESTIONS])
async def test_questions_are_answered_from_the_policy_data(bot: BotHarness, asker, question,
                                                           city, words) -> None:
    await setup_people(bot)
    answer = (await bot.say(asker, question))[0].text
    assert answer.startswith(f"📖 {city}·"), answer
    for word in words:
        assert word in answer, (word, answer)
    assert "依据" in answer and "起施行" in answer
    assert "来源日期" in answer and "核对日期 2026-11-25" not in answer


async def test_policy_command_with_a_question(bot: BotHarness) -> None:
    await setup_people(bot)
    answer = (await bot.say(HR, "/policy 杭州社保缴费基数是多少"))[0].text
    assert answer.startswith("📖 杭州·缴费基数")
    assert "杭州2026年度（未公布，沿用2025年度）" in answer
    assert "¥4,986.00（未确认）" in answer
    assert "2026年度基数未公布，沿用2025年度" in answer


async def test_unknown_question_says_so_and_offers_topics(bot: BotHarness) -> None:
    await setup_people(bot)
    replies = await bot.say(HR, "公司年会在哪里办")
    refusal = replies[0].text
    assert "没有与您的问题相符的条目" in refusal and "不作推测" in refusal
    labels = [label for label, _ in replies[0].buttons]
    assert {"跨年补缴材料", "滞纳金", "医保断缴影响"} <= set(labels)
    answer = (await bot.press(HR, "跨年补缴材料"))[0].text
    assert answer.startswith("📖 北京·跨年补缴材料")
    assert any(m.text == "主题：跨年补缴材料（北京）" for m in bot.api.sent(HR) if m.edits)


async def test_policy_alone_offers_topics_for_the_company_city(bot: BotHarness) -> None:
    await setup_people(bot)
    replies = await bot.say(OTHER_HR, "/policy")
    assert "上海跨年补缴需要什么材料" in replies[0].text
    answer = (await bot.press(OTHER_HR, "滞纳金"))[0].text
    assert answer.startswith("📖 上海·滞纳金")


async def test_policy_version_shows_what_is_in_force(bot: BotHarness) -> None:
    await setup_people(bot)
    text = (await bot.say(HR, "/policy_version"))[0].text
    assert "2026-12-01（周二）" in text
    for city in ("全国", "北京", "上海", "广州", "深圳", "杭州", "成都"):
        assert f"{city}：" in text
    assert "北京：北京2026年度（2026-07-01起） ⚠️ 未确认" in text
    assert "杭州2026年度（未公布，沿用2025年度）" in text
    assert "北京详情" in text and "本月缴费截止：2026-12-25（周五）" in text
    other = (await bot.say(HR, "/policy_version 上海"))[0].text
    assert "上海详情" in other and "2026-12-30（周三）" in other


async def test_free_text_inside_a_conversation_is_not_a_question(bot: BotHarness) -> None:
    await setup_people(bot)
    await bot.say(HR, "/backpay")
    replies = await bot.say(HR, "滞纳金怎么算")          # the conversation expects a base
    assert "不是有效金额" in replies[0].text
    await bot.say(HR, "/cancel")
    answer = (await bot.say(HR, "滞纳金怎么算"))[0].text
    assert answer.startswith("📖 北京·滞纳金")


async def test_questions_in_a_group_are_not_answered_from_free_text(bot: BotHarness) -> None:
    await setup_people(bot)
    group = -100123
    bot.api.send_message(HR, "北京跨年补缴需要什么材料", chat_id=group, chat_type="group")
    # updates are handled in order: once the private question is answered, the group one was
    # seen and ignored
    assert (await bot.say(HR, "上海滞纳金怎么算"))[0].text.startswith("📖 上海")
    assert bot.api.sent(group) == []


async def test_a_city_outside_the_library_is_answered_nationally_and_said_so(
        bot: BotHarness) -> None:
    await setup_people(bot)
    answer = (await bot.say(HR, "南京补缴要滞纳金吗"))[0].text
    assert answer.startswith("📖 全国·滞纳金")
    assert "政策库未收录南京的政策" in answer
