"""Telegram's HTML subset, re-written for a group robot's markdown or plain text.

Every notification is rendered once from its template as Telegram HTML (<b> <i> <u> <s>
<code> <pre> <a href>, entities escaped). Robots cannot read that HTML, so this module parses
it (stdlib `html.parser`, which decodes entities and tolerates broken markup) into a small
tree and writes it in one of three flavours:

- WeCom markdown: `**bold**`, `` `code` ``, `[label](url)`; its documented subset has no
  italic, underline or strike, so those keep their text only.
  https://developer.work.weixin.qq.com/document/path/91770 (群机器人配置说明, markdown类型)
- DingTalk markdown: `**bold**`, `*italic*`, `[label](url)`; a line break needs a blank line
  (DingTalk joins single newlines), code is shown as plain text.
  https://open.dingtalk.com/document/orgapp/custom-bot-send-message-type
- plain text (Feishu): no markup at all; a link keeps its label and shows its address after it.

User text inside a message (names, departments) must not turn into markup: neither vendor
documents backslash escapes, so a markdown special in the text is replaced by its full-width
twin (＊ ＿ ［ ］ ｀ ＜ ＞ ＃ ｜ ～), which reads the same and cannot be parsed as syntax.
Robots cannot take a button press, so each action with a deep-link payload becomes a link
back to the Telegram bot (https://t.me/<bot>?start=<payload>); an action without one is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from html.parser import HTMLParser

from bot.channels.base import Action


class Flavour(StrEnum):
    WECOM = "wecom"
    DINGTALK = "dingtalk"
    PLAIN = "plain"


_STYLE_TAGS = {"b": "b", "strong": "b", "i": "i", "em": "i", "u": "u", "ins": "u",
               "s": "s", "strike": "s", "del": "s", "code": "code", "pre": "pre", "a": "a"}

#: Characters that could start markdown (or, in WeCom, HTML such as <font>) in user text.
_MARKDOWN_TWINS = str.maketrans({
    "*": "＊", "_": "＿", "[": "［", "]": "］", "`": "｀", "<": "＜", ">": "＞",
    "#": "＃", "|": "｜", "~": "～", "\\": "＼",
})

#: Telegram deep-link payloads: 1–64 of A–Z a–z 0–9 _ -
#: (https://core.telegram.org/bots/features#deep-linking).
_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")
_BOT_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")


@dataclass
class _Node:
    tag: str  # "" for the root, else one of _STYLE_TAGS' values
    href: str = ""
    children: list[_Node | str] = field(default_factory=list)


class _TreeBuilder(HTMLParser):
    """Builds the style tree; unknown tags keep their text, `<br>` is a newline."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("")
        self._stack: list[_Node] = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._stack[-1].children.append("\n")
            return
        kind = _STYLE_TAGS.get(tag)
        if kind is None:
            return
        href = next((value or "" for name, value in attrs if name == "href"), "")
        node = _Node(kind, href=href)
        self._stack[-1].children.append(node)
        self._stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._stack[-1].children.append("\n")

    def handle_endtag(self, tag: str) -> None:
        kind = _STYLE_TAGS.get(tag)
        if kind is None:
            return
        # close up to the matching open tag; a stray end tag is ignored
        for depth in range(len(self._stack) - 1, 0, -1):
            if self._stack[depth].tag == kind:
                del self._stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self._stack[-1].children.append(data)


def parse(html_text: str) -> _Node:
    builder = _TreeBuilder()
    builder.feed(html_text)
    builder.close()
    return builder.root


def plain_text(html_text: str) -> str:
    """The text a reader sees, entities decoded, every tag gone (titles, previews)."""
    return "".join(_texts(parse(html_text)))


def _texts(node: _Node) -> Iterable[str]:
    for child in node.children:
        if isinstance(child, str):
            yield child
        else:
            yield from _texts(child)


def escape_markdown(text: str) -> str:
    """User text made inert in WeCom / DingTalk markdown (see the module docstring)."""
    return text.translate(_MARKDOWN_TWINS)


def deep_link(bot_username: str, payload: str) -> str:
    if not _BOT_USERNAME.fullmatch(bot_username):
        raise ValueError("not a Telegram bot username")
    if not _PAYLOAD.fullmatch(payload):
        raise ValueError("deep-link payload must be 1-64 of A-Z a-z 0-9 _ -")
    return f"https://t.me/{bot_username}?start={payload}"


@dataclass(frozen=True)
class Link:
    label: str
    url: str


def action_links(actions: Iterable[Action], bot_username: str) -> list[Link]:
    """Each action that has a deep-link form, as a link back to the bot; others are dropped."""
    return [
        Link(action.label, deep_link(bot_username, action.start_payload))
        for action in actions
        if action.start_payload
    ]


def _safe_href(href: str) -> str:
    """A link target that cannot close the markdown link early or start a script."""
    href = href.strip()
    if not re.match(r"https?://", href, flags=re.IGNORECASE):
        return ""
    return href.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def _wrap_lines(inner: str, left: str, right: str) -> str:
    """Markdown emphasis never spans lines: wrap each line's non-blank text separately."""
    lines = []
    for line in inner.split("\n"):
        stripped = line.strip()
        if not stripped:
            lines.append(line)
            continue
        start = line.index(stripped[0])
        lines.append(f"{line[:start]}{left}{stripped}{right}{line[start + len(stripped):]}")
    return "\n".join(lines)


def _render(node: _Node, flavour: Flavour) -> str:
    parts: list[str] = []
    for child in node.children:
        if isinstance(child, str):
            parts.append(child if flavour is Flavour.PLAIN else escape_markdown(child))
        else:
            parts.append(_render_styled(child, flavour))
    return "".join(parts)


def _render_styled(node: _Node, flavour: Flavour) -> str:
    inner = _render(node, flavour)
    if not inner.strip():
        return inner
    tag = node.tag
    if tag == "a":
        href = _safe_href(node.href)
        if not href:
            return inner
        if flavour is Flavour.PLAIN:
            return inner if inner.strip() == href else f"{inner}（{href}）"
        return f"[{inner.strip()}]({href})"
    if flavour is Flavour.PLAIN:
        return inner
    if tag == "b":
        return _wrap_lines(inner, "**", "**")
    if tag == "i" and flavour is Flavour.DINGTALK:
        return _wrap_lines(inner, "*", "*")
    if tag in ("code", "pre") and flavour is Flavour.WECOM:
        return _wrap_lines(inner, "`", "`")
    return inner


def to_flavour(html_text: str, flavour: Flavour) -> str:
    """The message body (without actions) in `flavour`, trimmed of blank edges."""
    text = _render(parse(html_text), flavour).strip("\n")
    if flavour is Flavour.DINGTALK:
        # DingTalk's renderer joins single newlines; a blank line keeps one fact a line.
        text = re.sub(r"\n+", "\n\n", text)
    return text


def links_block(links: Iterable[Link], flavour: Flavour) -> str:
    """The actions as lines of links under the body."""
    lines = []
    for link in links:
        if flavour is Flavour.PLAIN:
            lines.append(f"{link.label}：{link.url}")
        else:
            lines.append(f"[{escape_markdown(link.label)}]({link.url})")
    separator = "\n\n" if flavour is Flavour.DINGTALK else "\n"
    return separator.join(lines)


def truncate_utf8(text: str, limit: int, *, ellipsis: str = "…") -> str:
    """At most `limit` UTF-8 bytes (vendors count bytes), cut on a character boundary."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    room = limit - len(ellipsis.encode("utf-8"))
    return data[:room].decode("utf-8", errors="ignore") + ellipsis
