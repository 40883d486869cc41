"""Loading, validating and looking up the per-region policy library.

A policy file is TOML: region identity, a ``[sources]`` table, dated ``[[versions]]`` and
``[[questions]]``. A version may ``extends`` an earlier one and override only what changed; a
version with ``carried_forward = true`` copies its parent's year-dependent figures (bases, rates,
housing fund) and marks them unconfirmed, which is how a year whose figures are not yet published
is represented without inventing numbers. Anything wrong is refused with the file, version and
field named, and a bad file never replaces the library in force (see ``PolicyStore``).
"""

from __future__ import annotations

import calendar
import copy
import itertools
import re
import shutil
import threading
import tomllib
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from policies.schema import (
    INSURANCE_NAMES,
    Confidence,
    NewHireCutoff,
    PolicyVersion,
    QuestionEntry,
    Source,
    Sourced,
    weakest,
)
from policies.workdays import has_official_calendar, is_working_day, working_day_on_or_after

DEFAULT_DIRECTORY = Path(__file__).parent / "data"
NATIONAL = "national"

_VERSION_META = {"id", "label", "effective_from", "effective_to", "confidence", "note"}
_LOADER_KEYS = {"extends", "carried_forward"}
_YEARLY_SECTIONS = ("base", "rates", "housing_fund")
_PLACEHOLDER = re.compile(r"\{([a-z_]+(?:\.[a-z_]+)*)\}")


class PolicyFileError(ValueError):
    """A policy file is invalid; names the file, the version and the field at fault."""

    def __init__(self, file: str, message: str, *, version: str | None = None,
                 field: str | None = None) -> None:
        self.file = file
        self.version = version
        self.field = field
        self.message = message
        where = [file]
        if version is not None:
            where.append(f"version {version}")
        if field:
            where.append(f"field {field}")
        super().__init__(f"{': '.join(where)}: {message}")


class UnknownRegion(KeyError):
    """No policy file for the asked city; carries the cities we do know."""

    def __init__(self, city: str, known: Iterable[str]) -> None:
        self.city = city
        self.known = sorted(known)
        super().__init__(city)

    def __str__(self) -> str:
        return f"未收录城市“{self.city}”的政策。已收录：{'、'.join(self.known)}"


class NoVersionInForce(LookupError):
    """No version of a region covers the asked month."""

    def __init__(self, region: RegionPolicy, month: date) -> None:
        self.region = region
        self.month = month
        first = region.versions[0].effective_from
        super().__init__(
            f"{region.city}没有覆盖{month:%Y-%m}的政策版本（收录自{first:%Y-%m}起）"
        )


@dataclass(frozen=True)
class RegionPolicy:
    """One region's dated versions and question entries, as loaded from one file."""

    key: str
    city: str
    aliases: tuple[str, ...]
    versions: tuple[PolicyVersion, ...]
    questions: tuple[QuestionEntry, ...]
    file: str

    def version_for(self, month: date) -> PolicyVersion:
        """The version in force for the month containing ``month``."""
        first = month.replace(day=1)
        for version in self.versions:
            if version.covers(first):
                return version
        raise NoVersionInForce(self, first)

    def declaration_deadline(self, month: date) -> date:
        """The day the contribution for ``month`` must be declared and paid by.

        The late fee runs from the day after this date (社会保险法第86条).
        """
        first = month.replace(day=1)
        rule = self.version_for(first).deadline
        last_day = calendar.monthrange(first.year, first.month)[1]
        if rule.kind == "day_of_month":
            assert rule.day is not None
            nominal = first.replace(day=min(rule.day, last_day))
            if rule.on_holiday.value == "next_working_day":
                # e.g. the 15th of 2026-02 falls in 春节 (02-15..02-23): due 02-24
                return working_day_on_or_after(nominal)
            return nominal
        return _second_last_working_day(first.replace(day=last_day))

    def holiday_notice_missing(self, month: date) -> int | None:
        """The year whose holiday notice (国务院放假安排) the month's deadline is computed with
        but which is not published yet, or None.

        Only a deadline found on the working-day calendar depends on it (moved off a holiday,
        or 上海's second-to-last working day); a fixed day such as 北京's 25th does not. Until
        the notice is entered, such a date counts weekends only, and whoever shows it must say
        it assumes no holiday shift.
        """
        first = month.replace(day=1)
        rule = self.version_for(first).deadline
        if rule.kind == "day_of_month" and rule.on_holiday.value != "next_working_day":
            return None
        deadline = self.declaration_deadline(first)
        missing = [y for y in sorted({first.year, deadline.year}) if not has_official_calendar(y)]
        return missing[0] if missing else None

    @property
    def is_national(self) -> bool:
        return self.key == NATIONAL


def _second_last_working_day(last_day: date) -> date:
    found = 0
    day = last_day
    while True:
        if is_working_day(day):
            found += 1
            if found == 2:
                return day
        day -= timedelta(days=1)


@dataclass(frozen=True)
class PolicyLibrary:
    """All regions in force; ``region()`` accepts 北京 / 北京市 / beijing."""

    regions: Mapping[str, RegionPolicy]
    _aliases: Mapping[str, str] = field(repr=False)

    @classmethod
    def of(cls, regions: Iterable[RegionPolicy]) -> PolicyLibrary:
        by_key: dict[str, RegionPolicy] = {}
        aliases: dict[str, str] = {}
        for region in regions:
            by_key[region.key] = region
            for name in (region.key, region.city, *region.aliases):
                aliases[_normalise_city(name)] = region.key
        return cls(by_key, aliases)

    def region(self, city: str) -> RegionPolicy:
        key = self._aliases.get(_normalise_city(city))
        if key is None:
            raise UnknownRegion(city, self.cities())
        return self.regions[key]

    def canonical_city(self, text: str) -> str | None:
        """The library's name of a typed city (沪, 上海市, shanghai → 上海); None if unknown."""
        key = self._aliases.get(_normalise_city(text))
        if key is None or key == NATIONAL:
            return None
        return self.regions[key].city

    def region_or_national(self, city: str | None) -> RegionPolicy:
        """The city's region, or the national default when the city is not covered."""
        if city:
            try:
                return self.region(city)
            except UnknownRegion:
                pass
        return self.national

    @property
    def national(self) -> RegionPolicy:
        return self.regions[NATIONAL]

    def cities(self) -> list[str]:
        return [r.city for r in self.regions.values() if not r.is_national]

    def city_aliases(self) -> dict[str, str]:
        """Alias → region key, for recognising cities in free text (longest first)."""
        names: dict[str, str] = {}
        for region in self.regions.values():
            if region.is_national:
                continue
            for name in (region.city, *region.aliases):
                names[name] = region.key
        return dict(sorted(names.items(), key=lambda kv: -len(kv[0])))

    def new_hire_cutoff(self, city: str | None, month: date) -> tuple[NewHireCutoff, bool]:
        """The 增员截止日 in force in ``month`` for ``city`` and whether it is the national
        fallback (a city file without its own entry, or a city the library does not cover).

        Raises ``NoVersionInForce`` when the national file has no version for the month.
        """
        region = self.region_or_national(city)
        if not region.is_national:
            try:
                own = region.version_for(month).new_hire_cutoff
            except NoVersionInForce:
                own = None
            if own is not None:
                return own, False
        cutoff = self.national.version_for(month).new_hire_cutoff
        assert cutoff is not None  # parse_region requires it in the national file
        return cutoff, True

    def replacing(self, region: RegionPolicy) -> PolicyLibrary:
        """A copy with one region added or replaced."""
        merged = dict(self.regions)
        merged[region.key] = region
        return PolicyLibrary.of(merged.values())


#: One-character shorthand HR type for the six cities (沪 上海 …); read wherever a city is typed,
#: but not matched inside free text, where 深 or 杭 would be part of other words.
CITY_SHORTHAND: dict[str, str] = {
    "沪": "上海", "京": "北京", "穗": "广州", "深": "深圳", "杭": "杭州", "蓉": "成都",
}


#: The suffix a city's formal name carries (北京 → 北京市); company cities are typed either way.
CITY_SUFFIX = "市"


def _normalise_city(name: str) -> str:
    """The one city canonicaliser: 上海市 / 上海 / 沪 / ＳＨＡＮＧＨＡＩ → one lookup key."""
    name = unicodedata.normalize("NFKC", name).strip().lower()
    name = name.removeprefix("中国")
    if len(name) > 2 and name.endswith("市"):
        name = name[:-1]
    return CITY_SHORTHAND.get(name, name)


def load_library(directory: str | Path = DEFAULT_DIRECTORY) -> PolicyLibrary:
    """Load and validate every ``*.toml`` of a directory; the national default is required."""
    directory = Path(directory)
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise PolicyFileError(str(directory), "no policy files (*.toml) found")
    regions: dict[str, RegionPolicy] = {}
    for path in files:
        region = load_region_file(path)
        if region.key in regions:
            raise PolicyFileError(path.name, f"region {region.key!r} also defined in "
                                  f"{regions[region.key].file}", field="region")
        regions[region.key] = region
    if NATIONAL not in regions:
        raise PolicyFileError(str(directory), "national.toml (region = \"national\") is required")
    return PolicyLibrary.of(regions.values())


def load_region_file(path: str | Path) -> RegionPolicy:
    """Parse and validate one region file."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyFileError(path.name, f"cannot read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise PolicyFileError(path.name, f"not valid TOML: {exc}") from exc
    return parse_region(raw, path.name)


def parse_region(raw: Mapping[str, Any], file: str) -> RegionPolicy:
    """Validate a parsed region document (see the module docstring for its shape)."""
    for key in ("region", "city", "sources", "versions"):
        if key not in raw:
            raise PolicyFileError(file, "missing", field=key)
    unknown = set(raw) - {"region", "city", "aliases", "sources", "versions", "questions",
                          "note"}
    if unknown:
        raise PolicyFileError(file, "unknown key", field=sorted(unknown)[0])
    sources = _parse_sources(raw["sources"], file)
    versions = _parse_versions(raw["versions"], sources, file)
    _check_sequence(versions, file)
    if str(raw["region"]) == NATIONAL:
        for version in versions:
            if version.new_hire_cutoff is None:
                raise PolicyFileError(file, "missing (the national entry is every city's "
                                      "fallback)", version=version.id, field="new_hire_cutoff")
    questions = _parse_questions(raw.get("questions", []), versions, sources, file)
    return RegionPolicy(
        key=str(raw["region"]),
        city=str(raw["city"]),
        aliases=tuple(str(a) for a in raw.get("aliases", [])),
        versions=tuple(versions),
        questions=tuple(questions),
        file=file,
    )


def _parse_sources(raw: Any, file: str) -> dict[str, dict[str, Any]]:
    if not isinstance(raw, Mapping):
        raise PolicyFileError(file, "must be a table of sources", field="sources")
    sources: dict[str, dict[str, Any]] = {}
    for key, entry in raw.items():
        if not isinstance(entry, Mapping):
            raise PolicyFileError(file, "must be a table", field=f"sources.{key}")
        for needed in ("name", "dated"):
            if needed not in entry:
                raise PolicyFileError(file, "missing", field=f"sources.{key}.{needed}")
        sources[key] = dict(entry)
    return sources


def _parse_versions(raw: Any, sources: Mapping[str, dict[str, Any]],
                    file: str) -> list[PolicyVersion]:
    if not isinstance(raw, list) or not raw:
        raise PolicyFileError(file, "at least one [[versions]] entry is required",
                              field="versions")
    resolved: dict[str, dict[str, Any]] = {}
    labels: dict[str, str] = {}
    versions: list[PolicyVersion] = []
    for index, entry in enumerate(raw):
        vid = str(entry.get("id", f"#{index + 1}"))
        if vid in resolved:
            raise PolicyFileError(file, "duplicate version id", version=vid, field="id")
        sections = _own_sections(entry)
        parent_id = entry.get("extends")
        if parent_id is not None:
            if parent_id not in resolved:
                raise PolicyFileError(file, f"extends unknown or later version {parent_id!r}",
                                      version=vid, field="extends")
            inherited = copy.deepcopy(resolved[parent_id])
            inherited.pop("true_up", None)  # a late publication belongs to its own year only
            if entry.get("carried_forward"):
                _mark_carried_forward(inherited, labels[parent_id])
            sections = _merge(inherited, sections)
        elif entry.get("carried_forward"):
            raise PolicyFileError(file, "carried_forward needs extends", version=vid,
                                  field="carried_forward")
        resolved[vid] = copy.deepcopy(sections)
        labels[vid] = str(entry.get("label", vid))
        document = {k: v for k, v in entry.items() if k in _VERSION_META}
        document.update(_resolve_sources(sections, sources, file, vid))
        try:
            version = PolicyVersion.model_validate(document)
        except ValidationError as exc:
            error = exc.errors()[0]
            raise PolicyFileError(file, error["msg"], version=vid,
                                  field=_loc(error["loc"])) from None
        _check_limits(version, file)
        _check_cutoff(version.new_hire_cutoff, file, vid)
        _check_mark(version, file)
        versions.append(version)
    return versions


def _own_sections(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {k: copy.deepcopy(v) for k, v in entry.items()
            if k not in _VERSION_META and k not in _LOADER_KEYS}


def _is_figure(node: Any) -> bool:
    return isinstance(node, Mapping) and ("src" in node or "source" in node)


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Deep merge; a figure (a table with ``src``) is replaced whole, never mixed."""
    for key, value in override.items():
        current = base.get(key)
        if (isinstance(value, Mapping) and isinstance(current, Mapping)
                and not _is_figure(value)):
            base[key] = _merge(dict(current), value)
        else:
            base[key] = copy.deepcopy(value)
    return base


def _mark_carried_forward(sections: dict[str, Any], parent_label: str) -> None:
    def walk(node: Any) -> None:
        if _is_figure(node):
            node["conf"] = "U"
            node["note"] = f"沿用{parent_label}数值，新年度数值未公布"
        elif isinstance(node, dict):
            for child in node.values():
                walk(child)

    for name in _YEARLY_SECTIONS:
        if name in sections:
            walk(sections[name])


def _resolve_sources(node: Any, sources: Mapping[str, dict[str, Any]], file: str,
                     version: str, path: str = "") -> Any:
    if isinstance(node, Mapping):
        out = {}
        for key, value in node.items():
            child = f"{path}.{key}" if path else key
            if key == "src":
                if value not in sources:
                    raise PolicyFileError(file, f"unknown source {value!r}", version=version,
                                          field=child)
                out["source"] = sources[value]
            else:
                out[key] = _resolve_sources(value, sources, file, version, child)
        return out
    if isinstance(node, list):
        return [_resolve_sources(v, sources, file, version, path) for v in node]
    return node


def _loc(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if not str(p).startswith(("function-", "constrained-"))]
    # pydantic puts the chosen literal/union branch in the location; drop digits after names
    return ".".join(p for p in parts if not p.startswith("Figure["))


def _check_limits(version: PolicyVersion, file: str) -> None:
    hf = version.housing_fund
    pairs = [("base.floor", version.base.floor, version.base.ceiling),
             ("housing_fund.base_floor", hf.base_floor, hf.base_ceiling),
             ("housing_fund.rate_min", hf.rate_min, hf.rate_max)]
    for name in INSURANCE_NAMES:
        rates = getattr(version.rates, name)
        if rates.base_floor is not None and rates.base_ceiling is not None:
            pairs.append((f"rates.{name}.base_floor", rates.base_floor, rates.base_ceiling))
    for field_name, low, high in pairs:
        if low.value > high.value:
            raise PolicyFileError(file, f"floor {low.value} is above ceiling {high.value}",
                                  version=version.id, field=field_name)
    if version.deadline.kind == "day_of_month" and version.deadline.day is None:
        raise PolicyFileError(file, "missing (day_of_month needs a day)", version=version.id,
                              field="deadline.day")


def _check_cutoff(cutoff: NewHireCutoff | None, file: str, version: str) -> None:
    """A cut-off nobody found, or one the sources disagree on, is never shown as a rule."""
    if cutoff is None:
        return
    if cutoff.day is not None and cutoff.day in cutoff.other_days:
        raise PolicyFileError(file, f"day {cutoff.day} is also listed in other_days",
                              version=version, field="new_hire_cutoff.other_days")
    if (cutoff.day is None or cutoff.other_days) and cutoff.conf is not Confidence.UNCONFIRMED:
        why = "no day" if cutoff.day is None else "conflicting days (other_days)"
        raise PolicyFileError(file, f"must be U: {why}", version=version,
                              field="new_hire_cutoff.conf")
    if cutoff.day is None and not cutoff.display:
        raise PolicyFileError(file, "missing (say in display what was found instead of a day)",
                              version=version, field="new_hire_cutoff.display")


def sourced_items(version: PolicyVersion) -> Iterator[tuple[str, Sourced]]:
    """Every sourced figure or rule of a version with its dotted path."""

    def walk(node: Any, path: str) -> Iterator[tuple[str, Sourced]]:
        if isinstance(node, Sourced):
            yield path, node
        if isinstance(node, BaseModel):
            for name in type(node).model_fields:
                child = getattr(node, name)
                if child is not None and not isinstance(child, Source):
                    yield from walk(child, f"{path}.{name}" if path else name)

    for section in ("base", "rates", "deadline", "late_fee", "backpay", "medical_gap",
                    "housing_fund", "true_up", "pension", "new_hire_cutoff"):
        node = getattr(version, section)
        if node is not None:
            yield from walk(node, section)


def _check_mark(version: PolicyVersion, file: str) -> None:
    """A version's mark must be its weakest figure's: an O version full of S and U figures
    would tell HR the whole set is official."""
    items = list(sourced_items(version))
    mark = weakest([item.conf for _, item in items])
    if version.confidence is not mark:
        path = next(p for p, item in items if item.conf is mark) if items else "-"
        raise PolicyFileError(
            file, f"version mark {version.confidence.value} must be {mark.value}, the mark of "
            f"its weakest figure ({path})", version=version.id, field="confidence")


def _check_sequence(versions: list[PolicyVersion], file: str) -> None:
    """Versions must start on a month's first day, end on a month's last, and not overlap."""
    for version in versions:
        if version.effective_from.day != 1:
            raise PolicyFileError(file, "must be the first day of a month", version=version.id,
                                  field="effective_from")
        end = version.effective_to
        if end is not None:
            if end < version.effective_from:
                raise PolicyFileError(file, "ends before it starts", version=version.id,
                                      field="effective_to")
            if (end + timedelta(days=1)).day != 1:
                raise PolicyFileError(file, "must be the last day of a month",
                                      version=version.id, field="effective_to")
    ordered = sorted(versions, key=lambda v: v.effective_from)
    for earlier, later in itertools.pairwise(ordered):
        if earlier.effective_to is None or earlier.effective_to >= later.effective_from:
            raise PolicyFileError(
                file, f"overlaps version {earlier.id} "
                f"({earlier.effective_from}–{earlier.effective_to or 'open'})",
                version=later.id, field="effective_from")
        if earlier.effective_to + timedelta(days=1) != later.effective_from:
            raise PolicyFileError(
                file, f"gap after version {earlier.id} (ends {earlier.effective_to})",
                version=later.id, field="effective_from")
    if ordered != versions:
        raise PolicyFileError(file, "versions must be listed oldest first",
                              version=versions[0].id, field="effective_from")


def _parse_questions(raw: Any, versions: list[PolicyVersion],
                     sources: Mapping[str, dict[str, Any]], file: str) -> list[QuestionEntry]:
    if not isinstance(raw, list):
        raise PolicyFileError(file, "must be a list of [[questions]]", field="questions")
    entries: list[QuestionEntry] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        qid = str(item.get("id", f"#{index + 1}")) if isinstance(item, Mapping) else str(index)
        if isinstance(item, Mapping):
            item = dict(item)
            keys = item.pop("src", [])
            keys = [keys] if isinstance(keys, str) else keys
            unknown = [k for k in keys if k not in sources]
            if unknown:
                raise PolicyFileError(file, f"unknown source {unknown[0]!r}",
                                      version=f"question {qid}", field="src")
            item["sources"] = [sources[k] for k in keys]
        try:
            entry = QuestionEntry.model_validate(item)
        except ValidationError as exc:
            error = exc.errors()[0]
            raise PolicyFileError(file, error["msg"], version=f"question {qid}",
                                  field=_loc(error["loc"])) from None
        if entry.id in seen:
            raise PolicyFileError(file, "duplicate question id", version=f"question {qid}",
                                  field="id")
        seen.add(entry.id)
        for placeholder in _PLACEHOLDER.findall(entry.answer):
            for version in versions:
                try:
                    resolve_field(version, placeholder)
                except LookupError:
                    raise PolicyFileError(
                        file, f"answer refers to unknown field {{{placeholder}}}",
                        version=f"question {entry.id}", field="answer") from None
        entries.append(entry)
    return entries


def resolve_field(version: PolicyVersion, path: str) -> Any:
    """The object at a dotted path of a version (``rates.pension.employer``)."""
    node: Any = version
    for part in path.split("."):
        if not hasattr(node, part) or part.startswith("_"):
            raise LookupError(path)
        node = getattr(node, part)
    return node


def placeholders(template: str) -> list[str]:
    return _PLACEHOLDER.findall(template)


# --- diffs for `hrbot policies import` ------------------------------------------------------

@dataclass(frozen=True)
class FieldChange:
    """One changed figure (or added/removed version) between two editions of a region file."""

    version: str
    field: str
    old: str | None
    new: str | None
    version_label: str | None = field(default=None, compare=False)
    """The version's label (北京2025年度) for people; ``version`` is the file's id."""
    old_text: str | None = field(default=None, compare=False)
    new_text: str | None = field(default=None, compare=False)
    """The values as chat answers show them (¥7,162.00, 16%, （未确认）)."""

    def __str__(self) -> str:
        return f"[{self.version}] {self.field}: {self.old or '（无）'} → {self.new or '（无）'}"


def diff_regions(old: RegionPolicy | None, new: RegionPolicy) -> list[FieldChange]:
    """Field-by-field changes from ``old`` to ``new`` (all of ``new`` when ``old`` is None)."""
    old_versions = {v.id: v for v in old.versions} if old else {}
    new_versions = {v.id: v for v in new.versions}
    changes: list[FieldChange] = []
    for vid, version in new_versions.items():
        before = old_versions.get(vid)
        if before is None:
            changes.append(FieldChange(vid, "version", None, _describe_version(version)))
            continue
        old_fields = dict(_flatten(before))
        new_fields = dict(_flatten(version))
        old_texts = dict(_flatten(before, for_people=True))
        new_texts = dict(_flatten(version, for_people=True))
        for name in sorted(set(old_fields) | set(new_fields)):
            if old_fields.get(name) != new_fields.get(name):
                changes.append(FieldChange(vid, name, old_fields.get(name),
                                           new_fields.get(name), version.label,
                                           old_texts.get(name), new_texts.get(name)))
    for vid, version in old_versions.items():
        if vid not in new_versions:
            changes.append(FieldChange(vid, "version", _describe_version(version), None))
    return changes


def _describe_version(version: PolicyVersion) -> str:
    start = version.effective_from.isoformat()
    if version.effective_to is None:
        return f"{version.label}（{start}起）"
    return f"{version.label}（{start}至{version.effective_to.isoformat()}）"


def _flatten(version: PolicyVersion, *, for_people: bool = False) -> Iterator[tuple[str, str]]:
    """Every field of ``version`` as text: comparable (value, confidence, source), or, with
    ``for_people``, as chat answers show it (money, percentages, 未确认)."""
    from policies.qa import render_item  # qa imports this module

    for key in ("label", "effective_from", "effective_to", "confidence", "note"):
        yield key, str(getattr(version, key))

    def walk(node: Any, path: str) -> Iterator[tuple[str, str]]:
        if isinstance(node, Sourced):
            if for_people:
                text = render_item(path, node)
                yield path, text if isinstance(text, str) else describe_sourced(node)
            else:
                yield path, describe_sourced(node)
        elif isinstance(node, BaseModel):
            for name in type(node).model_fields:
                child = getattr(node, name)
                if child is not None:
                    yield from walk(child, f"{path}.{name}" if path else name)
        else:
            yield path, str(node)

    for section in ("base", "rates", "deadline", "late_fee", "backpay", "medical_gap",
                    "housing_fund", "true_up", "first_months", "pension", "new_hire_cutoff"):
        if getattr(version, section) is not None:
            yield from walk(getattr(version, section), section)


def describe_sourced(item: Sourced) -> str:
    value = getattr(item, "value", None)
    if isinstance(item, NewHireCutoff):
        value = f"day {item.day}" if item.day is not None else "no day"
        if item.other_days:
            value += f" (also {', '.join(str(d) for d in item.other_days)})"
    if value is None and hasattr(item, "paid_with_registration_until"):
        value = (f"{item.paid_with_registration_until}, "  # type: ignore[attr-defined]
                 f"late fee from {item.late_fee_from}")  # type: ignore[attr-defined]
    if value is None:
        value = getattr(item, "kind", "")
        day = getattr(item, "day", None)
        if day:
            value = f"{value} {day}"
        on_holiday = getattr(item, "on_holiday", None)
        if on_holiday is not None:  # a deadline's holiday rule is part of the deadline
            value = f"{value}, {on_holiday.value}/{on_holiday.conf.value}"
    if isinstance(value, list):
        value = "、".join(value)
    # the checked date is left out: re-checking a figure is not a change HR must hear about
    return f"{value}（{item.conf.value}，{item.source.name}）"


# --- the library in force -------------------------------------------------------------------

class PolicyStore:
    """Holds the library in force; a replacement is validated completely before it is swapped."""

    def __init__(self, library: PolicyLibrary, directory: str | Path | None = None) -> None:
        self._library = library
        self._lock = threading.Lock()
        self.directory = Path(directory) if directory is not None else None

    @classmethod
    def load(cls, directory: str | Path = DEFAULT_DIRECTORY) -> PolicyStore:
        return cls(load_library(directory), directory)

    @property
    def library(self) -> PolicyLibrary:
        return self._library

    def replace_from(self, path: str | Path) -> list[FieldChange]:
        """Validate a directory or one region file and put it in force; return the changes.

        Raises ``PolicyFileError`` and keeps the current library when anything is invalid.
        """
        path = Path(path)
        if path.is_dir():
            candidate = load_library(path)
            changes: list[FieldChange] = []
            for key, region in candidate.regions.items():
                changes.extend(diff_regions(self._library.regions.get(key), region))
        else:
            region = load_region_file(path)
            changes = diff_regions(self._library.regions.get(region.key), region)
            candidate = self._library.replacing(region)
            if NATIONAL not in candidate.regions:
                raise PolicyFileError(path.name, "national default missing from the library")
        with self._lock:
            self._library = candidate
        return changes


def install_region_file(file: str | Path, directory: str | Path) -> tuple[RegionPolicy,
                                                                           list[FieldChange]]:
    """Validate ``file`` and copy it into ``directory`` as ``<region>.toml``.

    The whole directory is re-validated with the new file before anything is written, so an
    install can never leave the directory unloadable.
    """
    file = Path(file)
    directory = Path(directory)
    new = load_region_file(file)
    current = load_library(directory) if any(directory.glob("*.toml")) else None
    old = current.regions.get(new.key) if current else None
    if old is not None and Path(old.file).stem != new.key:
        target = directory / old.file
    else:
        target = directory / f"{new.key}.toml"
    if current is not None:
        regions = dict(current.regions)
        regions[new.key] = new
        if NATIONAL not in regions:
            raise PolicyFileError(file.name, "national default missing from the directory")
    changes = diff_regions(old, new)
    directory.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(".toml.tmp")
    shutil.copyfile(file, temporary)
    temporary.replace(target)
    return new, changes
