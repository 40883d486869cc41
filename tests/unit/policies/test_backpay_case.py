"""The back-payment case's state machine: the office's answers as allowed moves."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policies.backpay_case import (
    CLOSED_STATES,
    MOVES,
    CaseReason,
    CaseState,
    IllegalMove,
    can_move,
    move,
    possible_moves,
)

S = CaseState


def test_the_happy_path_with_one_round_of_missing_papers() -> None:
    state = S.DRAFT
    for wanted in (S.SUBMITTED, S.NEEDS_MATERIALS, S.SUBMITTED, S.ACCEPTED, S.COMPLETED):
        state = move(state, wanted)
    assert state is S.COMPLETED and state.label == "已完成"


def test_rejection_from_every_state_after_submission() -> None:
    for state in (S.SUBMITTED, S.ACCEPTED, S.NEEDS_MATERIALS):
        assert move(state, S.REJECTED) is S.REJECTED


def test_an_illegal_move_names_the_possible_ones() -> None:
    with pytest.raises(IllegalMove) as caught:
        move(S.DRAFT, S.COMPLETED)
    assert caught.value.current is S.DRAFT
    assert caught.value.possible == (S.SUBMITTED,)


def test_closed_cases_allow_nothing() -> None:
    for state in CLOSED_STATES:
        assert possible_moves(state) == ()
        assert state.is_closed


def test_labels_are_the_office_words() -> None:
    assert [s.label for s in S] == ["待提交", "已提交", "已受理", "需补充材料", "已完成", "已驳回"]
    assert [r.label for r in CaseReason] == ["入职信息未同步", "员工信息有误", "遗漏申报", "其他"]


def test_every_open_state_can_reach_completion_and_no_state_moves_to_itself() -> None:
    for state in S:
        assert state not in MOVES[state]
        seen, frontier = {state}, [state]
        while frontier:
            for nxt in MOVES[frontier.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    frontier.append(nxt)
        assert state.is_closed or S.COMPLETED in seen


@given(st.lists(st.sampled_from(list(S)), max_size=30))
def test_any_sequence_of_presses_stays_on_the_table(presses: list[CaseState]) -> None:
    state = S.DRAFT
    for wanted in presses:
        if can_move(state, wanted):
            state = move(state, wanted)
        else:
            with pytest.raises(IllegalMove) as caught:
                move(state, wanted)
            assert caught.value.possible == MOVES[state]
            assert wanted not in caught.value.possible
    assert state in S
    assert not state.is_closed or possible_moves(state) == ()
