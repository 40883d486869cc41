"""增员截止日 is a per-city field (``[versions.new_hire_cutoff]``) with the national file's entry
as every other city's fallback; a conflicting or missing day is never shown as a rule."""

from __future__ import annotations

import copy
import shutil
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from policies.library import DEFAULT_DIRECTORY, PolicyFileError, load_library, parse_region
from policies.qa import Answer, qa_for
from policies.schema import Confidence

LIBRARY = load_library()
DECEMBER = date(2026, 12, 1)


def raw(name: str) -> dict[str, Any]:
    return tomllib.loads((DEFAULT_DIRECTORY / f"{name}.toml").read_text(encoding="utf-8"))


def refuse(document: dict[str, Any], file: str) -> PolicyFileError:
    with pytest.raises(PolicyFileError) as caught:
        parse_region(document, file)
    return caught.value


@pytest.mark.parametrize(("city", "day", "other_days", "conf"), [
    ("上海", 15, [], Confidence.SECONDARY),            # addendum §5: agency page, S
    ("杭州", 15, [], Confidence.SECONDARY),            # 1st–15th (online to the 17th), S
    ("北京", 10, [15], Confidence.UNCONFIRMED),        # 10th vs 15th: conflict → U
    ("深圳", 15, [19, 20], Confidence.UNCONFIRMED),    # 15th vs the 20th: conflict → U
])
def test_cities_with_a_cut_off_of_their_own(city, day, other_days, conf) -> None:
    cutoff, national = LIBRARY.new_hire_cutoff(city, DECEMBER)
    assert not national
    assert (cutoff.day, cutoff.other_days, cutoff.conf) == (day, other_days, conf)
    assert cutoff.source.name and cutoff.source.dated and cutoff.note
    # a dated rule like every figure: later versions inherit it
    region = LIBRARY.region(city)
    assert all(v.new_hire_cutoff == cutoff for v in region.versions)


@pytest.mark.parametrize("city", ["广州", "成都", "南京", None])
def test_other_cities_fall_back_to_the_national_entry(city) -> None:
    cutoff, national = LIBRARY.new_hire_cutoff(city, DECEMBER)
    assert national
    assert cutoff == LIBRARY.national.version_for(DECEMBER).new_hire_cutoff
    assert cutoff.day is None and cutoff.unconfirmed and "未找到" in (cutoff.display or "")


@pytest.mark.parametrize(("city", "words", "unconfirmed_line"), [
    ("上海", "增员截止日：每月15日。", None),
    ("北京", "增员截止日：每月10日或15日（说法不一）（未确认）。", "10日、15日，互相矛盾"),
    ("广州", "增员截止日：未找到当地规定（全国无统一的增员截止日）（未确认）。", "广州、成都"),
])
def test_the_answer_is_the_asker_s_city_s_cut_off(city, words, unconfirmed_line) -> None:
    result = qa_for(LIBRARY).answer("每月几号前增员才能当月参保", city, today=DECEMBER)
    assert isinstance(result, Answer) and result.topic == "new_hire_cutoff"
    assert result.region.city == city
    assert words in result.body
    if unconfirmed_line:
        assert any(unconfirmed_line in caveat for caveat in result.caveats)
    # the cut-off's own source is cited beside the entry's
    cutoff, _ = LIBRARY.new_hire_cutoff(city, DECEMBER)
    assert cutoff.source in result.sources


def test_a_national_day_is_said_to_be_the_national_rule_where_a_city_has_none() -> None:
    document = raw("national")
    entry = document["versions"][0]["new_hire_cutoff"]
    entry.update(day=15, conf="S")
    entry.pop("display")
    library = LIBRARY.replacing(parse_region(document, "national.toml"))
    result = qa_for(library).answer("每月几号前增员才能当月参保", "广州", today=DECEMBER)
    assert isinstance(result, Answer)
    assert "增员截止日：每月15日（当地未收录，按全国通用规则）。" in result.body


def test_the_national_file_must_state_the_fallback() -> None:
    document = raw("national")
    for version in document["versions"]:
        version.pop("new_hire_cutoff", None)
    error = refuse(document, "national.toml")
    assert (error.version, error.field) == ("2024-2025", "new_hire_cutoff")


def test_conflicting_days_must_be_marked_unconfirmed() -> None:
    document = raw("beijing")
    document["versions"][0]["new_hire_cutoff"]["conf"] = "S"
    error = refuse(document, "beijing.toml")
    assert (error.version, error.field) == ("2024", "new_hire_cutoff.conf")
    assert "other_days" in error.message


def test_a_missing_day_must_be_unconfirmed_and_say_what_was_found() -> None:
    document = raw("shanghai")
    entry = document["versions"][0]["new_hire_cutoff"]
    del entry["day"]
    error = refuse(copy.deepcopy(document), "shanghai.toml")
    assert error.field == "new_hire_cutoff.conf"
    entry["conf"] = "U"
    assert refuse(document, "shanghai.toml").field == "new_hire_cutoff.display"


def test_a_day_out_of_range_or_repeated_is_refused() -> None:
    document = raw("shanghai")
    document["versions"][0]["new_hire_cutoff"]["day"] = 32
    assert refuse(document, "shanghai.toml").field == "new_hire_cutoff.day"
    document = raw("beijing")
    document["versions"][0]["new_hire_cutoff"]["other_days"] = [10, 15]
    assert refuse(document, "beijing.toml").field == "new_hire_cutoff.other_days"


def test_policies_check_names_a_bad_cut_off(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    shutil.copytree(DEFAULT_DIRECTORY, tmp_path / "d")
    bad = tmp_path / "d" / "shenzhen.toml"
    text = bad.read_text(encoding="utf-8")
    start = text.index("[versions.new_hire_cutoff]")
    fixed = text[:start] + text[start:].replace('conf = "U"', 'conf = "S"', 1)
    bad.write_text(fixed, encoding="utf-8")
    assert main(["policies", "check", str(tmp_path / "d")]) == 1
    err = capsys.readouterr().err
    assert "shenzhen.toml" in err and "new_hire_cutoff.conf" in err and "must be U" in err


def test_an_import_diff_names_a_changed_cut_off() -> None:
    from policies.library import diff_regions

    document = raw("shanghai")
    old = parse_region(copy.deepcopy(document), "shanghai.toml")
    document["versions"][0]["new_hire_cutoff"]["day"] = 20
    changes = diff_regions(old, parse_region(document, "shanghai.toml"))
    changed = [c for c in changes if c.field == "new_hire_cutoff"]
    assert changed and changed[0].old_text == "每月15日" and changed[0].new_text == "每月20日"
