"""Hire registration (入职登记): validate each answer, then create the obligations at once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.parsing import (
    InputError,
    parse_amount,
    parse_city_name,
    parse_day,
    parse_department_name,
    parse_person_name,
)
from bot.services.access import Member
from bot.services.reminder_planning import plan_task_reminders
from models import audit
from models.db import unit_of_work
from models.employee import (
    Department,
    Employee,
    department_by_id,
    departments,
    employee_by_id_number,
    get_or_create_department,
)
from models.ledger import LedgerMonth, LedgerState
from models.task import Task, TaskKind
from policies.deadlines import month_of, registration_deadline
from policies.hiring import FirstDayRefused, check_first_day
from policies.idnumber import InvalidIdNumber, mask_id_number, validate_id_number

#: Optional hook, set by the policy library once loaded: (city, month, base) -> (base, note).
BaseClamp = Callable[[str, date, Decimal], tuple[Decimal, str | None]]


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
    department: str
    base: Decimal
    effective_base: Decimal
    base_note: str | None
    insured_city: str
    deadline: date
    warning: str | None


@dataclass(frozen=True)
class HireResult:
    employee_id: int
    task_id: int
    ledger_id: int
    name: str
    deadline: date
    month: date
    effective_base: Decimal


def accept_name(text: str) -> str:
    return parse_person_name(text)


def accept_id_number(engine: Engine, member: Member, text: str, *, today: date) -> str:
    """Validated, normalised 身份证; refuses a duplicate within the company, naming it masked."""
    try:
        value = validate_id_number(text, today=today).value
    except InvalidIdNumber as error:
        raise InputError("❌ " + error.message) from None
    with Session(engine) as session:
        existing = employee_by_id_number(session, member.company_id, value)
    if existing is not None:
        raise InputError(
            f"❌ 该身份证号码已登记：{existing.name}（{mask_id_number(existing.id_number)}，"
            f"用工之日 {existing.first_day.isoformat()}）。"
            "请输入其他员工的身份证号码，或发送 /cancel 取消。"
        )
    return value


def accept_first_day(text: str, *, today: date) -> tuple[date, str | None]:
    try:
        check = check_first_day(parse_day(text, today=today), today=today)
    except FirstDayRefused as error:
        raise InputError("❌ " + error.message) from None
    except InputError as error:
        raise InputError("❌ " + error.message) from None
    return check.first_day, check.warning


def accept_department_name(text: str) -> str:
    return parse_department_name(text)


def accept_base(text: str) -> Decimal:
    try:
        return parse_amount(text)
    except InputError as error:
        raise InputError("❌ 缴费基数" + error.message.removeprefix("“")) from None


def accept_city(text: str) -> str:
    return parse_city_name(text)


def company_departments(engine: Engine, member: Member) -> list[Department]:
    with Session(engine) as session:
        return departments(session, member.company_id)


def _department_label(session: Session, member: Member, draft: HireDraft) -> str:
    if draft.new_department:
        return draft.new_department
    if draft.department_id is not None:
        found = department_by_id(session, member.company_id, draft.department_id)
        if found is not None:
            return found.name
    return "（未填写）"


def preview(
    engine: Engine,
    member: Member,
    draft: HireDraft,
    *,
    today: date,
    clamp: BaseClamp | None = None,
) -> HirePreview:
    """Everything the confirmation message shows, computed before anything is written."""
    assert draft.name and draft.id_number and draft.first_day and draft.base
    first_day = date.fromisoformat(draft.first_day)
    base = Decimal(draft.base)
    city = draft.insured_city or member.city
    effective, note = clamp(city, month_of(first_day), base) if clamp else (base, None)
    with Session(engine) as session:
        department = _department_label(session, member, draft)
    return HirePreview(
        name=draft.name,
        masked_id=mask_id_number(draft.id_number),
        first_day=first_day,
        department=department,
        base=base,
        effective_base=effective,
        base_note=note,
        insured_city=city,
        deadline=registration_deadline(first_day),
        warning=check_first_day(first_day, today=today).warning if first_day <= today else None,
    )


def register_hire(
    engine: Engine,
    member: Member,
    draft: HireDraft,
    *,
    today: date,
    clamp: BaseClamp | None = None,
) -> HireResult:
    """One transaction: employee, registration task (art. 58), first ledger month, audit row."""
    facts = preview(engine, member, draft, today=today, clamp=clamp)
    assert draft.id_number
    try:
        with unit_of_work(engine) as session:
            if employee_by_id_number(session, member.company_id, draft.id_number) is not None:
                raise InputError(
                    "❌ 该身份证号码已在其他会话中登记，本次未重复登记。发送 /employees 查看。"
                )
            department_id = draft.department_id
            if draft.new_department:
                department_id = get_or_create_department(
                    session, member.company_id, draft.new_department
                ).id
            elif department_id is not None and department_by_id(
                session, member.company_id, department_id
            ) is None:
                department_id = None
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
            assert employee.id is not None
            task = Task(
                company_id=member.company_id,
                employee_id=employee.id,
                kind=TaskKind.REGISTRATION,
                title=f"{facts.name} 社保登记",
                due_date=facts.deadline,
            )
            month = month_of(facts.first_day)
            ledger = LedgerMonth(
                company_id=member.company_id,
                employee_id=employee.id,
                month=month,
                state=LedgerState.PENDING,
                base=facts.effective_base,
            )
            session.add(task)
            session.add(ledger)
            session.flush()
            assert task.id is not None and ledger.id is not None
            plan_task_reminders(session, task, today=today, owner_user_id=member.user_id)
            audit.record(
                session,
                member.company_id,
                member.user_id,
                "employee.hired",
                employee_id=employee.id,
                first_day=facts.first_day.isoformat(),
                deadline=facts.deadline.isoformat(),
            )
            return HireResult(
                employee_id=employee.id,
                task_id=task.id,
                ledger_id=ledger.id,
                name=facts.name,
                deadline=facts.deadline,
                month=month,
                effective_base=facts.effective_base,
            )
    except IntegrityError:
        raise InputError("❌ 该身份证号码已登记，本次未重复登记。发送 /employees 查看。") from None
