"""Back-payment cases (补缴案例): from "we missed a month" to "paid" or "refused".

A case freezes the calculator's result (policies.backpay) with the policy version when HR open
it, moves its ledger months to 补缴中, and follows the office's answers through the state machine
of policies.backpay_case. 已完成 moves the months to 已补缴 and re-prices the late fee for the
actual payment date; 已驳回 puts them back where they were. Every function opens one unit of work
scoped to the member's company and returns typed values; refusals are typed errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.documents.facts import CaseFacts, ChangedField
from bot.documents.facts import CaseReason as DocumentReason
from bot.services import backpay
from bot.services.access import Member
from bot.services.audit import Viewed, record_view
from bot.services.errors import (
    CaseMonthsTaken,
    CaseMoveRefused,
    CaseNotFound,
    EmployeeNotFound,
    NoGapMonths,
    Operation,
    PaymentDateOutOfRange,
)
from bot.services.ledger import obligation_due
from bot.services.reminder_planning import plan_case_stall
from bot.settings import ReminderConfig
from models.backpay_case import BackpayCase, CaseEvent, case_by_id, case_events, open_cases
from models.company import Company, Membership, employee_membership
from models.db import unit_of_work
from models.employee import Employee, employee_by_id
from models.ledger import LedgerMonth
from policies.backpay import BackPayment, BackPaymentMonth
from policies.backpay_case import CaseReason, CaseState, IllegalMove, move, possible_moves
from policies.contributions import ContributionItem, MonthlyContribution
from policies.idnumber import mask_id_number
from policies.ledger_rules import LedgerState, is_gap, month_of
from policies.library import PolicyLibrary, RegionPolicy
from policies.schema import PolicyVersion
from policies.timezones import today_in

#: Ledger states a case may take a month from (not yet paid, not in another case).
_OPENABLE = (LedgerState.PENDING, LedgerState.DECLARED)


# ---------------------------------------------------------------- frozen amounts


@dataclass(frozen=True)
class FrozenItem:
    """One insurance's parts of one month, as priced at opening."""

    insurance: str
    base: Decimal
    clamped: str | None
    employer: Decimal
    employee: Decimal


@dataclass(frozen=True)
class FrozenMonth:
    """One month of a case as the calculator priced it when the case was opened."""

    month: date
    due: date
    base: Decimal
    overdue_days: int
    employer: Decimal
    employee: Decimal
    late_fee: Decimal
    version: str
    version_label: str
    items: tuple[FrozenItem, ...]
    clamped: str | None = None
    with_registration: bool = False
    rule_unconfirmed: bool = False
    #: The ledger state the month had before the case took it (restored on 已驳回).
    ledger_before: str | None = None

    @property
    def total(self) -> Decimal:
        return self.employer + self.employee + self.late_fee

    def to_json(self) -> dict[str, Any]:
        return {
            "month": self.month.isoformat(), "due": self.due.isoformat(), "base": str(self.base),
            "overdue_days": self.overdue_days, "employer": str(self.employer),
            "employee": str(self.employee), "late_fee": str(self.late_fee),
            "version": self.version, "version_label": self.version_label,
            "items": [[i.insurance, str(i.base), i.clamped, str(i.employer), str(i.employee)]
                      for i in self.items],
            "clamped": self.clamped, "with_registration": self.with_registration,
            "rule_unconfirmed": self.rule_unconfirmed, "ledger_before": self.ledger_before,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FrozenMonth:
        return cls(
            month=date.fromisoformat(data["month"]), due=date.fromisoformat(data["due"]),
            base=Decimal(data["base"]), overdue_days=int(data["overdue_days"]),
            employer=Decimal(data["employer"]), employee=Decimal(data["employee"]),
            late_fee=Decimal(data["late_fee"]), version=data["version"],
            version_label=data["version_label"],
            items=tuple(FrozenItem(k, Decimal(base), clamped, Decimal(a), Decimal(b))
                        for k, base, clamped, a, b in data["items"]),
            clamped=data.get("clamped"), with_registration=bool(data.get("with_registration")),
            rule_unconfirmed=bool(data.get("rule_unconfirmed")),
            ledger_before=data.get("ledger_before"),
        )


def freeze(result: BackPayment) -> list[FrozenMonth]:
    """The calculator's months as they are kept in the case."""
    return [
        FrozenMonth(
            month=m.month, due=m.due, base=m.contribution.base, overdue_days=m.overdue_days,
            employer=m.employer, employee=m.employee, late_fee=m.late_fee,
            version=m.version.id, version_label=m.version.label,
            items=tuple(FrozenItem(i.insurance, i.base, i.clamped, i.employer, i.employee)
                        for i in m.contribution.items),
            clamped=m.contribution.clamped, with_registration=m.with_registration,
            rule_unconfirmed=m.rule_unconfirmed,
        )
        for m in result.months
    ]


# ---------------------------------------------------------------- what handlers get


@dataclass(frozen=True)
class CaseSubject:
    """Whose months a new case would take: the employee's unpaid months up to now."""

    employee_id: int
    name: str
    months: tuple[date, ...]


@dataclass(frozen=True)
class HistoryEntry:
    from_state: CaseState | None
    to_state: CaseState
    on: date
    by: str
    note: str | None


@dataclass(frozen=True)
class LateFeeChange:
    """The late fee re-priced for the actual payment date."""

    planned_on: date
    paid_on: date
    planned: Decimal
    actual: Decimal

    @property
    def difference(self) -> Decimal:
        return self.actual - self.planned


@dataclass(frozen=True)
class CaseView:
    """One case as HR see it in /cases."""

    id: int
    company_id: int
    company_name: str
    employee_id: int
    employee_name: str
    masked_id: str
    city: str
    base: Decimal
    months: tuple[FrozenMonth, ...]
    employer: Decimal
    employee: Decimal
    late_fee: Decimal
    policy_version: str
    reason: CaseReason
    reason_text: str | None
    #: 员工信息有误: the corrected fields' names (values stay out of chat: they may be 身份证).
    changed_field_names: tuple[str, ...]
    planned_pay_date: date
    actual_pay_date: date | None
    actual_late_fee: Decimal | None
    state: CaseState
    opened_on: date
    age_days: int
    history: tuple[HistoryEntry, ...]
    possible: tuple[CaseState, ...]
    #: A Telegram user is bound to the employee (发送给员工 is offered then).
    employee_bound: bool = False

    @property
    def month_list(self) -> tuple[date, ...]:
        return tuple(m.month for m in self.months)

    @property
    def total(self) -> Decimal:
        return self.employer + self.employee + self.late_fee

    @property
    def late_fee_change(self) -> LateFeeChange | None:
        if self.actual_pay_date is None or self.actual_late_fee is None:
            return None
        return LateFeeChange(self.planned_pay_date, self.actual_pay_date, self.late_fee,
                             self.actual_late_fee)


@dataclass(frozen=True)
class CaseLine:
    """One open case in the /cases list."""

    id: int
    employee_name: str
    months: tuple[date, ...]
    state: CaseState
    age_days: int
    total: Decimal


@dataclass(frozen=True)
class CaseMoved:
    view: CaseView
    previous: CaseState
    late_fee_change: LateFeeChange | None = None


# ---------------------------------------------------------------- opening


def _unpaid_months(session: Session, company_id: int, employee_id: int,
                   today: date) -> list[LedgerMonth]:
    statement = select(LedgerMonth).where(
        LedgerMonth.company_id == company_id,
        LedgerMonth.employee_id == employee_id,
        col(LedgerMonth.state).in_([s.value for s in _OPENABLE]),
        LedgerMonth.month <= month_of(today),
    )
    return list(session.exec(statement.order_by(col(LedgerMonth.month))))


def gap_subject(engine: Engine, member: Member, library: PolicyLibrary | None,
                employee_id: int, today: date) -> CaseSubject:
    """The employee's gap months (断缴: unpaid after their own due date, first-month rule
    included) that no case holds yet, for 办理补缴 on an overdue registration reminder or a
    /ledger line; a month not yet due is an ordinary contribution, not a back-payment.
    NoGapMonths when there is none."""
    with Session(engine) as session:
        employee = employee_by_id(session, member.company_id, employee_id)
        if employee is None or employee.id is None:
            raise EmployeeNotFound(Operation.BACKPAY)
        months = tuple(
            r.month for r in _unpaid_months(session, member.company_id, employee.id, today)
            if is_gap(r.state, obligation_due(library, employee.insured_city, r.month,
                                              employee.first_day).due, today)
        )
    if not months:
        raise NoGapMonths(employee.name)
    return CaseSubject(employee.id, employee.name, months)


def employee_name(engine: Engine, member: Member, employee_id: int) -> str:
    """The name a case conversation shows (EmployeeNotFound outside the company)."""
    with Session(engine) as session:
        employee = employee_by_id(session, member.company_id, employee_id)
    if employee is None:
        raise EmployeeNotFound(Operation.BACKPAY)
    return employee.name


def open_case(
    engine: Engine,
    member: Member,
    library: PolicyLibrary,
    *,
    employee_id: int,
    months: Sequence[date],
    pay_date: date,
    reason: CaseReason,
    reason_text: str | None,
    today: date,
    now: datetime,
    changed_fields: Sequence[tuple[str, str, str]] = (),
    reminder_defaults: ReminderConfig | None = None,
) -> CaseView:
    """Price the months as /backpay does, freeze the result and move the months to 补缴中.

    Months already in a case or paid are refused (CaseMonthsTaken) so one month is never
    back-paid twice; the whole case is one transaction with its first history entry.
    """
    subject = backpay.subject_for_employee(engine, member, employee_id, today=today)
    view = backpay.compute(library, subject, list(months), pay_date)
    frozen = freeze(view.result)
    with unit_of_work(engine) as session:
        employee = employee_by_id(session, member.company_id, employee_id)
        if employee is None or employee.id is None:
            raise EmployeeNotFound(Operation.BACKPAY)
        rows = {r.month: r for r in session.exec(select(LedgerMonth).where(
            LedgerMonth.company_id == member.company_id,
            LedgerMonth.employee_id == employee.id,
            col(LedgerMonth.month).in_([m.month for m in frozen]),
        ).with_for_update())}
        taken = tuple(m for m, r in sorted(rows.items()) if r.state not in _OPENABLE)
        if taken:
            raise CaseMonthsTaken(employee.name, taken)
        kept = []
        for month in frozen:
            row = rows.get(month.month)
            before = None
            if row is not None:
                before = row.state
                row.state = LedgerState.BACKPAYING
                row.marked_by = member.user_id
                row.updated_at = now
            kept.append(replace(month, ledger_before=before))
        result = view.result
        case = BackpayCase(
            company_id=member.company_id, employee_id=employee.id, city=subject.city,
            base=subject.base, first_day=subject.first_day,
            months=[m.to_json() for m in kept], employer_total=result.employer,
            employee_total=result.employee, late_fee=result.late_fee,
            policy_version=result.rules_version.id, reason=reason,
            reason_text=reason_text if reason is CaseReason.OTHER else None,
            changed_fields=[list(f) for f in changed_fields]
            if reason is CaseReason.WRONG_EMPLOYEE_DATA and changed_fields else None,
            planned_pay_date=pay_date, state=CaseState.DRAFT, opened_by=member.user_id,
            opened_at=now, last_change_at=now,
        )
        session.add(case)
        session.flush()
        assert case.id is not None
        session.add(CaseEvent(case_id=case.id, company_id=member.company_id, from_state=None,
                              to_state=CaseState.DRAFT, on=today, at=now, by=member.user_id))
        plan_case_stall(session, member.company_id, case.id, last_change_on=today,
                        owner_user_id=member.user_id, defaults=reminder_defaults)
        session.flush()
        return _view(session, case, today)


# ---------------------------------------------------------------- reading


def _names(session: Session, company_id: int, user_ids: set[int]) -> dict[int, str]:
    statement = select(Membership.telegram_user_id, Membership.display_name).where(
        Membership.company_id == company_id,
        col(Membership.telegram_user_id).in_(list(user_ids)),
    )
    return {uid: name for uid, name in session.exec(statement)}


def _view(session: Session, case: BackpayCase, today: date) -> CaseView:
    assert case.id is not None
    employee = session.get(Employee, case.employee_id)
    company = session.get(Company, case.company_id)
    assert employee is not None and company is not None
    events = case_events(session, case.company_id, case.id)
    names = _names(session, case.company_id, {e.by for e in events})
    state = CaseState(case.state)
    opened_on = today_in(company.timezone, case.opened_at)
    return CaseView(
        id=case.id, company_id=case.company_id, company_name=company.name,
        employee_id=case.employee_id, employee_name=employee.name,
        masked_id=mask_id_number(employee.id_number), city=case.city, base=case.base,
        months=tuple(FrozenMonth.from_json(m) for m in case.months),
        employer=case.employer_total, employee=case.employee_total, late_fee=case.late_fee,
        policy_version=case.policy_version, reason=CaseReason(case.reason),
        reason_text=case.reason_text,
        changed_field_names=tuple(f[0] for f in case.changed_fields or ()),
        planned_pay_date=case.planned_pay_date,
        actual_pay_date=case.actual_pay_date, actual_late_fee=case.actual_late_fee,
        state=state, opened_on=opened_on, age_days=(today - opened_on).days,
        history=tuple(
            HistoryEntry(CaseState(e.from_state) if e.from_state else None,
                         CaseState(e.to_state), e.on, names.get(e.by, ""), e.note)
            for e in events
        ),
        possible=possible_moves(state),
        employee_bound=employee_membership(session, case.company_id,
                                           case.employee_id) is not None,
    )


def case_view(engine: Engine, member: Member, case_id: int, today: date) -> CaseView:
    """One case of the member's company with its history; CaseNotFound otherwise."""
    with Session(engine) as session:
        case = case_by_id(session, member.company_id, case_id)
        if case is None:
            raise CaseNotFound()
        return _view(session, case, today)


def list_open(engine: Engine, member: Member, today: date) -> list[CaseLine]:
    """The company's open cases, oldest first, with state, age and amount."""
    with Session(engine) as session:
        cases = open_cases(session, member.company_id)
        names = {e.id: e.name for e in session.exec(select(Employee).where(
            Employee.company_id == member.company_id,
            col(Employee.id).in_([c.employee_id for c in cases]),
        ))}
    lines = []
    for case in cases:
        assert case.id is not None
        opened_on = today_in(member.timezone, case.opened_at)
        lines.append(CaseLine(
            id=case.id, employee_name=names.get(case.employee_id, ""),
            months=tuple(date.fromisoformat(m["month"]) for m in case.months),
            state=CaseState(case.state), age_days=(today - opened_on).days,
            total=case.employer_total + case.employee_total + case.late_fee,
        ))
    return lines


# ---------------------------------------------------------------- moving


def _reprice(library: PolicyLibrary, case: BackpayCase, paid_on: date) -> Decimal:
    """The late fee of the frozen months if paid on `paid_on` (the calculator again, with the
    same base, months and first day)."""
    subject = backpay.Subject(base=case.base, city=case.city,
                              periods=((case.first_day, None),) if case.first_day else ())
    months = [date.fromisoformat(m["month"]) for m in case.months]
    return backpay.compute(library, subject, months, paid_on).result.late_fee


def move_case(
    engine: Engine,
    member: Member,
    library: PolicyLibrary,
    case_id: int,
    wanted: CaseState,
    *,
    expected: CaseState | None = None,
    today: date,
    now: datetime,
    note: str | None = None,
    paid_on: date | None = None,
    reminder_defaults: ReminderConfig | None = None,
) -> CaseMoved:
    """Record the office's answer: `wanted` on `today` by the member.

    `expected` is the state the pressed button was shown for: when the case moved meanwhile,
    the press is refused with the moves possible now. 已完成 takes `paid_on` (the actual
    payment date, the planned one by default) and re-prices the late fee for it.
    """
    with unit_of_work(engine) as session:
        case = session.exec(select(BackpayCase).where(
            BackpayCase.company_id == member.company_id, BackpayCase.id == case_id,
        ).with_for_update()).first()
        if case is None or case.id is None:
            raise CaseNotFound()
        current = CaseState(case.state)
        try:
            if expected is not None and expected is not current:
                raise IllegalMove(current, wanted, possible_moves(current))
            move(current, wanted)
        except IllegalMove as illegal:
            raise CaseMoveRefused(illegal.current, illegal.wanted,
                                  tuple(illegal.possible)) from None
        change = None
        if wanted is CaseState.COMPLETED:
            paid = paid_on or case.planned_pay_date
            frozen_first = min(date.fromisoformat(m["month"]) for m in case.months)
            if not frozen_first <= paid <= today:
                raise PaymentDateOutOfRange(paid, frozen_first, today)
            actual = _reprice(library, case, paid) if paid != case.planned_pay_date \
                else case.late_fee
            case.actual_pay_date = paid
            case.actual_late_fee = actual
            change = LateFeeChange(case.planned_pay_date, paid, case.late_fee, actual)
            _move_ledger(session, case, member, now, paid=paid)
        elif wanted is CaseState.REJECTED:
            _move_ledger(session, case, member, now, paid=None)
        case.state = wanted
        case.last_change_at = now
        if wanted.is_closed:
            case.closed_at = now
        session.add(CaseEvent(case_id=case.id, company_id=member.company_id,
                              from_state=current, to_state=wanted, on=today, at=now,
                              by=member.user_id, note=note))
        plan_case_stall(session, member.company_id, case.id,
                        last_change_on=None if wanted.is_closed else today,
                        owner_user_id=case.opened_by, defaults=reminder_defaults)
        session.flush()
        return CaseMoved(_view(session, case, today), current, change)


def _move_ledger(session: Session, case: BackpayCase, member: Member, now: datetime, *,
                 paid: date | None) -> None:
    """已完成: the case's 补缴中 months become 已补缴 (paid on `paid`); 已驳回 (paid None):
    they go back to the state they had before the case."""
    before = {date.fromisoformat(m["month"]): m.get("ledger_before") for m in case.months}
    rows = session.exec(select(LedgerMonth).where(
        LedgerMonth.company_id == case.company_id,
        LedgerMonth.employee_id == case.employee_id,
        col(LedgerMonth.month).in_(list(before)),
        LedgerMonth.state == LedgerState.BACKPAYING,
    ))
    for row in rows:
        if paid is not None:
            row.state = LedgerState.BACKPAID
            row.paid_on = paid
        else:
            row.state = before.get(row.month) or LedgerState.PENDING
        row.marked_by = member.user_id
        row.updated_at = now


# ---------------------------------------------------------------- documents


def _version(region: RegionPolicy, version_id: str, month: date) -> PolicyVersion:
    """The version that priced a frozen month: by its id, else the one in force that month."""
    return next((v for v in region.versions if v.id == version_id), None) \
        or region.version_for(month)


def thawed_months(region: RegionPolicy, case: BackpayCase) -> tuple[BackPaymentMonth, ...]:
    """The frozen months as the calculator's own types, every figure as stored at opening."""
    months = []
    for data in case.months:
        frozen = FrozenMonth.from_json(data)
        version = _version(region, frozen.version, frozen.month)
        contribution = MonthlyContribution(
            version=version, declared_base=case.base, base=frozen.base,
            clamped=frozen.clamped,  # type: ignore[arg-type]
            items=tuple(ContributionItem(i.insurance, i.base, i.clamped,  # type: ignore[arg-type]
                                         i.employer, i.employee) for i in frozen.items),
        )
        months.append(BackPaymentMonth(
            month=frozen.month, due=frozen.due, contribution=contribution,
            overdue_days=frozen.overdue_days, late_fee=frozen.late_fee,
            with_registration=frozen.with_registration,
            rule_unconfirmed=frozen.rule_unconfirmed,
        ))
    return tuple(months)


def _facts(session: Session, library: PolicyLibrary, case: BackpayCase,
           today: date | None, now: datetime | None) -> CaseFacts:
    employee = session.get(Employee, case.employee_id)
    company = session.get(Company, case.company_id)
    assert employee is not None and company is not None
    if today is None:
        assert now is not None
        today = today_in(company.timezone, now)
    region = library.region_or_national(case.city)
    return CaseFacts(
        company_name=company.name, employee_name=employee.name,
        id_number=employee.id_number, city=case.city, base=case.base,
        months=thawed_months(region, case), reason=DocumentReason[CaseReason(case.reason).name],
        planned_payment_date=case.planned_pay_date,
        policy_version=_version(region, case.policy_version, case.planned_pay_date),
        opened_on=today_in(company.timezone, case.opened_at), letter_date=today,
        reason_text=case.reason_text or "", first_day=case.first_day,
        changed_fields=tuple(ChangedField(*f) for f in case.changed_fields or ()),
        national_version=library.national.version_for(case.planned_pay_date),
    )


def case_facts(engine: Engine, member: Member, library: PolicyLibrary, case_id: int,
               today: date) -> CaseFacts:
    """What the case's documents print (bot.documents.case_documents): the frozen figures,
    the employee with the full 身份证 (the documents mask it unless HR's private copy), the
    reason. Recorded as a view of that person's personal data (bot/services/audit.py); the
    documents are made at the edge."""
    with Session(engine, expire_on_commit=False) as session:  # read on after the view's commit
        case = case_by_id(session, member.company_id, case_id)
        if case is None:
            raise CaseNotFound()
        facts = _facts(session, library, case, today, None)
        record_view(session, member, Viewed.CASE_DOCUMENTS, [case.employee_id],
                    case_id=case_id, full_id=True)
        session.commit()
        return facts


def case_facts_for_operator(engine: Engine, library: PolicyLibrary, case_id: int,
                            now: datetime) -> CaseFacts:
    """The same facts for the command line (`hrbot case documents`), whose operator holds the
    database itself: the case is read by id in whatever company it belongs to, dated in that
    company's zone."""
    with Session(engine) as session:
        case = session.get(BackpayCase, case_id)
        if case is None:
            raise CaseNotFound()
        return _facts(session, library, case, None, now)
