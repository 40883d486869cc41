"""The weekly summary's chart (PNG) and workbook (.xlsx), made from the same typed facts as
its message, so the three hold the same numbers.

The chart draws KPI scores last week against the week before. Department names need a CJK
font; one is looked for on the system (matplotlib's font manager). Without one the bars are
labelled D1, D2, … in the order of the message and the workbook (whose sheets carry the names),
and the log says so once, instead of matplotlib warning about every missing glyph.
"""

from __future__ import annotations

import io
import logging
from functools import lru_cache

from bot.services.notifications import Notification, WeeklySummaryFacts
from bot.services.summary import WeeklySummary

log = logging.getLogger(__name__)

# Loaded when a file is first made, not at start-up: matplotlib and openpyxl
# (which loads numpy) add ~65 MB to the bot's memory (bench/bench_rss.py).

#: Families known to carry Simplified Chinese glyphs, most preferred first.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Droid Sans Fallback",
    "AR PL UMing CN",
)


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The first CJK family installed, or None (logged once: the chart falls back)."""
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in installed:
            return family
    log.warning("no CJK font found: summary charts label departments D1, D2, …")
    return None


def chart_labels(summary: WeeklySummary, font: str | None) -> list[str]:
    """Bar labels: HR and department names with a CJK font, else HR, D1, D2, …"""
    labels, number = [], 0
    for line in summary.scores:
        if line.is_hr:
            labels.append("HR")
            continue
        number += 1
        labels.append(line.department or "-" if font else f"D{number}")
    return labels


def summary_chart(summary: WeeklySummary) -> bytes:
    """A PNG bar chart: each KPI's score last week beside the week before, out of its weight."""
    from matplotlib.figure import Figure

    font = cjk_font()
    figure = Figure(figsize=(8, 4.5), dpi=100)
    axes = figure.subplots()
    labels = chart_labels(summary, font)
    positions = list(range(len(labels)))
    width = 0.38
    previous = [float(s.previous) for s in summary.scores]
    current = [float(s.score) for s in summary.scores]
    axes.bar([p - width / 2 for p in positions], previous, width, label="previous week")
    bars = axes.bar([p + width / 2 for p in positions], current, width, label=summary.week.label)
    axes.bar_label(bars, labels=[f"{s.score}" for s in summary.scores], fontsize=8)
    axes.scatter(
        positions,
        [float(s.weight) for s in summary.scores],
        marker="_",
        s=400,
        color="black",
        label="weight (full score)",
    )
    axes.set_xticks(positions, labels, fontfamily=font or "DejaVu Sans")
    axes.set_ylabel("KPI score")
    axes.set_title(f"KPI {summary.week.label}")
    axes.legend(fontsize=8)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def summary_workbook(summary: WeeklySummary) -> bytes:
    """An .xlsx of the details: the counts, the scores, the hires and the late deadlines."""
    from openpyxl import Workbook

    book = Workbook()
    counts = book.active
    counts.title = "汇总"
    counts.append(["周", summary.week.label])
    counts.append(
        ["范围", "全公司" if summary.departments is None else "、".join(summary.departments)]
    )
    for label, value in (
        ("新入职", len(summary.hires)),
        ("按期登记", summary.registrations_on_time),
        ("逾期登记", summary.registrations_late),
        ("未办结待办", summary.open_tasks),
        ("已逾期待办", summary.overdue_tasks),
        ("新增补缴案例", summary.backpay_cases),
        ("员工投诉", summary.complaints),
    ):
        counts.append([label, value])
    scores = book.create_sheet("考核得分")
    scores.append(["标签", "考核对象", "本周得分", "上周得分", "变化", "满分"])
    number = 0
    for line in summary.scores:
        if line.is_hr:
            tag, name = "HR", "HR部门"
        else:
            number += 1
            tag, name = f"D{number}", line.department or "未分配部门"
        scores.append([tag, name, line.score, line.previous, line.change, line.weight])
    hires = book.create_sheet("新入职")
    hires.append(["姓名", "部门", "入职日期"])
    for hire in summary.hires:
        hires.append([hire.name, hire.department or "", hire.first_day])
    late = book.create_sheet("逾期事项")
    late.append(["姓名", "部门", "事项", "截止日期", "办理日期"])
    for item in summary.late:
        kind = "社保登记" if item.kind == "registration" else "社保缴费"
        late.append([item.name, item.department or "", kind, item.due, item.done_on or "未办理"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def summary_files(summary: WeeklySummary) -> list[tuple[str, bytes]]:
    """The chart and the workbook, named for the week (`summary-2026-11-30.png`)."""
    name = f"summary-{summary.week.start.isoformat()}"
    return [(f"{name}.png", summary_chart(summary)), (f"{name}.xlsx", summary_workbook(summary))]


def notification_files(note: Notification) -> list[tuple[str, bytes]]:
    """What the outbox sends after a notification's text: the weekly summary's two files."""
    if isinstance(note.facts, WeeklySummaryFacts):
        return summary_files(note.facts.summary)
    return []
