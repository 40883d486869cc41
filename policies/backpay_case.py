"""The back-payment case (补缴案例) as a state machine: which moves the office's answers allow.

A case follows the file at the social-insurance office: prepared (待提交), handed in (已提交),
accepted (已受理), sent back for more papers (需补充材料, then handed in again), and finally
paid (已完成) or refused (已驳回, with the office's reason). The allowed moves are data
(`MOVES`), so the buttons HR see and the check the service makes read the same table.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CaseState(StrEnum):
    """Where the case stands; the value is stored, the label is what HR see."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    NEEDS_MATERIALS = "needs_materials"
    COMPLETED = "completed"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]

    @property
    def is_closed(self) -> bool:
        return self in CLOSED_STATES


STATE_LABELS: dict[CaseState, str] = {
    CaseState.DRAFT: "待提交",
    CaseState.SUBMITTED: "已提交",
    CaseState.ACCEPTED: "已受理",
    CaseState.NEEDS_MATERIALS: "需补充材料",
    CaseState.COMPLETED: "已完成",
    CaseState.REJECTED: "已驳回",
}

CLOSED_STATES = frozenset({CaseState.COMPLETED, CaseState.REJECTED})

#: Every move HR may record, from each state, in the order the buttons show them.
MOVES: dict[CaseState, tuple[CaseState, ...]] = {
    CaseState.DRAFT: (CaseState.SUBMITTED,),
    CaseState.SUBMITTED: (CaseState.ACCEPTED, CaseState.NEEDS_MATERIALS, CaseState.REJECTED),
    CaseState.ACCEPTED: (CaseState.COMPLETED, CaseState.NEEDS_MATERIALS, CaseState.REJECTED),
    CaseState.NEEDS_MATERIALS: (CaseState.SUBMITTED, CaseState.REJECTED),
    CaseState.COMPLETED: (),
    CaseState.REJECTED: (),
}


class CaseReason(StrEnum):
    """Why the month was missed (补缴原因); 其他 comes with HR's own words."""

    ONBOARDING_NOT_SYNCED = "onboarding"
    WRONG_EMPLOYEE_DATA = "wrong_data"
    MISSED_DECLARATION = "missed"
    OTHER = "other"

    @property
    def label(self) -> str:
        return REASON_LABELS[self]


REASON_LABELS: dict[CaseReason, str] = {
    CaseReason.ONBOARDING_NOT_SYNCED: "入职信息未同步",
    CaseReason.WRONG_EMPLOYEE_DATA: "员工信息有误",
    CaseReason.MISSED_DECLARATION: "遗漏申报",
    CaseReason.OTHER: "其他",
}


@dataclass(eq=False)
class IllegalMove(ValueError):
    """`wanted` cannot follow `current`; `possible` are the moves that can (may be empty)."""

    current: CaseState
    wanted: CaseState
    possible: tuple[CaseState, ...]

    def __str__(self) -> str:
        return f"{self.current} -> {self.wanted} not allowed; possible: {self.possible}"


def possible_moves(state: CaseState) -> tuple[CaseState, ...]:
    """The states a case in `state` may move to (none once closed)."""
    return MOVES[state]


def can_move(current: CaseState, wanted: CaseState) -> bool:
    return wanted in MOVES[current]


def move(current: CaseState, wanted: CaseState) -> CaseState:
    """The new state, or IllegalMove naming the moves that are possible from `current`."""
    if not can_move(current, wanted):
        raise IllegalMove(current, wanted, MOVES[current])
    return wanted


def needs_note(wanted: CaseState) -> bool:
    """A rejection is recorded with the office's reason."""
    return wanted is CaseState.REJECTED
