"""callback_data is read in one place: every declared button round-trips, nothing else parses,
and parse() never raises anything but its own StaleButton."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import get_args, get_origin, get_type_hints

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import callbacks
from bot.callbacks import MAX_ID, Month, StaleButton, parse
from bot.importing import FIELD_BY_KEY

FORGED_IN_THE_ATTACK = [
    "ledger:decl",
    "ledger:paid:",
    "base:month:x",
    "ledger:page:abc:1",
    "ledger:bulk:x:2026-12",
    "todo:paid:9223372036854775808",
    "todo:paid:-1",
    "todo:paid:007",
    "todo:paid:1e3",
    "reminders:done:",
    "reminders:nuke:1",
    "base:month:2026-13",
    "base:month:0000-01",
    "hire:field:salary",
    "transfer:map:x:name",
    "transfer:map:1:password",
    "ledger:bulkok:decl:2026-12",
    "",
    ":",
    "todo:paid:1:extra",
]


@pytest.mark.parametrize("data", FORGED_IN_THE_ATTACK)
def test_forged_data_is_refused_with_the_typed_refusal(data: str) -> None:
    with pytest.raises(StaleButton):
        parse(data)


def _values(hint: object) -> st.SearchStrategy[object]:
    if hint is int:
        return st.integers(min_value=0, max_value=MAX_ID)
    if hint is Month:
        return st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 1)).map(
            lambda d: Month(d.year, d.month, 1)
        )
    if get_origin(hint) is callbacks.Literal:
        return st.sampled_from(get_args(hint))
    return st.from_regex(r"[0-9A-Za-z_-]{1,12}", fullmatch=True)


def _buttons() -> st.SearchStrategy[callbacks.Button]:
    strategies = []
    for kind in callbacks.kinds():
        hints = get_type_hints(kind)
        parts = {f.name: _values(hints[f.name]) for f in dataclasses.fields(kind)}  # type: ignore[arg-type]
        strategies.append(st.builds(kind, **parts))
    return st.one_of(strategies)


@given(_buttons())
def test_every_declared_button_round_trips(button: callbacks.Button) -> None:
    assert len(button.data.encode()) <= callbacks.MAX_DATA_BYTES
    assert parse(button.data) == button


def _near_miss(button: callbacks.Button, noise: str, where: int) -> str:
    parts = button.data.split(":")
    parts[where % len(parts)] = noise
    return ":".join(parts)


@given(
    st.one_of(
        st.text(max_size=80),
        st.binary(max_size=80).map(lambda b: b.decode("latin-1")),
        st.builds(_near_miss, _buttons(), st.text(max_size=25), st.integers(0, 5)),
        st.lists(st.text(max_size=12), max_size=6).map(":".join),
    )
)
def test_parse_raises_nothing_but_stale_button(data: str) -> None:
    try:
        value = parse(data)
    except StaleButton:
        return
    # whatever parses is a declared kind that writes back the same text
    assert isinstance(value, callbacks.Button)
    assert value.data == data


def test_import_field_words_are_the_importers_fields() -> None:
    words = set(get_args(callbacks.ImportField)) - {"ignore"}
    assert words == set(FIELD_BY_KEY)


def test_ids_are_bounded_to_the_63_bit_range() -> None:
    assert parse(f"todo:paid:{MAX_ID}") == callbacks.TodoMark("paid", MAX_ID)
    with pytest.raises(StaleButton):
        parse(f"todo:paid:{MAX_ID + 1}")
