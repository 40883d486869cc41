"""The roll-over jobs' shared state (handlers.ledger.RolloverJobState): typed and frozen."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from handlers.ledger import RolloverJobState

NOW = datetime(2027, 1, 31, 15, 30, tzinfo=UTC)


def test_a_run_within_the_hour_and_month_is_skipped_and_the_first_is_full() -> None:
    state = RolloverJobState()
    assert state.last_finished is None and not state.ran_recently(NOW)
    state.finished.append(NOW - timedelta(hours=2))
    state.finished.append(NOW)
    assert state.last_finished == NOW and len(state.finished) == 1
    assert state.ran_recently(NOW + timedelta(minutes=59))
    assert not state.ran_recently(NOW + timedelta(minutes=61))
    # A new month starts: run even within the hour.
    state.finished.append(datetime(2027, 1, 31, 23, 30, tzinfo=UTC))
    assert not state.ran_recently(datetime(2027, 2, 1, 0, 10, tzinfo=UTC))


def test_its_fields_cannot_be_replaced() -> None:
    state = RolloverJobState()
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.lock = state.lock  # type: ignore[misc]
