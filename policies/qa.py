"""Answering policy questions in Chinese by retrieval over the question entries of the library.

Questions are segmented with jieba and ranked with BM25 (rank_bm25) against every phrasing of
every entry; the winning entry's answer template is filled with the figures of the version in
force for the asker's city. Nothing is generated: when no entry fits well enough we say so and
offer topics, because an invented rule is worse than no answer. Unconfirmed (U) figures are
marked 未确认 in the text, and every answer names its version and sources with their dates.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import re
import threading
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import jieba
import jieba.posseg
from rank_bm25 import BM25Okapi

from policies.library import (
    PolicyLibrary,
    RegionPolicy,
    placeholders,
    resolve_field,
)
from policies.schema import (
    TOPICS,
    DeadlineRule,
    Figure,
    PolicyVersion,
    QuestionEntry,
    Source,
    Sourced,
)

# jieba logs "Building prefix dict…" to stderr on first use; keep tests and the bot quiet.
jieba.setLogLevel(logging.WARNING)

MIN_SCORE = 1.5
"""Lowest BM25 score accepted as an answer (measured on the shipped entries, see tests)."""
MIN_COVERAGE = 0.5
"""Share of the question's content words that must occur in the chosen entry's phrasings."""

_SYNONYMS = {
    "医疗保险": "医保",
    "社会保险": "社保",
    "住房公积金": "公积金",
    "补交": "补缴",
    "补办": "补缴",
    "晚交": "逾期",
    "迟交": "逾期",
    "晚缴": "逾期",
    "断交": "断缴",
    "停缴": "断缴",
    "漏缴": "补缴",
    "漏交": "补缴",
    "费率": "比例",
}
_DOMAIN_WORDS = ["滞纳金", "跨年", "补缴", "断缴", "公积金", "缴费基数", "基数", "医保", "社保",
                 "等待期", "截止", "补差", "逾期", "工伤", "失业", "养老", "生育", "参保", "登记",
                 "上下限", "下限", "上限", "比例", "材料", "贷款", "报销", "自助"]
_ANCHORS = frozenset(
    "滞纳金 滞纳 补缴 跨年 断缴 医保 公积金 公积 积金 基数 缴费基数 比例 社保 养老 失业 工伤 生育 "
    "参保 登记 缴费 缴存 等待期 报销 补差 截止 逾期 贷款 保险 入职 扣款 缴款 上下限 下限 上限 材料"
    .split()
)
"""Social-insurance words: an answer needs one of them shared with the question, so that
"个税怎么申报" or "公司注销流程" are not answered from a 社保 entry that shares "申报"/"流程"."""
_STOPWORDS = frozenset(
    "怎么 怎么办 怎样 如何 什么 多少 多久 几个 几号 哪些 是否 需要 要 吗 呢 的 了 请问 我 我们 "
    "公司 单位 员工 有 没有 可以 能 还 会 是 交 缴 个 一下 现在 今年 这个 那 和 与 及 在 到 给 "
    "么 吧 啊 呀 么样 应该 该 哪里 谁".split()
)
_PUNCTUATION = re.compile(r"^[\W_]+$")
_NOT_CITIES = frozenset({"中国", "全国", "国家", "中华人民共和国", "本地", "当地", "外地"})


@dataclass(frozen=True)
class Answer:
    """An answer from the policy data, with what it rests on."""

    question: str
    region: RegionPolicy
    version: PolicyVersion
    topic: str
    entry_id: str
    body: str
    sources: tuple[Source, ...]
    unconfirmed: bool
    score: float
    caveats: tuple[str, ...] = ()
    """Why figures marked 未确认 are unconfirmed (one line each, no repeats)."""
    uncovered_city: str | None = None
    """A place named in the question that the library has no file for (answered nationally)."""
    other_cities: tuple[str, ...] = ()
    """Further library cities named in the question; the answer is for the first one only."""

    @property
    def other_cities_notice(self) -> str | None:
        if not self.other_cities:
            return None
        others = "、".join(self.other_cities)
        return (f"您的问题提到了{self.region.city}和{others}，以下按{self.region.city}回答；"
                f"{others}的情况请单独提问，例如“{self.other_cities[0]}{self.topic_label}”。")

    @property
    def uncovered_notice(self) -> str | None:
        if not self.uncovered_city:
            return None
        return (f"政策库未收录{self.uncovered_city}的政策，以下按全国通用规则回答，"
                f"当地费率与办理要求请向{self.uncovered_city}经办机构确认。")

    @property
    def topic_label(self) -> str:
        return TOPICS.get(self.topic, self.topic)

    @property
    def version_line(self) -> str:
        return f"{self.version.label}，{self.version.effective_from.isoformat()}起施行"

    @property
    def source_lines(self) -> list[str]:
        return [f"{s.name}（{s.date_text}）" for s in self.sources]

    @property
    def text(self) -> str:
        """Plain text of the whole answer (callers escape it for HTML)."""
        lines = [f"【{self.region.city}·{self.topic_label}】"]
        if self.uncovered_notice:
            lines.append(self.uncovered_notice)
        if self.other_cities_notice:
            lines.append(self.other_cities_notice)
        lines += [self.body, "", f"依据：{self.version_line}"]
        if self.version.note:
            lines.append(f"说明：{self.version.note}")
        if self.sources:
            lines.append("来源：" + "；".join(self.source_lines))
        if self.unconfirmed:
            lines.extend(f"未确认：{caveat}" for caveat in self.caveats)
            lines.append(UNCONFIRMED_NOTICE)
        return "\n".join(lines)


UNCONFIRMED_NOTICE = ("标注“未确认”的内容尚未经官方文件核实，请以当地人社局、医保局、税务局"
                      "或公积金中心的答复为准。")


@dataclass(frozen=True)
class NoAnswer:
    """No entry fits; carries topics to offer as buttons."""

    question: str
    region: RegionPolicy | None
    suggestions: tuple[str, ...]
    only_city: bool = False
    """The question named a library city and nothing else (e.g. “上海”): offer its topics."""

    @property
    def text(self) -> str:
        return ("抱歉，政策库里没有与您的问题相符的条目，为避免误导不作推测。"
                "请换个说法，或选择下面的主题：")

    def suggestion_labels(self) -> list[tuple[str, str]]:
        return [(key, TOPICS[key]) for key in self.suggestions]


@dataclass(frozen=True)
class _Document:
    region_key: str
    entry: QuestionEntry


@functools.cache
def _segmenter() -> tuple[jieba.Tokenizer, jieba.posseg.POSTokenizer]:
    """One jieba dictionary per process (loading it takes about a second), with our words."""
    tokenizer = jieba.Tokenizer()
    for word in _DOMAIN_WORDS:
        tokenizer.add_word(word, freq=100_000)
    tokenizer.initialize()
    return tokenizer, jieba.posseg.POSTokenizer(tokenizer)


class PolicyQA:
    """Retrieval index over the question entries of one library (build once, reuse)."""

    def __init__(self, library: PolicyLibrary) -> None:
        self.library = library
        self._tokenizer, self._tagger = _segmenter()
        # one-character short names (京, 沪) would match inside other places (南京)
        self._city_names = {name: key for name, key in library.city_aliases().items()
                            if len(name) >= 2}
        self._documents: list[_Document] = []
        corpus: list[list[str]] = []
        self._entry_vocabulary: dict[tuple[str, str], set[str]] = {}
        for region in library.regions.values():
            for entry in region.questions:
                vocabulary = self._entry_vocabulary.setdefault((region.key, entry.id), set())
                for variant in entry.variants:
                    tokens = self.tokens(variant)
                    vocabulary.update(tokens)
                    self._documents.append(_Document(region.key, entry))
                    corpus.append(tokens)
        self._bm25 = BM25Okapi(corpus)

    # -- text handling ---------------------------------------------------------------------

    def tokens(self, text: str) -> list[str]:
        """Content words: synonyms unified; city names, stop words and punctuation removed."""
        text = text.lower()
        for name in self._city_names:
            text = text.replace(name.lower(), " ")
        for word, canonical in _SYNONYMS.items():
            text = text.replace(word, canonical)
        words = []
        for word in self._tokenizer.lcut_for_search(text):
            word = word.strip()
            if not word or word in _STOPWORDS or _PUNCTUATION.match(word):
                continue
            if len(word) == 1 and not word.isdigit():
                continue
            words.append(word)
        return words

    def uncovered_place(self, text: str) -> str | None:
        """A place name (jieba tag ns) in ``text`` that no region covers, e.g. 南京."""
        for pair in self._tagger.lcut(text):
            word, flag = pair.word, pair.flag
            if flag.startswith("ns") and word not in _NOT_CITIES:
                return word.removesuffix("市") if len(word) > 2 else word
        return None

    def recognise_city(self, text: str) -> RegionPolicy | None:
        """The library city named first in ``text`` (by position, not by library order)."""
        named = self.cities_in(text)
        return named[0] if named else None

    def cities_in(self, text: str) -> list[RegionPolicy]:
        """Every library city named in ``text``, once each, in the order they are named."""
        lowered = text.lower()
        first_at: dict[str, int] = {}
        for name, key in self._city_names.items():
            position = lowered.find(name.lower())
            if position >= 0 and position < first_at.get(key, len(lowered)):
                first_at[key] = position
        return [self.library.regions[key] for key in sorted(first_at, key=first_at.__getitem__)]

    # -- answering -------------------------------------------------------------------------

    def answer(self, question: str, default_city: str | None = None, *,
               today: date) -> Answer | NoAnswer:
        """Answer ``question`` for the city named in it, else ``default_city``, else national."""
        uncovered = None
        named = self.cities_in(question)
        region = named[0] if named else None
        text = question
        if region is None:
            uncovered = self.uncovered_place(question)
            region = (self.library.national if uncovered
                      else self.library.region_or_national(default_city))
            if uncovered:
                # the place name is not a content word: 南京断缴 should match like 断缴
                text = text.replace(f"{uncovered}市", " ").replace(uncovered, " ")
            if uncovered is None and default_city and region.is_national:
                uncovered = default_city
        query = self.tokens(text)
        if not query:
            return NoAnswer(question, region, self._suggestions(region),
                            only_city=bool(named))
        scores = self._bm25.get_scores(query)
        best: tuple[float, int, _Document] | None = None
        for index, document in enumerate(self._documents):
            if document.region_key not in (region.key, "national"):
                continue
            # a region's own entry wins a tie over the national one
            rank = (float(scores[index]), int(document.region_key == region.key))
            if best is None or rank > best[:2]:
                best = (rank[0], rank[1], document)
        if best is None:
            return NoAnswer(question, region, self._suggestions(region))
        score, _, document = best
        vocabulary = self._entry_vocabulary[(document.region_key, document.entry.id)]
        shared = set(query) & vocabulary
        coverage = len(shared) / len(set(query))
        if score < MIN_SCORE or coverage < MIN_COVERAGE or not shared & _ANCHORS:
            return NoAnswer(question, region, self._suggestions(region))
        answer = render_answer(question, region, document.entry, today, score=score)
        others = tuple(other.city for other in named[1:])
        return dataclasses.replace(answer, uncovered_city=uncovered, other_cities=others)

    def answer_topic(self, topic: str, city: str | None, *, today: date) -> Answer:
        """The first entry of ``topic`` for the city (used by topic buttons)."""
        region = self.library.region_or_national(city)
        for candidate in (region, self.library.national):
            for entry in candidate.questions:
                if entry.topic == topic:
                    return render_answer(TOPICS.get(topic, topic), region, entry, today)
        raise KeyError(topic)

    def _suggestions(self, region: RegionPolicy | None) -> tuple[str, ...]:
        topics: list[str] = []
        for candidate in (region, self.library.national):
            if candidate is None:
                continue
            for entry in candidate.questions:
                if entry.topic not in topics:
                    topics.append(entry.topic)
        return tuple(t for t in TOPICS if t in topics)


def render_answer(question: str, region: RegionPolicy, entry: QuestionEntry, today: date,
                  *, score: float = 0.0) -> Answer:
    """Fill ``entry``'s template with the figures of the version in force on ``today``."""
    version = region.version_for(today)
    sources: dict[tuple[str, str], Source] = {(s.name, s.dated): s for s in entry.sources}
    caveats: dict[str, None] = {}
    unconfirmed = False

    def fill(match: re.Match[str]) -> str:
        nonlocal unconfirmed
        item = resolve_field(version, match.group(1))
        if isinstance(item, Sourced):
            sources.setdefault((item.source.name, item.source.dated), item.source)
            if item.unconfirmed:
                unconfirmed = True
                if item.note:
                    caveats.setdefault(item.note)
        return render_item(match.group(1), item)

    body = re.sub(r"\{([a-z_]+(?:\.[a-z_]+)*)\}", fill, entry.answer)
    if not placeholders(entry.answer):
        # a fixed statement rests on its own cited sources, else on the version as a whole
        unconfirmed = not entry.sources and version.unconfirmed
    return Answer(question=question, region=region, version=version, topic=entry.topic,
                  entry_id=entry.id, body=body, sources=tuple(sources.values()),
                  unconfirmed=unconfirmed, score=score, caveats=tuple(caveats))


_RATE_FIELDS = {"employer", "employee", "daily_rate", "rate_min", "rate_max"}


def render_item(path: str, item: Any) -> str:
    """Chinese rendering of one field, with 未确认 when it is not confirmed."""
    if isinstance(item, DeadlineRule):
        text = (f"每月{item.day}日" if item.kind == "day_of_month"
                else "每月倒数第二个工作日")
    elif isinstance(item, Figure):
        text = item.display or _render_value(path.rsplit(".", 1)[-1], item.value)
    else:
        return str(item)
    if item.unconfirmed:
        text += "（未确认）"
    return text


def _render_value(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "".join(f"\n{n}. {line}" for n, line in enumerate(value, start=1))
    if isinstance(value, Decimal):
        if name in _RATE_FIELDS:
            return f"{(value * 100).normalize():f}%"
        return format_yuan(value)
    if name == "charged_on":
        return "欠缴的单位和个人部分合计" if value == "total" else "欠缴的单位部分"
    return str(value)


def format_yuan(amount: Decimal) -> str:
    """¥1,200.00"""
    return f"¥{amount:,.2f}"


_CACHE: dict[int, tuple[PolicyLibrary, PolicyQA]] = {}
_CACHE_LOCK = threading.Lock()


def qa_for(library: PolicyLibrary) -> PolicyQA:
    """The index for ``library``, built once per library object."""
    with _CACHE_LOCK:
        cached = _CACHE.get(id(library))
        if cached is not None and cached[0] is library:
            return cached[1]
        qa = PolicyQA(library)
        if len(_CACHE) >= 4:
            _CACHE.clear()
        _CACHE[id(library)] = (library, qa)
        return qa


def answer(question: str, default_city: str | None, *, library: PolicyLibrary,
           today: date) -> Answer | NoAnswer:
    """Answer a policy question from ``library`` (see ``PolicyQA.answer``)."""
    return qa_for(library).answer(question, default_city, today=today)
