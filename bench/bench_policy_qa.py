"""Policy Q&A accuracy on a labelled set kept apart from the phrasings in policies/data.

Prints top-1 topic accuracy over the related questions (goal ≥ 90 %), the share of unrelated
questions that were wrongly answered (goal 0 %), the share answered for the right city, and the
memory the first question costs (RSS before and after; the old jieba tokenizer added ~160 MB).

    .venv/bin/python bench/bench_policy_qa.py [--show-misses]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LABELLED = ROOT / "bench" / "data" / "policy_qa_labelled.tsv"
ASKER_CITY = "杭州"
TODAY = date(2026, 3, 2)


def rss_mb() -> float:
    """Resident set size of this process in MB (Linux /proc; 0 elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def load_set() -> list[tuple[str, str, str]]:
    rows = []
    for line in LABELLED.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        question, topic, city = [*line.split("\t"), "", ""][:3]
        rows.append((question, topic, city.strip()))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()

    start_rss = rss_mb()
    from policies.library import load_library
    from policies.qa import Comparison, NoAnswer, qa_for

    library = load_library()
    before = rss_mb()
    started = time.perf_counter()
    qa = qa_for(library)
    qa.answer("社保缴费基数上下限是多少", ASKER_CITY, today=TODAY)
    first_ms = (time.perf_counter() - started) * 1000
    after = rss_mb()

    rows = load_set()
    related = [r for r in rows if r[1] != "-"]
    unrelated = [r for r in rows if r[1] == "-"]
    right_topic = right_city = 0
    misses: list[str] = []
    started = time.perf_counter()
    for question, topic, city in related:
        result = qa.answer(question, ASKER_CITY, today=TODAY)
        got = None if isinstance(result, NoAnswer) else result.topic
        if isinstance(result, Comparison):
            got_city = "、".join(result.cities)
        elif isinstance(result, NoAnswer):
            got_city = ""
        else:
            got_city = result.region.city
        if got == topic:
            right_topic += 1
        else:
            misses.append(f"  topic  {question!r}: want {topic}, got {got}")
        if not city or got_city == city:
            right_city += 1
        else:
            misses.append(f"  city   {question!r}: want {city}, got {got_city}")
    answered_unrelated = []
    for question, _, _ in unrelated:
        result = qa.answer(question, ASKER_CITY, today=TODAY)
        if not isinstance(result, NoAnswer):
            answered_unrelated.append(f"  answered {question!r} as {result.topic}")
    per_question_ms = (time.perf_counter() - started) * 1000 / len(rows)

    accuracy = right_topic / len(related)
    wrongly = len(answered_unrelated) / len(unrelated)
    print(f"labelled set: {len(related)} related phrasings, {len(unrelated)} unrelated questions")
    print(f"top-1 topic accuracy: {accuracy:.1%} ({right_topic}/{len(related)}; goal ≥ 90 %)")
    print(f"right city: {right_city / len(related):.1%} ({right_city}/{len(related)})")
    print(f"unrelated questions answered: {wrongly:.1%} "
          f"({len(answered_unrelated)}/{len(unrelated)}; goal 0 %)")
    print(f"RSS: {start_rss:.1f} MB at start, {before:.1f} MB with the library loaded, "
          f"{after:.1f} MB after the first question (+{after - before:.1f} MB; "
          f"first answer {first_ms:.0f} ms, then {per_question_ms:.2f} ms per question)")
    if args.show_misses:
        print("\n".join(misses + answered_unrelated))
    return 0 if accuracy >= 0.9 and not answered_unrelated else 1


if __name__ == "__main__":
    sys.exit(main())
