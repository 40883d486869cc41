"""The to-do list: open tasks and unpaid ledger months, soonest deadline first."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from bot.services.access import Member
from bot.services.errors import (
    DateOutOfRange,
    LedgerRowNotFound,
    MonthAlreadyPaid,
    Operation,
    TaskAlreadyDone,
    TaskNotFound,
)
from bot.services.ledger import (
    deadline_holiday_gap,
    declaration_deadline,
    obligation_due,
    outside_employment,
)
from models import audit
from models.db import reading, unit_of_work
from models.employee import Employee
from models.ledger import LedgerState, ledger_row
from models.task import TaskStatus, task_by_id
from models.todo_lines import (
    MonthLine,
    first_open_tasks,
    first_recent_unpaid_months,
    first_unpaid_months,
    open_task_count,
    recent_hires_unpaid_buckets,
    unpaid_month_groups,
)
from policies.deadlines import days_left
from policies.library import PolicyLibrary
from policies.obligations import MonthDue as ObligationDue
from policies.obligations import is_paid_with_registration

#: Items per /todo page (UX.md: lists longer than a page get ◀ ▶).
PAGE_SIZE = 10


@dataclass(frozen=True)
class TodoItem:
    kind: str  # "task" | "month"
    item_id: int
    employee_name: str
    due: date
    days_left: int
    #: A task's kind (the template names it) and its stored title (for kinds it does not know).
    task_kind: str | None = None
    task_title: str = ""
    #: An unpaid month and its state.
    month: date | None = None
    state: LedgerState | None = None
    #: A new hire's month due with the registration (首月规则); ``unconfirmed`` says 未确认.
    with_registration: bool = False
    unconfirmed: bool = False
    #: The due date was found on a working-day calendar whose year has no holiday notice yet
    #: (it assumes no holiday shift; the list says so).
    holiday_notice_missing: int | None = None


@dataclass(frozen=True)
class TodoPage:
    """One page of the to-do list and where it sits in the whole."""

    items: list[TodoItem]
    total: int
    page: int
    pages: int
    #: How many items come before this page (for the numbering).
    offset: int


#: Employees who started within this many days may have months under the first-month rule
#: (a due date of their own, policies.obligations); their unpaid months are read row by row.
RECENT_HIRE_DAYS = 120


def todo_page(
    engine: Engine,
    member: Member,
    page: int,
    *,
    today: date,
    library: PolicyLibrary | None,
    page_size: int = PAGE_SIZE,
) -> TodoPage:
    """Open tasks and unpaid months, soonest deadline first (then months before tasks, then by
    id); each month is due as ``policies.obligations`` says (the insured city's deadline, or
    the registration's for a new hire's first months).

    Set-based: unpaid months of established staff are counted per (city, month) — the deadline
    is the same for the whole group — so the total and the page's place are known without
    reading every row, and only the rows that can fall on the page are fetched. Recent hires'
    months may follow the first-month rule, whose due date depends on the first day too: they
    are counted per (city, month, first day) the same way. A 10,000-employee company reads a
    few hundred counts and a few dozen rows, not 20,000 (reading recent hires' rows whole
    capped them at 5,000, so the total came out short).
    """
    recent_since = today - timedelta(days=RECENT_HIRE_DAYS)
    with reading(engine) as connection, Session(bind=connection) as session:
        tasks_total = open_task_count(session, member.company_id)
        groups = [
            (city, month, count, declaration_deadline(library, city, month))
            for city, month, count in unpaid_month_groups(
                session, member.company_id, started_before=recent_since
            )
        ]
        # recent hires' months: one due date per (city, month, first day)
        recent = [
            (city, month, first_day, count, obligation_due(library, city, month, first_day).due)
            for city, month, first_day, count in recent_hires_unpaid_buckets(
                session, member.company_id, recent_since
            )
        ]
        total = (
            tasks_total
            + sum(count for _, _, count, _ in groups)
            + sum(count for _, _, _, count, _ in recent)
        )
        pages = max(1, -(-total // page_size))
        page = min(max(page, 1), pages)
        offset = (page - 1) * page_size
        wanted = offset + page_size
        tasks = first_open_tasks(session, member.company_id, wanted)
        months: list[MonthLine] = []
        # Groups by deadline: every month due on one day sorts by id, so each day is one
        # query, and days after the page's last item are never read.
        by_due: dict[date, tuple[list[tuple[str, date]], list[tuple[str, date, date]]]] = {}
        for city, month, _, due in groups:
            by_due.setdefault(due, ([], []))[0].append((city, month))
        for city, month, first_day, _, due in recent:
            by_due.setdefault(due, ([], []))[1].append((city, month, first_day))
        fetched = 0
        for due in sorted(by_due):
            later_tasks = [t for t in tasks if t.due_date >= due]
            if fetched + (len(tasks) - len(later_tasks)) >= wanted:
                break
            keys, buckets = by_due[due]
            found = first_unpaid_months(
                session, member.company_id, keys, wanted, started_before=recent_since
            ) + first_recent_unpaid_months(
                session, member.company_id, buckets, wanted, started_since=recent_since
            )
            found = sorted(found, key=lambda line: line.ledger_id)[:wanted]
            months += found
            fetched += len(found)
    items = [
        TodoItem(
            kind="task",
            item_id=line.task_id,
            employee_name=line.employee_name or "",
            due=line.due_date,
            days_left=days_left(line.due_date, today),
            task_kind=line.kind,
            task_title=line.title,
        )
        for line in tasks
    ]
    dues = {(city, month): due for city, month, _, due in groups}
    #: The shown months whose due date may assume no holiday shift (checked for the page only).
    holiday_checks: dict[tuple[str, int], tuple[str, date]] = {}
    for line in months:
        owed = _month_due(library, line, dues.get((line.insured_city, line.month)))
        items.append(
            TodoItem(
                kind="month",
                item_id=line.ledger_id,
                employee_name=line.employee_name,
                due=owed.due,
                days_left=days_left(owed.due, today),
                month=line.month,
                state=LedgerState(line.state),
                with_registration=owed.with_registration,
                unconfirmed=owed.unconfirmed,
            )
        )
        # a registration deadline counts natural days; a month's own deadline may not
        if owed.due == owed.month_deadline:
            holiday_checks[("month", line.ledger_id)] = (line.insured_city, line.month)
    items.sort(key=lambda item: (item.due, item.kind, item.item_id))
    shown = [
        replace(item, holiday_notice_missing=deadline_holiday_gap(library, *check))
        if (check := holiday_checks.get((item.kind, item.item_id))) else item
        for item in items[offset:wanted]
    ]
    return TodoPage(shown, total, page, pages, offset)


def _month_due(
    library: PolicyLibrary | None, line: MonthLine, plain: date | None
) -> ObligationDue:
    """The month's due date: the group's deadline, or the first-month rule where it applies
    (both are ``policies.obligations``' answer)."""
    if plain is not None and not is_paid_with_registration(line.month, plain, line.first_day):
        return ObligationDue(line.month, plain, plain, plain)
    return obligation_due(library, line.insured_city, line.month, line.first_day)


@dataclass(frozen=True)
class MarkSubject:
    """Whose item a 已办理 / 已缴纳 button marks and what it is: a task (its kind and stored
    title) or an employee-month; a registration and a 减员 of one person must not read alike."""

    employee_name: str
    task_kind: str | None = None
    task_title: str = ""
    month: date | None = None


def mark_subject(engine: Engine, member: Member, action: str, item_id: int) -> MarkSubject | None:
    """The item behind a 已办理 / 已缴纳 button, scoped to the member's company."""
    with Session(engine) as session:
        if action == "done":
            task = task_by_id(session, member.company_id, item_id)
            employee_id = task.employee_id if task else None
        else:
            row = ledger_row(session, member.company_id, item_id)
            employee_id = row.employee_id if row else None
        person = session.get(Employee, employee_id) if employee_id else None
        if person is None or person.company_id != member.company_id:
            return None
        if action == "done":
            assert task is not None
            return MarkSubject(person.name, task_kind=task.kind, task_title=task.title)
        assert row is not None
        return MarkSubject(person.name, month=row.month)


#: Before this no date in the ledger is plausible (social insurance as the ledger knows it).
EARLIEST_PLAUSIBLE = date(1995, 1, 1)


def _check_window(on: date, earliest: date, today: date | None) -> None:
    latest = today or date.max
    if not earliest <= on <= latest:
        raise DateOutOfRange(on, earliest, latest)


def complete_task(
    engine: Engine, member: Member, task_id: int, *, done_on: date, today: date | None = None
) -> str:
    """已办理: close a task (registration done on `done_on`). Returns the employee's name.

    `done_on` must lie between the employee's first day and `today` (DateOutOfRange).
    """
    with unit_of_work(engine) as session:
        task = task_by_id(session, member.company_id, task_id)
        if task is None:
            raise TaskNotFound()
        if task.status != TaskStatus.OPEN:
            raise TaskAlreadyDone()
        first = session.get(Employee, task.employee_id) if task.employee_id else None
        _check_window(done_on, first.first_day if first else EARLIEST_PLAUSIBLE, today)
        task.status = TaskStatus.DONE
        task.done_on = done_on
        task.done_by = member.user_id
        session.add(task)
        person = session.get(Employee, task.employee_id) if task.employee_id else None
        audit.record(
            session,
            member.company_id,
            member.user_id,
            "task.done",
            task_id=task_id,
            kind=task.kind,
            due=task.due_date.isoformat(),
            done_on=done_on.isoformat(),
            on_time=done_on <= task.due_date,
        )
        return person.name if person else task.title


def mark_month_paid(
    engine: Engine, member: Member, ledger_id: int, *, paid_on: date, today: date | None = None
) -> MarkSubject:
    """已缴纳 for one employee-month. Returns whose month it was, for the reply.

    `paid_on` must lie between the employee's first day (or the month, if earlier) and `today`.
    """
    with unit_of_work(engine) as session:
        row = ledger_row(session, member.company_id, ledger_id)
        if row is None:
            raise LedgerRowNotFound(Operation.TODO)
        owner = session.get(Employee, row.employee_id)
        earliest = min(owner.first_day, row.month) if owner else EARLIEST_PLAUSIBLE
        _check_window(paid_on, earliest, today)
        if row.state not in (LedgerState.PENDING, LedgerState.DECLARED, LedgerState.BACKPAYING):
            raise MonthAlreadyPaid()
        refusal = outside_employment(session, member.company_id, row, Operation.TODO)
        if refusal is not None:
            raise refusal
        row.state = (
            LedgerState.BACKPAID if row.state == LedgerState.BACKPAYING else LedgerState.PAID
        )
        row.paid_on = paid_on
        row.marked_by = member.user_id
        session.add(row)
        person = session.get(Employee, row.employee_id)
        audit.record(
            session,
            member.company_id,
            member.user_id,
            "ledger.paid",
            ledger_id=ledger_id,
            month=row.month.isoformat(),
            paid_on=paid_on.isoformat(),
        )
        return MarkSubject(person.name if person else "", month=row.month)
