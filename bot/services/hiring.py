"""Hire registration (入职登记): validate each answer, then create the obligations at once."""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.services import leaving
from bot.services.access import Member
from bot.services.errors import IdNumberRegistered
from bot.services.ledger import complete_ledger, obligation_due
from bot.services.reminder_planning import plan_task_reminders
from bot.settings import ReminderConfig
from models import audit
from models.db import unit_of_work
from models.employee import (
    Department,
    Employee,
    EmployeeStatus,
    department_by_id,
    departments,
    employee_by_id_number,
    get_or_create_department,
)
from models.ledger import LedgerMonth, LedgerState, employee_ledger
from models.ledger_history import EmploymentPeriod
from models.task import Task, TaskKind, task_title
from policies.deadlines import month_of, registration_deadline
from policies.hiring import check_first_day
from policies.idnumber import mask_id_number
from policies.library import PolicyLibrary, UnknownRegion
from policies.month_price import PriceNote, price_month

log = logging.getLogger(__name__)


@dataclass
class HireDraft:
    """What HR have answered so far; JSON-safe so the conversation survives a restart."""

    name: str | None = None
    id_number: str | None = None
    first_day: str | None = None
    department_id: int | None = None
    new_department: str | None = None
    base: str | None = None
    insured_city: str | None = None
    #: Set when the 身份证 belongs to a former employee: 确认 starts a new employment period.
    rehire: bool = False
    #: Names this registration attempt; stored with the hire's audit entry, so a 确认 pressed
    #: again after a crash between the commit and the reply is recognised as the same hire.
    key: str | None = None

    @classmethod
    def start(cls) -> HireDraft:
        """A fresh draft with its own idempotency key."""
        return cls(key=uuid.uuid4().hex)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, object] | None) -> HireDraft:
        fields = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in (data or {}).items() if k in fields})  # type: ignore[arg-type]


@dataclass(frozen=True)
class HirePreview:
    name: str
    masked_id: str
    first_day: date
    department: str | None
    base: Decimal
    effective_base: Decimal
    #: Why the billed base differs from the typed one (policies.month_price), if it does.
    base_note: PriceNote | None
    insured_city: str
    deadline: date
    warning: str | None
    rehire: bool = False


@dataclass(frozen=True)
class HireResult:
    employee_id: int
    task_id: int
    ledger_id: int
    name: str
    deadline: date
    month: date
    effective_base: Decimal
    employer_amount: Decimal | None = None
    employee_amount: Decimal | None = None
    #: The first month's due date under the city's first-month rule.
    month_due: date | None = None
    #: Every month created by the hire (first day to this month), with when each is due.
    months: tuple[OwedMonth, ...] = ()

    @property
    def overdue_months(self) -> tuple[OwedMonth, ...]:
        return tuple(m for m in self.months if m.overdue)

    @property
    def unconfirmed(self) -> bool:
        return any(m.unconfirmed for m in self.months)


@dataclass(frozen=True)
class OwedMonth:
    """A ledger month a hire created, as every view shows it (policies.obligations)."""

    month: date
    due: date
    with_registration: bool
    unconfirmed: bool
    overdue: bool


def _owed_month(
    library: PolicyLibrary | None, city: str, month: date, first_day: date, today: date
) -> OwedMonth:
    owed = obligation_due(library, city, month, first_day)
    return OwedMonth(
        month, owed.due, owed.with_registration, owed.unconfirmed, owed.is_overdue(today)
    )


@dataclass(frozen=True)
class FormerEmployee:
    """The 身份证 typed is a former employee's of this company: 确认 re-hires them with a new
    employment period, their earlier records kept."""

    name: str
    masked_id: str
    last_day: date | None


def check_id_number(engine: Engine, member: Member, id_number: str) -> FormerEmployee | None:
    """A validated 身份证 may be hired: nobody's (None) or a former employee's; a current
    employee's raises IdNumberRegistered naming the record masked."""
    with Session(engine) as session:
        existing = employee_by_id_number(session, member.company_id, id_number)
    if existing is None:
        return None
    if existing.status == EmployeeStatus.LEFT:
        return FormerEmployee(existing.name, mask_id_number(id_number), existing.last_day)
    raise IdNumberRegistered(
        existing.name, mask_id_number(existing.id_number), existing.first_day
    )


_HAN = re.compile(r"[\u4e00-\u9fff]+")


def known_city(typed: str, library: PolicyLibrary | None) -> str | None:
    """A city as the policy library names it (北京市, 京, 沪 → its name), or None when the
    library does not know the text as typed."""
    typed = typed.strip()
    if library is not None and _HAN.fullmatch(typed):
        return library.canonical_city(typed)
    return None


def library_city(city: str, library: PolicyLibrary | None) -> str:
    """A well-formed city name, as the library spells its region when it has one."""
    if library is not None:
        try:
            return library.region(city).city
        except UnknownRegion:
            return city
    return city


class HireField(StrEnum):
    """The answers /hire asks for by text, in order."""

    NAME = "name"
    ID_NUMBER = "id_number"
    FIRST_DAY = "first_day"
    DEPARTMENT = "department"
    BASE = "base"
    CITY = "city"


#: A typed answer once read: a name, 身份证, department or city (str), a first day, a base.
HireAnswer = str | date | Decimal


#: The answers `apply_answer` checks against the company's records (the others only go into
#: the draft, so a caller on an event loop need not hand them to a worker thread).
ANSWERS_READING_RECORDS = frozenset({HireField.ID_NUMBER, HireField.DEPARTMENT})


def apply_answer(
    engine: Engine, member: Member, draft: HireDraft, field: HireField, value: HireAnswer
) -> FormerEmployee | None:
    """Write one answer, read and validated at the edge, into the draft.

    A 身份证 is checked against the company's records (IdNumberRegistered for a current
    employee's, leaving the draft as it was); a former employee's is returned so HR are told
    确认 will re-hire them. A department name is matched to an existing department.
    """
    former = None
    if field is HireField.NAME:
        draft.name = str(value)
    elif field is HireField.ID_NUMBER:
        former = check_id_number(engine, member, str(value))
        draft.id_number, draft.rehire = str(value), former is not None
    elif field is HireField.FIRST_DAY:
        assert isinstance(value, date)
        draft.first_day = value.isoformat()
    elif field is HireField.DEPARTMENT:
        existing = {d.name: d.id for d in company_departments(engine, member)}
        draft.department_id = existing.get(str(value))
        draft.new_department = None if value in existing else str(value)
    elif field is HireField.BASE:
        assert isinstance(value, Decimal)
        draft.base = str(value)
    elif field is HireField.CITY:
        draft.insured_city = str(value)
    return former


def company_departments(engine: Engine, member: Member) -> list[Department]:
    with Session(engine) as session:
        return departments(session, member.company_id)


def _department_label(session: Session, member: Member, draft: HireDraft) -> str | None:
    if draft.new_department:
        return draft.new_department
    if draft.department_id is not None:
        found = department_by_id(session, member.company_id, draft.department_id)
        if found is not None:
            return found.name
    return None


def preview(
    engine: Engine,
    member: Member,
    draft: HireDraft,
    *,
    today: date,
    library: PolicyLibrary | None = None,
) -> HirePreview:
    """Everything the confirmation message shows, computed before anything is written."""
    assert draft.name and draft.id_number and draft.first_day and draft.base
    first_day = date.fromisoformat(draft.first_day)
    base = Decimal(draft.base)
    city = draft.insured_city or member.city
    price = price_month(library, city, month_of(first_day), base)
    with Session(engine) as session:
        department = _department_label(session, member, draft)
    return HirePreview(
        name=draft.name,
        masked_id=mask_id_number(draft.id_number),
        first_day=first_day,
        department=department,
        base=base,
        effective_base=price.base,
        base_note=price.note,
        insured_city=city,
        deadline=registration_deadline(first_day),
        warning=check_first_day(first_day, today=today).warning if first_day <= today else None,
        rehire=draft.rehire,
    )


_HIRE_ACTIONS = ("employee.hired", "employee.rehired")


def _committed_hire(
    session: Session,
    member: Member,
    employee: Employee,
    key: str,
    library: PolicyLibrary | None,
    today: date,
) -> HireResult | None:
    """The result of this very draft's hire if it was already committed (by the same HR).

    A crash between the commit and the reply leaves the conversation at 确认; pressing it
    again must show 已登记 for the hire that was saved, not refuse it as a duplicate.
    """
    entry = audit.entry_with_key(
        session,
        member.company_id,
        actions=_HIRE_ACTIONS,
        actor_user_id=member.user_id,
        key_name="hire_key",
        key=key,
    )
    if entry is None or entry.detail.get("employee_id") != employee.id:
        return None
    task = session.get(Task, entry.detail.get("task_id"))
    ledger = session.get(LedgerMonth, entry.detail.get("ledger_id"))
    if task is None or ledger is None or employee.id is None:
        return None
    assert task.id is not None and ledger.id is not None
    owed = tuple(
        _owed_month(library, employee.insured_city, r.month, employee.first_day, today)
        for r in employee_ledger(session, member.company_id, employee.id)
        if r.month >= ledger.month and r.state == LedgerState.PENDING
    )
    return HireResult(
        employee_id=employee.id,
        task_id=task.id,
        ledger_id=ledger.id,
        name=employee.name,
        deadline=task.due_date,
        month=ledger.month,
        effective_base=ledger.base,
        employer_amount=ledger.employer_amount,
        employee_amount=ledger.employee_amount,
        month_due=owed[0].due if owed else None,
        months=owed,
    )


def register_hire(
    engine: Engine,
    member: Member,
    draft: HireDraft,
    *,
    today: date,
    library: PolicyLibrary | None = None,
    reminder_defaults: ReminderConfig | None = None,
) -> HireResult:
    """One transaction: employee, registration task (art. 58), first ledger month, audit row.

    A former employee's 身份证 re-hires them (new employment period, earlier months kept).
    Idempotent per draft key: the same draft confirmed again returns the committed result.
    """
    facts = preview(engine, member, draft, today=today, library=library)
    price = price_month(library, facts.insured_city, month_of(facts.first_day), facts.base)
    assert draft.id_number
    try:
        with unit_of_work(engine) as session:
            existing = employee_by_id_number(session, member.company_id, draft.id_number)
            if existing is not None and draft.key:
                committed = _committed_hire(
                    session, member, existing, draft.key, library, today
                )
                if committed is not None:
                    return committed
            if existing is not None and not (
                draft.rehire and existing.status == EmployeeStatus.LEFT
            ):
                raise IdNumberRegistered(concurrent=True)
            department_id = draft.department_id
            if draft.new_department:
                department_id = get_or_create_department(
                    session, member.company_id, draft.new_department
                ).id
            elif department_id is not None and department_by_id(
                session, member.company_id, department_id
            ) is None:
                department_id = None
            if existing is not None:
                employee = existing
                existing.name = facts.name
                task = leaving.rehire(
                    session,
                    member,
                    existing,
                    first_day=facts.first_day,
                    base=facts.base,
                    insured_city=facts.insured_city,
                    department_id=department_id,
                )
            else:
                employee = Employee(
                    company_id=member.company_id,
                    name=facts.name,
                    id_number=draft.id_number,
                    department_id=department_id,
                    base=facts.base,
                    insured_city=facts.insured_city,
                    first_day=facts.first_day,
                )
                session.add(employee)
                session.flush()
                task = Task(
                    company_id=member.company_id,
                    employee_id=employee.id,
                    kind=TaskKind.REGISTRATION,
                    title=task_title(TaskKind.REGISTRATION, facts.name),
                    due_date=facts.deadline,
                )
                session.add(task)
            assert employee.id is not None
            if existing is None:
                session.add(
                    EmploymentPeriod(
                        company_id=member.company_id,
                        employee_id=employee.id,
                        first_day=facts.first_day,
                        tracked_from=month_of(facts.first_day),
                    )
                )
                session.flush()
            month = month_of(facts.first_day)
            # A re-hire in the month the last period ended reuses that month's row.
            ledger = session.exec(
                select(LedgerMonth).where(
                    LedgerMonth.employee_id == employee.id, LedgerMonth.month == month
                )
            ).first()
            if ledger is not None:
                ledger.state = LedgerState.PENDING
                ledger.base = price.base
                ledger.employer_amount = price.employer
                ledger.employee_amount = price.employee
                session.add(ledger)
            complete_ledger(
                session,
                through=max(today, facts.first_day),
                library=library,
                employee_ids=[employee.id],
                since=month,
            )
            session.flush()
            rows = employee_ledger(session, member.company_id, employee.id)
            ledger = next(r for r in rows if r.month == month)
            owed = tuple(
                _owed_month(library, facts.insured_city, r.month, facts.first_day, today)
                for r in rows
                if r.month >= month and r.state == LedgerState.PENDING
            )
            assert task.id is not None and ledger.id is not None
            plan_task_reminders(
                session,
                task,
                today=today,
                defaults=reminder_defaults,
                owner_user_id=member.user_id,
            )
            audit.record(
                session,
                member.company_id,
                member.user_id,
                "employee.rehired" if existing is not None else "employee.hired",
                employee_id=employee.id,
                first_day=facts.first_day.isoformat(),
                deadline=facts.deadline.isoformat(),
                task_id=task.id,
                ledger_id=ledger.id,
                hire_key=draft.key,
            )
            # ids only: never the name, 身份证 or base (DEVELOPERS.md, Privacy)
            log.info("employee %s %s in company %s by user %s", employee.id,
                     "rehired" if existing is not None else "hired", member.company_id,
                     member.user_id)
            return HireResult(
                employee_id=employee.id,
                task_id=task.id,
                ledger_id=ledger.id,
                name=facts.name,
                deadline=facts.deadline,
                month=month,
                effective_base=price.base,
                employer_amount=price.employer,
                employee_amount=price.employee,
                month_due=owed[0].due if owed else None,
                months=owed,
            )
    except IntegrityError:
        raise IdNumberRegistered() from None
