"""Answering policy questions in Chinese by retrieval over the question entries of the library.

Questions are normalised (traditional characters, English, colloquial words), cut into domain
words and character bigrams and ranked with BM25 against every phrasing of every entry; the
winning entry's answer template is filled with the figures of the version in force for the city
named in the question (shorthand included), else the asker's city. Two named cities are answered
side by side. Nothing is generated: when no entry fits well enough we say so and
offer topics, because an invented rule is worse than no answer. Unconfirmed (U) figures are
marked 未确认 in the text, and every answer names its version and sources with the sources' own
dates and marks.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from policies.library import (
    CITY_SHORTHAND,
    PolicyLibrary,
    RegionPolicy,
    placeholders,
    resolve_field,
)
from policies.schema import (
    MORE_TOPICS,
    TOPICS,
    Confidence,
    DeadlineRule,
    Figure,
    FirstMonthsRule,
    NewHireCutoff,
    PolicyVersion,
    QuestionEntry,
    Source,
    Sourced,
    weakest,
)

MIN_SCORE = 1.5
"""Lowest BM25 score accepted as an answer (measured with bench/bench_policy_qa.py)."""
MIN_COVERAGE = 0.5
"""Share of the question's content words that must occur in the chosen entry's phrasings."""

_PLACES_FILE = Path(__file__).parent / "data" / "places" / "cn-places.txt"

_SYNONYMS = {
    "医疗保险": "医保",
    "社会保险": "社保",
    "五险一金": "社保 公积金",
    "五险": "社保",
    "住房公积金": "公积金",
    "公基金": "公积金",
    "积金": "公积金",
    "补交": "补缴",
    "补办": "补缴",
    "补齐": "补缴",
    "晚交": "逾期",
    "迟交": "逾期",
    "晚缴": "逾期",
    "迟缴": "逾期",
    "断交": "断缴",
    "停缴": "断缴",
    "断保": "断缴",
    "断了": "断缴",
    "停保": "断缴",
    "漏缴": "补缴",
    "漏交": "补缴",
    "费率": "比例",
    "比列": "比例",
    "社保基数": "缴费基数",
    "最高基数": "基数上限",
    "最低基数": "基数下限",
    "罚多少": "滞纳金",
    "要罚": "滞纳金",
    "啥材料": "材料",
    "资料": "材料",
    "能用": "恢复",
    "等多久": "等待期",
    "缴费比例": "比例",
    "罚金": "滞纳金",
    "滞纳": "滞纳金",
    "上险": "参保",
    "买社保": "交社保",
    "买保险": "交社保",
    "上社保": "交社保",
    "辞职": "离职",
    "离开公司": "离职",
    "走人": "离职",
    "退工": "减员",
    "停保减员": "减员",
    "新员工": "新人",
    "新入职": "新人",
    "刚入职": "新人",
    "新来的": "新人",
    "兼职": "非全日制",
    "小时工": "非全日制",
    "钟点工": "非全日制",
    "实习": "实习生",
    "退休返聘": "返聘",
    "退休人员": "返聘",
    "退休后": "返聘",
    "不想交": "放弃",
    "不要交": "放弃",
    "不愿意交": "放弃",
    "自愿放弃": "放弃",
    "现金补贴": "现金",
    "折现": "现金",
    "发现金": "现金",
    "工资里": "现金",
    "退休金": "养老金",
    "医保卡": "医保",
    "报销": "医保 报销",
    "生孩子": "生育",
    "产检": "生育",
    "生育金": "生育津贴",
}
"""Colloquial and variant words mapped onto the words the entries use."""

_ENGLISH = {
    "social insurance": "社保", "shebao": "社保", "housing fund": "公积金", "hf": "公积金",
    "late fee": "滞纳金", "penalty": "滞纳金", "fine": "罚款", "probation": "试用期",
    "intern": "实习生", "part-time": "非全日制", "part time": "非全日制",
    "medical insurance": "医保", "medical": "医保", "pension": "养老金", "base": "基数",
    "deadline": "截止", "due date": "截止", "backpay": "补缴", "back pay": "补缴",
    "back-pay": "补缴", "resign": "离职", "quit": "离职", "leaving": "离职",
    "maternity": "生育", "unemployment": "失业", "work injury": "工伤", "rate": "比例",
    "rates": "比例", "retiree": "返聘", "new hire": "新人", "onboarding": "新人",
    "register": "登记", "gap": "断缴", "cash": "现金", "illegal": "违法", "cross-year": "跨年",
    "insurance": "保险", "how much": "多少", "when": "什么时候",
}

_TRADITIONAL = str.maketrans(
    "險醫繳會補費納斷積規業傷養職員離試實習們麼嗎報銷時間個幾號應該單務稅資產條這樣還沒關係帶"
    "動勞領請問說與後當續轉戶學買購貸額數級錢給違罰辦證從開發錄歲齡滯門診調準標強處廣滬東蘇"
    "記錯歸讓決責對頭裡麼險齊際標準約聯聘週內種類險參險體現權執見長機構區鄉鎮屬總計礎優惠暫"
    "嗎變遷異動無賠償狀況態響險經營營賬帳網線讀講認識選擇輸閱題聽觸視畫務願棄須協議紙寫簽約",
    "险医缴会补费纳断积规业伤养职员离试实习们么吗报销时间个几号应该单务税资产条这样还没关系带"
    "动劳领请问说与后当续转户学买购贷额数级钱给违罚办证从开发录岁龄滞门诊调准标强处广沪东苏"
    "记错归让决责对头里么险齐际标准约联聘周内种类险参险体现权执见长机构区乡镇属总计础优惠暂"
    "吗变迁异动无赔偿状况态响险经营营账帐网线读讲认识选择输阅题听触视画务愿弃须协议纸写签约",
)
"""Traditional → simplified for the characters HR questions use (no dictionary needed)."""

_DOMAIN_WORDS = (
    "滞纳金", "跨年", "补缴", "断缴", "公积金", "缴费基数", "基数", "医保", "社保", "等待期",
    "截止", "补差", "逾期", "工伤", "失业", "养老金", "养老", "生育津贴", "生育", "参保", "登记",
    "上下限", "下限", "上限", "比例", "材料", "贷款", "报销", "自助", "试用期", "非全日制",
    "实习生", "返聘", "离职", "减员", "增员", "新人", "入职", "放弃", "现金", "违法", "罚款",
    "落户", "购房", "买房", "入学", "上学", "退休", "户籍", "深户", "当月", "补缴后",
)
_ANCHORS = frozenset((
    "滞纳金 补缴 跨年 断缴 医保 公积金 基数 缴费基数 比例 社保 养老 养老金 失业 工伤 生育 "
    "生育津贴 参保 登记 缴费 缴存 等待期 报销 补差 截止 逾期 贷款 保险 入职 扣款 缴款 上下限 下限 "
    "上限 材料 减员 增员"
).split())
"""Social-insurance words: an answer needs one of them shared with the question, so that
"个税怎么申报" or "公司注销流程" are not answered from a 社保 entry that shares "申报"/"流程".
Who-words (试用期, 实习生, 返聘 …) are not anchors: "试用期可以延长吗" is not a 社保 question."""
_STOP_PHRASES = (
    "怎么办", "怎么样", "怎么", "怎样", "如何", "什么", "多少", "多久", "几个", "是否", "需要",
    "请问", "我们", "可以", "一下", "现在", "今年", "这个", "应该", "哪里", "是不是", "有没有",
    "能不能", "要不要", "会不会", "多长时间", "多长", "行不行", "行吗", "咋", "啥", "的话",
    "吗", "呢", "的", "了", "吧", "啊", "呀", "么", "谁", "我",
)
_STOP_TOKENS = frozenset({"公司", "单位", "员工", "职工", "一个", "还有"})
_NOT_CITIES = frozenset({"中国", "全国", "国家", "中华人民共和国", "本地", "当地", "外地"})
_SHORTHAND_FOLLOWERS = frozenset(
    "医社公户地积养失工生基缴交补单个和跟与、，,的市 跨滞每最新离试断")
_CJK = re.compile(r"[\u4e00-\u9fff]+")
_ASCII_WORD = re.compile(r"[a-z0-9]+")


def normalise(text: str) -> str:
    """Width, case, traditional characters, English phrases and colloquial words unified."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_TRADITIONAL)
    for english, chinese in sorted(_ENGLISH.items(), key=lambda kv: -len(kv[0])):
        text = re.sub(rf"(?<![a-z]){re.escape(english)}(?![a-z])", f" {chinese} ", text)
    for word, canonical in _SYNONYMS.items():
        text = text.replace(word, f" {canonical} ")
    return text


@functools.cache
def _places() -> frozenset[str]:
    words: set[str] = set()
    for line in _PLACES_FILE.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            words.update(line.split())
    return frozenset(words)


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
    source_marks: tuple[Confidence, ...] = ()
    """The mark of what each source supports here (parallel to ``sources``)."""
    command: str | None = None
    """The bot command that does what the question asks (/leave, /hire …)."""

    @property
    def uncovered_notice(self) -> str | None:
        if not self.uncovered_city:
            return None
        return (f"政策库未收录{self.uncovered_city}的政策，以下按全国通用规则回答，"
                f"当地费率与办理要求请向{self.uncovered_city}经办机构确认。")

    @property
    def topic_label(self) -> str:
        return TOPICS.get(self.topic) or MORE_TOPICS.get(self.topic, self.topic)

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
class Comparison:
    """The same question answered for several library cities, side by side."""

    question: str
    answers: tuple[Answer, ...]

    @property
    def topic(self) -> str:
        return self.answers[0].topic

    @property
    def topic_label(self) -> str:
        return self.answers[0].topic_label

    @property
    def cities(self) -> list[str]:
        return [a.region.city for a in self.answers]

    @property
    def unconfirmed(self) -> bool:
        return any(a.unconfirmed for a in self.answers)

    @property
    def sources(self) -> tuple[Source, ...]:
        seen: dict[tuple[str, str], Source] = {}
        for one in self.answers:
            for source in one.sources:
                seen.setdefault((source.name, source.dated), source)
        return tuple(seen.values())

    @property
    def text(self) -> str:
        lines = [f"【{'、'.join(self.cities)}对比·{self.topic_label}】"]
        for one in self.answers:
            lines += ["", f"▶ {one.region.city}（{one.version_line}）", one.body]
            lines.extend(f"未确认：{caveat}" for caveat in one.caveats if one.unconfirmed)
        if self.sources:
            lines += ["", "来源：" + "；".join(f"{s.name}（{s.date_text}）" for s in self.sources)]
        if self.unconfirmed:
            lines.append(UNCONFIRMED_NOTICE)
        return "\n".join(lines)


@dataclass(frozen=True)
class _Document:
    region_key: str
    entry: QuestionEntry


class _BM25:
    """Okapi BM25 over short token lists (the same formula as rank_bm25's BM25Okapi).

    A few hundred phrasings need no numpy: plain dictionaries keep the index under a megabyte.
    """

    def __init__(self, corpus: list[list[str]], k1: float = 1.5, b: float = 0.75,
                 epsilon: float = 0.25) -> None:
        self.k1, self.b = k1, b
        self.frequencies = [Counter(document) for document in corpus]
        self.lengths = [len(document) for document in corpus]
        self.average = sum(self.lengths) / max(len(corpus), 1)
        containing: Counter[str] = Counter()
        for frequency in self.frequencies:
            containing.update(frequency.keys())
        count = len(corpus)
        idf = {word: math.log(count - n + 0.5) - math.log(n + 0.5)
               for word, n in containing.items()}
        floor = epsilon * (sum(idf.values()) / len(idf)) if idf else 0.0
        self.idf = {word: (value if value >= 0 else floor) for word, value in idf.items()}

    def scores(self, query: Iterable[str]) -> list[float]:
        words = list(query)
        result = []
        for frequency, length in zip(self.frequencies, self.lengths, strict=True):
            score = 0.0
            norm = self.k1 * (1 - self.b + self.b * length / self.average)
            for word in words:
                f = frequency.get(word)
                if f:
                    score += self.idf[word] * f * (self.k1 + 1) / (f + norm)
            result.append(score)
        return result


def tokens(text: str) -> list[str]:
    """Content words of already normalised text: domain words, character bigrams, ASCII words.

    Character bigrams need no dictionary (jieba's costs 50–160 MB of memory); with the domain
    words and synonyms they keep the benchmark's accuracy (bench/bench_policy_qa.py).
    """
    for phrase in _STOP_PHRASES:
        text = text.replace(phrase, " ")
    words: list[str] = []
    for run in _CJK.findall(text):
        words.extend(w for w in _DOMAIN_WORDS if w in run)
        if len(run) == 1:
            continue
        words.extend(run[i:i + 2] for i in range(len(run) - 1))
    words.extend(w for w in _ASCII_WORD.findall(text) if len(w) > 1 or w.isdigit())
    return [w for w in words if w not in _STOP_TOKENS]


class PolicyQA:
    """Retrieval index over the question entries of one library (build once, reuse)."""

    def __init__(self, library: PolicyLibrary) -> None:
        self.library = library
        self._city_names = {name: key for name, key in library.city_aliases().items()
                            if len(name) >= 2}
        self._shorthand = {short: library.region(city).key
                           for short, city in CITY_SHORTHAND.items()
                           if city in library.cities()}
        self._documents: list[_Document] = []
        corpus: list[list[str]] = []
        self._entry_vocabulary: dict[tuple[str, str], set[str]] = {}
        for region in library.regions.values():
            for entry in region.questions:
                vocabulary = self._entry_vocabulary.setdefault((region.key, entry.id), set())
                for variant in entry.variants:
                    words = self.tokens(variant)
                    vocabulary.update(words)
                    self._documents.append(_Document(region.key, entry))
                    corpus.append(words)
        self._bm25 = _BM25(corpus)

    # -- text handling ---------------------------------------------------------------------

    def tokens(self, text: str) -> list[str]:
        """Content words: variants unified; city names, stop words and punctuation removed."""
        text = normalise(text)
        for name in (*self._city_names, *_places()):
            text = text.replace(f"{name.lower()}市", " ").replace(name.lower(), " ")
        for short in self._shorthand:
            text = text.replace(short, " ")
        return tokens(text)

    def uncovered_place(self, text: str) -> str | None:
        """A place in ``text`` that no region covers, e.g. 南京 (first named wins)."""
        lowered = normalise(text)
        found = [(lowered.find(p), p) for p in _places() if p in lowered]
        found = [(at, p) for at, p in found if p not in _NOT_CITIES]
        if not found:
            return None
        # the longest name at the earliest position (吉林市 over 吉林)
        _, place = min(found, key=lambda pair: (pair[0], -len(pair[1])))
        return place.removesuffix("市") if len(place) > 2 else place

    def recognise_city(self, text: str) -> RegionPolicy | None:
        """The library city named first in ``text`` (by position, not by library order)."""
        named = self.cities_in(text)
        return named[0] if named else None

    def cities_in(self, text: str) -> list[RegionPolicy]:
        """Every library city named in ``text``, once each, in the order they are named.

        One-character shorthand (沪 京 穗 深 杭 蓉) counts at the start of the question or before
        a social-insurance word (沪医保, 京社保, 深户), never inside another place (南京).
        """
        lowered = normalise(text)
        first_at: dict[str, int] = {}
        masked = lowered
        for name in sorted((*self._city_names, *_places()), key=len, reverse=True):
            position = masked.find(name.lower())
            while position >= 0:
                key = self._city_names.get(name)
                if key is not None and position < first_at.get(key, len(lowered)):
                    first_at[key] = position
                masked = masked[:position] + "□" * len(name) + masked[position + len(name):]
                position = masked.find(name.lower())
        for short, key in self._shorthand.items():
            for position, char in enumerate(masked):
                if char != short:
                    continue
                before = masked[position - 1] if position else " "
                after = masked[position + 1] if position + 1 < len(masked) else " "
                standalone = not _CJK.match(before) or before in "和跟与及"
                if standalone and (after in _SHORTHAND_FOLLOWERS or position + 1 == len(masked)):
                    if position < first_at.get(key, len(lowered)):
                        first_at[key] = position
        return [self.library.regions[key] for key in sorted(first_at, key=first_at.__getitem__)]

    # -- answering -------------------------------------------------------------------------

    def answer(self, question: str, default_city: str | None = None, *,
               today: date) -> Answer | NoAnswer | Comparison:
        """Answer ``question`` for the city named in it, else ``default_city``, else national.

        Two or more library cities named: the same entry answered for each, side by side.
        """
        uncovered = None
        named = self.cities_in(question)
        region = named[0] if named else None
        if region is None:
            uncovered = self.uncovered_place(question)
            region = (self.library.national if uncovered
                      else self.library.region_or_national(default_city))
            if uncovered is None and default_city and region.is_national:
                uncovered = default_city
        query = self.tokens(question)
        if not query:
            return NoAnswer(question, region, self._suggestions(region),
                            only_city=bool(named))
        best = self._best(query, region)
        if best is None:
            return NoAnswer(question, region, self._suggestions(region))
        score, document = best
        if len(named) > 1:
            answers = []
            for city in named:
                entry = self._entry_for(city, document.entry)
                answers.append(render_answer(question, city, entry, today, score=score,
                                             national=self.library.national))
            return Comparison(question, tuple(answers))
        answer = render_answer(question, region, document.entry, today, score=score,
                               national=self.library.national)
        return dataclasses.replace(answer, uncovered_city=uncovered)

    def _best(self, query: list[str], region: RegionPolicy) -> tuple[float, _Document] | None:
        scores = self._bm25.scores(query)
        best: tuple[float, int, _Document] | None = None
        for index, document in enumerate(self._documents):
            if document.region_key not in (region.key, "national"):
                continue
            # a region's own entry wins a tie over the national one
            rank = (scores[index], int(document.region_key == region.key))
            if best is None or rank > best[:2]:
                best = (rank[0], rank[1], document)
        if best is None:
            return None
        score, _, document = best
        vocabulary = self._entry_vocabulary[(document.region_key, document.entry.id)]
        shared = set(query) & vocabulary
        coverage = len(shared) / len(set(query))
        if score < MIN_SCORE or coverage < MIN_COVERAGE or not shared & _ANCHORS:
            return None
        return score, document

    def _entry_for(self, region: RegionPolicy, chosen: QuestionEntry) -> QuestionEntry:
        """The entry answering ``chosen``'s topic for ``region`` (its own, else the same one)."""
        for entry in region.questions:
            if entry.id == chosen.id:
                return entry
        return next((e for e in self.library.national.questions if e.id == chosen.id), chosen)

    def answer_topic(self, topic: str, city: str | None, *, today: date) -> Answer:
        """The first entry of ``topic`` for the city (used by topic buttons)."""
        region = self.library.region_or_national(city)
        for candidate in (region, self.library.national):
            for entry in candidate.questions:
                if entry.topic == topic:
                    return render_answer(TOPICS.get(topic, topic), region, entry, today,
                                         national=self.library.national)
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
                  *, score: float = 0.0, national: RegionPolicy | None = None) -> Answer:
    """Fill ``entry``'s template with the figures of the version in force on ``today``.

    A field the city's file leaves out (``new_hire_cutoff``) is taken from ``national``'s
    version in force, the fallback every city shares.
    """
    version = region.version_for(today)
    fallback = None
    if national is not None and national is not region:
        try:
            fallback = national.version_for(today)
        except LookupError:
            fallback = None
    marks: dict[tuple[str, str], list[Confidence]] = {}
    sources: dict[tuple[str, str], Source] = {}
    for source in entry.sources:
        key = (source.name, source.dated)
        sources[key] = source
        marks[key] = [entry.conf or Confidence.SECONDARY]
    caveats: dict[str, None] = {}
    unconfirmed = False

    def fill(match: re.Match[str]) -> str:
        nonlocal unconfirmed
        item = resolve_field(version, match.group(1))
        national_value = False
        if item is None and fallback is not None:
            item = resolve_field(fallback, match.group(1))
            national_value = item is not None
        if item is None:
            unconfirmed = True
            return "未找到"
        if isinstance(item, Sourced):
            key = (item.source.name, item.source.dated)
            sources.setdefault(key, item.source)
            marks.setdefault(key, []).append(item.conf)
            if item.unconfirmed:
                unconfirmed = True
                if item.note:
                    caveats.setdefault(item.note)
        text = render_item(match.group(1), item)
        if national_value and getattr(item, "day", None) is not None:
            text += "（当地未收录，按全国通用规则）"
        return text

    body = re.sub(r"\{([a-z_]+(?:\.[a-z_]+)*)\}", fill, entry.answer)
    body = _UNIT_AFTER_MARK.sub(r"\1（未确认）", body)  # "3个月（未确认）", not "3（未确认）个月"
    if entry.conf is not None:
        # a fixed statement is as sure as its own mark (法释〔2025〕12号 O; a local practice U)
        if entry.conf is Confidence.UNCONFIRMED:
            unconfirmed = True
            if entry.note:
                caveats.setdefault(entry.note)
    elif not placeholders(entry.answer):
        unconfirmed = not entry.sources and version.unconfirmed
    if entry.command:
        body += f"\n在机器人里办理：发送 {entry.command}"
    return Answer(question=question, region=region, version=version, topic=entry.topic,
                  entry_id=entry.id, body=body, sources=tuple(sources.values()),
                  unconfirmed=unconfirmed, score=score, caveats=tuple(caveats),
                  source_marks=tuple(weakest(marks[key]) for key in sources),
                  command=entry.command)


_UNIT_AFTER_MARK = re.compile(r"（未确认）(个月|判断)")
_RATE_FIELDS = {"employer", "employee", "daily_rate", "rate_min", "rate_max"}


def render_item(path: str, item: Any) -> str:
    """Chinese rendering of one field, with 未确认 when it is not confirmed."""
    if isinstance(item, DeadlineRule):
        text = (f"每月{item.day}日" if item.kind == "day_of_month"
                else "每月倒数第二个工作日")
    elif isinstance(item, NewHireCutoff):
        text = item.display or (f"每月{item.day}日" if item.day is not None else "未找到")
    elif isinstance(item, FirstMonthsRule):
        from policies.obligations import describe_rule  # obligations imports the library

        text = describe_rule(item)
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
    if name == "cross_year_basis":
        return "社保年度（7月至次年6月）" if value == "july_june" else "自然年"
    if name == "on_holiday":
        if value == "next_working_day":
            return "遇周末或节假日顺延至下一个工作日"
        return "遇节假日不顺延"
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
           today: date) -> Answer | NoAnswer | Comparison:
    """Answer a policy question from ``library`` (see ``PolicyQA.answer``)."""
    return qa_for(library).answer(question, default_city, today=today)
