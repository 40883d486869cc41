"""Telegram HTML → robot markdown / plain text (bot/channels/markup.py)."""

from __future__ import annotations

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.channels.base import Action
from bot.channels.markup import (
    Flavour,
    action_links,
    deep_link,
    escape_markdown,
    plain_text,
    to_flavour,
    truncate_utf8,
)

REMINDER = (
    "⏰ 社保登记提醒\n员工 <b>陈明远</b>（后厨）入职已满 <b>23</b> 天。\n"
    "请于 <b>2026-12-31（周四）</b> 前完成社保登记与12月缴费，剩余 7 天。"
)


def test_wecom_markdown_keeps_bold_and_lines() -> None:
    assert to_flavour(REMINDER, Flavour.WECOM) == (
        "⏰ 社保登记提醒\n员工 **陈明远**（后厨）入职已满 **23** 天。\n"
        "请于 **2026-12-31（周四）** 前完成社保登记与12月缴费，剩余 7 天。"
    )


def test_dingtalk_markdown_separates_lines_with_a_blank_line() -> None:
    text = to_flavour(REMINDER, Flavour.DINGTALK)
    assert text.split("\n\n")[0] == "⏰ 社保登记提醒"
    assert "**陈明远**" in text and "\n\n请于 **2026-12-31（周四）**" in text


def test_plain_drops_every_tag() -> None:
    assert to_flavour(REMINDER, Flavour.PLAIN) == plain_text(REMINDER)
    assert "<" not in to_flavour(REMINDER, Flavour.PLAIN)


def test_entities_are_decoded() -> None:
    source = "A &amp; B &lt;x&gt; &quot;q&quot; &#39;s&#39; &#x4E2D;"
    assert to_flavour(source, Flavour.PLAIN) == "A & B <x> \"q\" 's' 中"
    # in markdown the decoded < and > are made inert (WeCom reads <font> as HTML)
    assert to_flavour(source, Flavour.WECOM) == "A & B ＜x＞ \"q\" 's' 中"


def test_user_text_cannot_become_markdown() -> None:
    name = html.escape("*张*_三_ [x](https://evil.example) `c` # h <font color=\"warning\">")
    for flavour in (Flavour.WECOM, Flavour.DINGTALK):
        text = to_flavour(f"员工 <b>{name}</b>", flavour)
        assert text.startswith("员工 **") and text.endswith("**")
        inner = text.removeprefix("员工 **").removesuffix("**")
        assert not set(inner) & set("*_[]`#<>"), inner


def test_links_styles_and_code() -> None:
    source = ('<i>斜</i> <u>下</u> <s>删</s> <code>x1</code> '
              '<a href="https://example.com/a b">链接</a>')
    assert to_flavour(source, Flavour.WECOM) == (
        "斜 下 删 `x1` [链接](https://example.com/a%20b)")
    assert to_flavour(source, Flavour.DINGTALK) == (
        "*斜* 下 删 x1 [链接](https://example.com/a%20b)")
    assert to_flavour(source, Flavour.PLAIN) == "斜 下 删 x1 链接（https://example.com/a%20b）"


def test_a_link_that_is_not_http_keeps_its_label_only() -> None:
    assert to_flavour('<a href="javascript:alert(1)">点</a>', Flavour.WECOM) == "点"
    assert to_flavour('<a href="tg://user?id=1">点</a>', Flavour.PLAIN) == "点"


def test_bold_over_several_lines_is_closed_on_each_line() -> None:
    assert to_flavour("<b>一\n二</b>", Flavour.WECOM) == "**一**\n**二**"


def test_unknown_and_broken_tags_keep_their_text() -> None:
    assert to_flavour("<tg-spoiler>秘</tg-spoiler> <b>粗", Flavour.WECOM) == "秘 **粗**"
    assert to_flavour("a<br>b</i>c", Flavour.PLAIN) == "a\nbc"


def test_actions_become_deep_links_and_others_are_dropped() -> None:
    actions = (
        Action("📄 查看", "reminders:view:7", start_payload="r7"),
        Action("✅ 已办理", "reminders:done:7"),
    )
    links = action_links(actions, "hr_helper_bot")
    assert [(link.label, link.url) for link in links] == [
        ("📄 查看", "https://t.me/hr_helper_bot?start=r7")]


@pytest.mark.parametrize("payload", ["", "a b", "x" * 65, "r7&x=1"])
def test_deep_link_refuses_a_bad_payload(payload: str) -> None:
    with pytest.raises(ValueError):
        deep_link("hr_helper_bot", payload)


def test_truncate_counts_bytes_and_keeps_characters_whole() -> None:
    text = "社保" * 10
    cut = truncate_utf8(text, 10)
    assert len(cut.encode()) <= 10 and cut.endswith("…")
    assert truncate_utf8("abc", 3) == "abc"


_TAGS = ["b", "i", "u", "s", "code", "pre"]
# any text a user could type (names, departments), escaped the way templates escape it
_user_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


@st.composite
def _html(draw: st.DrawFn) -> tuple[str, list[str]]:
    pieces, raw = [], []
    for _ in range(draw(st.integers(1, 6))):
        text = draw(_user_text)
        raw.append(text)
        tag = draw(st.sampled_from([*_TAGS, ""]))
        escaped = html.escape(text)
        pieces.append(f"<{tag}>{escaped}</{tag}>" if tag else escaped)
    return "".join(pieces), raw


@given(_html())
def test_no_tag_leaks_and_text_survives(case: tuple[str, list[str]]) -> None:
    source, raw = case
    plain = to_flavour(source, Flavour.PLAIN)
    # plain text is exactly the user's text, entities decoded, no tag added
    assert plain == "".join(raw).strip("\n")
    for flavour in (Flavour.WECOM, Flavour.DINGTALK):
        text = to_flavour(source, flavour)
        assert "<" not in text and ">" not in text
        for tag in _TAGS:
            assert f"<{tag}>" not in text


@given(_user_text)
def test_escaped_user_text_has_no_markdown_specials(text: str) -> None:
    assert not set(escape_markdown(text)) & set("*_[]`<>#|~\\")
