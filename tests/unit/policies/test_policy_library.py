"""The shipped policy files load, cover 2024-07..2026-12, and bad files are refused precisely."""

from __future__ import annotations

import shutil
import tomllib
from datetime import date
from pathlib import Path

import pytest
from pydantic import BaseModel

from policies.library import (
    DEFAULT_DIRECTORY,
    PolicyFileError,
    PolicyStore,
    UnknownRegion,
    diff_regions,
    install_region_file,
    load_library,
    load_region_file,
    parse_region,
)
from policies.schema import Confidence, Sourced

SHIPPED = sorted(DEFAULT_DIRECTORY.glob("*.toml"))
CITIES = ["北京", "上海", "广州", "深圳", "杭州", "成都"]


def months_between(first: date, last: date) -> list[date]:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


@pytest.fixture(scope="module")
def library():
    return load_library()


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_file_validates(path: Path) -> None:
    region = load_region_file(path)
    assert region.versions


def test_library_has_national_default_and_six_cities(library) -> None:
    assert library.national.city == "全国"
    assert sorted(library.cities()) == sorted(CITIES)


@pytest.mark.parametrize("key", ["national", "beijing", "shanghai", "guangzhou", "shenzhen",
                                 "hangzhou", "chengdu"])
def test_every_month_from_2024_07_to_2026_12_has_exactly_one_version(library, key) -> None:
    region = library.regions[key]
    for month in months_between(date(2024, 7, 1), date(2026, 12, 1)):
        covering = [v for v in region.versions if v.covers(month)]
        assert len(covering) == 1, (key, month)


def test_every_figure_has_source_date_and_confidence(library) -> None:
    def walk(node):
        if isinstance(node, Sourced):
            yield node
        elif isinstance(node, BaseModel):
            for name in type(node).model_fields:
                yield from walk(getattr(node, name))

    for region in library.regions.values():
        for version in region.versions:
            figures = list(walk(version))
            assert len(figures) > 25
            for figure in figures:
                assert figure.source.name
                # the source's own date; nothing claims a live re-check that never happened
                assert figure.source.dated and figure.source.checked is None
                assert figure.conf in Confidence


def test_2026_figures_are_carried_forward_and_unconfirmed(library) -> None:
    # 杭州: no 2026 notice by 2026-09-30 (addendum); 北京 and 成都 have theirs entered now
    hangzhou = library.region("杭州")
    later = hangzhou.version_for(date(2026, 7, 1))
    assert later.confidence is Confidence.UNCONFIRMED
    assert later.note.startswith("2026年度基数未公布，沿用2025年度")
    assert later.base.floor.value == 4986
    assert later.base.floor.unconfirmed
    assert later.rates.pension.employer.unconfirmed
    # national law is not made unconfirmed by a missing yearly notice
    assert later.late_fee.daily_rate.conf is Confidence.OFFICIAL


def test_beijing_2025_version_starts_in_july(library) -> None:
    beijing = library.region("beijing")
    assert beijing.version_for(date(2025, 6, 1)).base.floor.value == 6821
    july = beijing.version_for(date(2025, 7, 1))
    assert july.label.startswith("北京2025年度")
    assert july.base.floor.value == 7162
    assert july.base.ceiling.value == 35811
    assert july.rates.medical.employee_fixed is not None
    assert july.rates.medical.employee_fixed.value == 3


@pytest.mark.parametrize("name", ["北京", "北京市", "beijing", "Beijing", " 北京 "])
def test_region_accepts_city_spellings(library, name) -> None:
    assert library.region(name).key == "beijing"


def test_unknown_region_lists_known_cities(library) -> None:
    with pytest.raises(UnknownRegion) as caught:
        library.region("南京")
    assert isinstance(caught.value, KeyError)
    assert "北京" in caught.value.known
    assert "南京" in str(caught.value) and "上海" in str(caught.value)
    assert library.region_or_national("南京").key == "national"


@pytest.mark.parametrize(("city", "month", "due"), [
    ("北京", date(2025, 12, 1), date(2025, 12, 25)),
    ("北京", date(2026, 2, 1), date(2026, 2, 25)),
    ("深圳", date(2026, 1, 1), date(2026, 1, 31)),          # 15th is the 增减员 cut-off
    ("广州", date(2026, 1, 1), date(2026, 1, 15)),          # national default assumption
    ("上海", date(2026, 1, 1), date(2026, 1, 29)),          # 30th Fri last, 29th second-last
    ("上海", date(2026, 2, 1), date(2026, 2, 27)),          # 28 Feb 2026 is a 调休 Saturday
    ("上海", date(2025, 12, 17), date(2025, 12, 30)),
])
def test_declaration_deadline(library, city, month, due) -> None:
    assert library.region(city).declaration_deadline(month) == due


def test_assumed_deadline_is_labelled_as_assumption(library) -> None:
    for city in ("广州", "杭州", "成都"):
        rule = library.region(city).version_for(date(2026, 1, 1)).deadline
        assert rule.assumption and rule.conf is Confidence.UNCONFIRMED
    national = library.national.version_for(date(2026, 1, 1)).deadline
    assert national.assumption and national.day == 15


# --- refusing bad files ---------------------------------------------------------------------

def beijing_raw() -> dict:
    return tomllib.loads((DEFAULT_DIRECTORY / "beijing.toml").read_text(encoding="utf-8"))


def refuse(raw: dict) -> PolicyFileError:
    with pytest.raises(PolicyFileError) as caught:
        parse_region(raw, "beijing.toml")
    return caught.value


def test_rate_above_one_is_refused_naming_file_version_and_field() -> None:
    raw = beijing_raw()
    raw["versions"][0]["rates"]["pension"]["employer"]["value"] = 16
    error = refuse(raw)
    assert (error.file, error.version) == ("beijing.toml", "2024")
    assert error.field == "rates.pension.employer.value"
    assert "beijing.toml" in str(error) and "version 2024" in str(error)
    assert "rates.pension.employer" in str(error)


def test_negative_rate_is_refused() -> None:
    raw = beijing_raw()
    raw["versions"][1]["rates"] = {"unemployment": {"employee": {
        "value": -0.005, "src": "bj_rates", "conf": "S"}}}
    error = refuse(raw)
    assert error.version == "2025-jul"
    assert error.field == "rates.unemployment.employee.value"


def test_overlapping_versions_are_refused() -> None:
    raw = beijing_raw()
    raw["versions"][1]["effective_from"] = date(2025, 6, 1)
    error = refuse(raw)
    assert error.version == "2025-jul"
    assert error.field == "effective_from"
    assert "overlaps version 2024" in str(error)


def test_floor_above_ceiling_is_refused() -> None:
    raw = beijing_raw()
    raw["versions"][1]["base"]["floor"]["value"] = 40000
    error = refuse(raw)
    assert error.version == "2025-jul"
    assert error.field == "base.floor"
    assert "above ceiling" in str(error)


def test_missing_field_is_refused() -> None:
    raw = beijing_raw()
    del raw["versions"][0]["late_fee"]["daily_rate"]
    error = refuse(raw)
    assert error.version == "2024"
    assert error.field == "late_fee.daily_rate"
    assert "required" in str(error).lower()


def test_missing_source_reference_is_refused() -> None:
    raw = beijing_raw()
    raw["versions"][0]["base"]["floor"]["src"] = "nowhere"
    error = refuse(raw)
    assert error.field == "base.floor.src"


def test_question_referring_to_unknown_field_is_refused() -> None:
    raw = beijing_raw()
    raw["questions"][0]["answer"] = "{late_fee.no_such_field}"
    error = refuse(raw)
    assert error.version == "question bj_base_true_up"
    assert error.field == "answer"


def test_bad_file_never_replaces_library_in_force(tmp_path: Path) -> None:
    store = PolicyStore.load()
    before = store.library
    raw_text = (DEFAULT_DIRECTORY / "beijing.toml").read_text(encoding="utf-8")
    bad = tmp_path / "beijing.toml"
    bad.write_text(raw_text.replace("value = 6821", "value = 99999"), encoding="utf-8")
    with pytest.raises(PolicyFileError):
        store.replace_from(bad)
    assert store.library is before
    broken_dir = tmp_path / "dir"
    shutil.copytree(DEFAULT_DIRECTORY, broken_dir)
    (broken_dir / "shanghai.toml").write_text("region = ", encoding="utf-8")
    with pytest.raises(PolicyFileError) as caught:
        store.replace_from(broken_dir)
    assert caught.value.file == "shanghai.toml"
    assert store.library is before


def test_valid_file_replaces_and_reports_field_changes(tmp_path: Path) -> None:
    store = PolicyStore.load()
    text = (DEFAULT_DIRECTORY / "beijing.toml").read_text(encoding="utf-8")
    new = tmp_path / "beijing.toml"
    new.write_text(text.replace("value = 7162", "value = 7200"), encoding="utf-8")
    changes = store.replace_from(new)
    # later versions extend 2025, so the change shows in each of them (2026 has its own bases)
    assert [(c.version, c.field) for c in changes] == [
        ("2025-jul", "base.floor"), ("2025", "base.floor"), ("2025-h1-2026", "base.floor")]
    assert changes[0].old.startswith("7162") and changes[0].new.startswith("7200")
    assert store.library.region("北京").version_for(date(2025, 8, 1)).base.floor.value == 7200


def test_diff_of_new_region_lists_its_versions() -> None:
    region = load_region_file(DEFAULT_DIRECTORY / "chengdu.toml")
    changes = diff_regions(None, region)
    assert [c.field for c in changes] == ["version"] * len(region.versions)


def test_install_copies_valid_file_and_refuses_bad_one(tmp_path: Path) -> None:
    target = tmp_path / "installed"
    shutil.copytree(DEFAULT_DIRECTORY, target)
    text = (DEFAULT_DIRECTORY / "shanghai.toml").read_text(encoding="utf-8")
    incoming = tmp_path / "sh.toml"
    incoming.write_text(text.replace("value = 7460", "value = 7500"), encoding="utf-8")
    region, changes = install_region_file(incoming, target)
    assert region.key == "shanghai"
    assert any(c.field == "base.floor" for c in changes)
    assert load_library(target).region("上海").version_for(date(2025, 9, 1)).base.floor.value \
        == 7500
    incoming.write_text(text.replace("value = 7460", "value = 99999"), encoding="utf-8")
    with pytest.raises(PolicyFileError):
        install_region_file(incoming, target)
    assert "value = 7500" in (target / "shanghai.toml").read_text(encoding="utf-8")
