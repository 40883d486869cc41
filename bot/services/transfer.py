"""Data migration (数据迁移): import an employee spreadsheet, export employees and ledger.

An import is planned first (nothing written), shown to HR, and stored only on 确认, in one
transaction. It is idempotent twice over: a file whose bytes were imported before is refused
as already done, and any row whose 身份证 is already on file is left as it is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine, insert
from sqlmodel import Session, col, select

from bot.importing import (
    ColumnMapping,
    ImportPreview,
    ImportRow,
    ReadLimits,
    SheetTable,
    build_preview,
    errors_workbook,
    known_cities,
    match_headers,
    read_table,
    table_from_json,
    table_to_json,
    without_control_characters,
)
from bot.services.access import Member
from bot.services.audit import Viewed, record_view
from bot.services.leaving import rehire
from bot.services.ledger import Pricer, declaration_deadline, month_pricer
from bot.services.reminder_planning import plan_task_reminders
from bot.settings import ImportSettings, ReminderConfig
from models import audit
from models.db import unit_of_work
from models.employee import Department, Employee, EmployeeStatus
from models.ledger import LedgerMonth
from models.ledger_history import (
    LEAVE_REASON_AT_IMPORT,
    EmploymentPeriod,
    ImportBatch,
    company_ledger,
    company_periods,
    import_batch_by_hash,
)
from models.reminder import Reminder
from models.task import Task, TaskKind, TaskStatus, task_title
from models.types import utcnow
from models.upload import (
    PendingUpload,
    drop_pending_upload,
    pending_upload,
    replace_pending_upload,
)
from policies.deadlines import registration_deadline
from policies.ledger_rules import (
    LedgerState,
    employment_months,
    month_of,
    next_month,
    previous_month,
)
from policies.library import PolicyLibrary

log = logging.getLogger(__name__)

#: Called with (rows written, rows to write) while storing a big file.
Progress = Callable[[int, int], None]
CHUNK = 1000


#: People who started within this many days are asked about (参保状态): inside the 30-day
#: registration window or past it; longer-serving staff are taken as registered.
RECENT_DAYS = 90


@dataclass(frozen=True)
class ImportChoices:
    """What HR answered on the preview, once for the whole file."""

    #: Contributions paid up to this month (None: the default, see ``default_paid_up_to``).
    paid_up_to: date | None = None
    #: For recent hires whose row has no 参保状态: True 均已登记, False 均未登记, None not asked.
    all_registered: bool | None = None

    def to_dict(self) -> dict[str, object]:
        return {"paid_up_to": self.paid_up_to.isoformat() if self.paid_up_to else None,
                "all_registered": self.all_registered}

    @classmethod
    def from_dict(cls, data: Mapping[str, object] | None) -> ImportChoices:
        data = data or {}
        paid = data.get("paid_up_to")
        registered = data.get("all_registered")
        return cls(date.fromisoformat(paid) if isinstance(paid, str) else None,
                   registered if isinstance(registered, bool) else None)


def default_paid_up_to(library: PolicyLibrary | None, city: str, today: date) -> date:
    """The last month whose contribution deadline has passed (导入前已缴（未核对）)."""
    month = month_of(today)
    if declaration_deadline(library, city, month) < today:
        return month
    return previous_month(month)


@dataclass
class ImportPlan:
    """The preview plus what storing it would do against the company's current data."""

    table: SheetTable
    preview: ImportPreview
    new_rows: list[ImportRow] = field(default_factory=list)
    rehire_rows: list[ImportRow] = field(default_factory=list)
    existing_rows: list[ImportRow] = field(default_factory=list)
    already_imported_on: datetime | None = None
    today: date = field(default_factory=date.today)
    #: Months up to this one count as paid before the import (unless the row says otherwise).
    paid_up_to: date = field(default_factory=date.today)
    paid_up_to_is_default: bool = True
    paid_up_to_choices: tuple[date, ...] = ()
    all_registered: bool | None = None

    @property
    def mapping(self) -> ColumnMapping:
        return self.preview.mapping

    @property
    def has_paid_months(self) -> bool:
        return "paid_months" in self.mapping.columns

    @property
    def has_registration_column(self) -> bool:
        return "registered" in self.mapping.columns

    def is_recent(self, row: ImportRow) -> bool:
        """Started recently enough that registration may still be outstanding."""
        return row.first_day >= self.today - timedelta(days=RECENT_DAYS)

    def is_unregistered(self, row: ImportRow) -> bool:
        """Gets a registration task, reminders and the late-fee estimate, as /hire gives."""
        if not self.is_recent(row) or row.paid_months:  # paid months imply registration
            return False
        if row.registered is not None:
            return not row.registered
        return not self.all_registered

    @property
    def importable(self) -> list[ImportRow]:
        return [*self.new_rows, *self.rehire_rows]

    @property
    def recent_registered(self) -> list[ImportRow]:
        return [r for r in self.importable if self.is_recent(r) and not self.is_unregistered(r)]

    @property
    def recent_unregistered(self) -> list[ImportRow]:
        return [r for r in self.importable if self.is_unregistered(r)]

    @property
    def unregistered_overdue(self) -> list[ImportRow]:
        return [r for r in self.recent_unregistered
                if registration_deadline(r.first_day) < self.today]

    @property
    def unanswered(self) -> list[ImportRow]:
        """Recent hires whose row does not say whether they are registered."""
        return [r for r in self.importable
                if self.is_recent(r) and r.registered is None and not r.paid_months]

    def tracked_from(self, row: ImportRow) -> date:
        """First ledger month kept: the first day's month when the row lists 已缴月份 or the
        person is not registered yet; otherwise the month after ``paid_up_to``."""
        first = month_of(row.first_day)
        if row.paid_months or self.is_unregistered(row):
            return first
        return max(first, next_month(self.paid_up_to))

    def errors_file(self) -> bytes:
        return errors_workbook(self.table, self.preview.errors)


def read_import_table(
    filename: str, data: bytes, limits: ReadLimits | None = None
) -> SheetTable:
    """Read the sheet; raises ImportFileError with the Chinese reason when it cannot."""
    return read_table(filename, data, limits)


def limits_from(settings: ImportSettings) -> ReadLimits:
    mb = 1024 * 1024
    return ReadLimits(
        max_file_bytes=settings.max_file_mb * mb,
        max_unzipped_bytes=settings.max_unzipped_mb * mb,
        max_rows=settings.max_rows,
        max_columns=settings.max_columns,
        max_cells=settings.max_cells,
        max_seconds=settings.max_seconds,
    )


def read_upload(
    engine: Engine,
    member: Member,
    filename: str,
    data: bytes,
    limits: ReadLimits,
    *,
    now: datetime,
) -> tuple[int, SheetTable]:
    """Read an uploaded file once and keep its rows as the member's pending upload.

    Returns the upload's id (what the chat's buttons refer to) and the table; raises
    ImportFileError when the file cannot be read within `limits`. Runs in a worker thread.
    """
    table = read_table(filename, data, limits)
    with unit_of_work(engine) as session:
        stored = replace_pending_upload(
            session,
            PendingUpload(
                company_id=member.company_id,
                user_id=member.user_id,
                filename=without_control_characters(filename)[:255],
                content_hash=table.content_hash,
                table_json=table_to_json(table),
                created_at=now,
            ),
        )
        assert stored.id is not None
        return stored.id, table


def pending_table(
    engine: Engine, member: Member, upload_id: int, *, since: datetime
) -> SheetTable | None:
    """The table read for upload `upload_id`; None when it was replaced, dropped or is older
    than `since`."""
    with Session(engine) as session:
        stored = pending_upload(
            session, member.company_id, member.user_id, upload_id, since=since
        )
        return table_from_json(stored.table_json) if stored else None


def drop_upload(engine: Engine, member: Member) -> None:
    """Forget the member's pending upload (imported or cancelled)."""
    with unit_of_work(engine) as session:
        drop_pending_upload(session, member.company_id, member.user_id)


def plan_import(
    engine: Engine,
    member: Member,
    table: SheetTable,
    overrides: Mapping[str, str] | None = None,
    *,
    today: date,
    library: PolicyLibrary | None = None,
    choices: ImportChoices | None = None,
) -> ImportPlan:
    """Validate every row and sort the valid ones into new, re-hired and already on file."""
    choices = choices or ImportChoices()
    mapping = match_headers(table.headers, overrides)
    preview = build_preview(
        table,
        mapping,
        today=today,
        default_city=member.city,
        known_cities=known_cities(library),
        canonical_city=library.canonical_city if library is not None else None,
    )
    default = default_paid_up_to(library, member.city, today)
    plan = ImportPlan(
        table,
        preview,
        today=today,
        paid_up_to=choices.paid_up_to or default,
        paid_up_to_is_default=choices.paid_up_to in (None, default),
        paid_up_to_choices=(previous_month(previous_month(default)), previous_month(default),
                            default),
        all_registered=choices.all_registered,
    )
    with Session(engine) as session:
        batch = import_batch_by_hash(session, member.company_id, table.content_hash)
        plan.already_imported_on = batch.created_at if batch else None
        on_file = {
            e.id_number: e
            for e in session.exec(select(Employee).where(Employee.company_id == member.company_id))
        }
    for row in preview.valid:
        existing = on_file.get(row.id_number)
        if existing is None:
            plan.new_rows.append(row)
        elif (
            existing.status == EmployeeStatus.LEFT
            and existing.last_day is not None
            and row.first_day > existing.last_day
        ):
            plan.rehire_rows.append(row)
        else:
            plan.existing_rows.append(row)
    return plan


@dataclass(frozen=True)
class ImportOutcome:
    created: int
    rehired: int
    unchanged: int
    errors: int
    ledger_rows: int
    already_imported: bool = False


def confirm_import(
    engine: Engine,
    member: Member,
    filename: str,
    table: SheetTable,
    overrides: Mapping[str, str] | None = None,
    *,
    today: date,
    library: PolicyLibrary | None = None,
    progress: Progress | None = None,
    choices: ImportChoices | None = None,
    reminder_defaults: ReminderConfig | None = None,
) -> ImportOutcome:
    """Store the valid rows in one transaction; a file imported before changes nothing.

    Unregistered recent hires get the registration task and its reminders, as /hire gives.
    """
    plan = plan_import(
        engine, member, table, overrides, today=today, library=library, choices=choices
    )
    if plan.already_imported_on is not None:
        return ImportOutcome(0, 0, len(plan.preview.valid), len(plan.preview.errors), 0, True)
    clamp = month_pricer(library)
    total = len(plan.new_rows) + len(plan.rehire_rows)
    with unit_of_work(engine) as session:
        departments = _department_ids(session, member.company_id, plan)
        written = 0
        ledger_rows = 0
        for start in range(0, len(plan.new_rows), CHUNK):
            chunk = plan.new_rows[start : start + CHUNK]
            ledger_rows += _insert_new(session, member, chunk, departments, plan, clamp)
            written += len(chunk)
            if progress:
                progress(written, total)
        for row in plan.rehire_rows:
            employee = session.exec(
                select(Employee).where(
                    Employee.company_id == member.company_id,
                    Employee.id_hash == row.id_number,
                )
            ).one()
            task = rehire(
                session,
                member,
                employee,
                first_day=row.first_day,
                base=row.base,
                insured_city=row.city,
                department_id=departments.get(row.department or ""),
                tracked_from=plan.tracked_from(row),
            )
            if not plan.is_unregistered(row):
                task.status = TaskStatus.CANCELLED  # registered before the import
            assert employee.id is not None
            audit.record(
                session,
                member.company_id,
                member.user_id,
                "employee.rehired",
                employee_id=employee.id,
                first_day=row.first_day.isoformat(),
                task_id=task.id,
            )
            ledger_rows += _insert_months(session, member, [(employee.id, row)], plan, clamp)
            written += 1
        if progress and plan.rehire_rows:
            progress(written, total)
        _plan_registration_reminders(session, member, today, reminder_defaults)
        session.add(
            ImportBatch(
                company_id=member.company_id,
                content_hash=table.content_hash,
                filename=filename[:200],
                row_count=plan.preview.total_rows,
                created_count=len(plan.new_rows) + len(plan.rehire_rows),
                unchanged_count=len(plan.existing_rows),
                error_count=len(plan.preview.errors),
                imported_by=member.user_id,
            )
        )
        audit.record(
            session,
            member.company_id,
            member.user_id,
            "employees.imported",
            created=len(plan.new_rows),
            rehired=len(plan.rehire_rows),
            unchanged=len(plan.existing_rows),
            errors=len(plan.preview.errors),
        )
    log.info("import into company %s by user %s: %s new, %s rehired", member.company_id,
             member.user_id, len(plan.new_rows), len(plan.rehire_rows))
    return ImportOutcome(
        len(plan.new_rows),
        len(plan.rehire_rows),
        len(plan.existing_rows),
        len(plan.preview.errors),
        ledger_rows,
    )


def _department_ids(session: Session, company_id: int, plan: ImportPlan) -> dict[str, int]:
    names = {r.department for r in (*plan.new_rows, *plan.rehire_rows) if r.department}
    statement = select(Department).where(Department.company_id == company_id)
    found = {d.name: d.id for d in session.exec(statement) if d.id is not None}
    for name in sorted(names - found.keys()):
        department = Department(company_id=company_id, name=name)
        session.add(department)
        session.flush()
        assert department.id is not None
        found[name] = department.id
    return found


def _plan_registration_reminders(
    session: Session, member: Member, today: date, defaults: ReminderConfig | None
) -> None:
    """Plan the reminders of the registration tasks the import opened (as /hire does)."""
    has_rows = select(Reminder.id).where(Reminder.task_id == Task.id).exists()
    tasks = session.exec(
        select(Task).where(
            Task.company_id == member.company_id,
            Task.kind == TaskKind.REGISTRATION,
            Task.status == TaskStatus.OPEN,
            ~has_rows,
        )
    ).all()
    for task in tasks:
        plan_task_reminders(
            session, task, today=today, defaults=defaults, owner_user_id=member.user_id
        )


def _insert_new(
    session: Session,
    member: Member,
    rows: list[ImportRow],
    departments: Mapping[str, int],
    plan: ImportPlan,
    clamp: Pricer,
) -> int:
    """Bulk-insert employees (RETURNING their ids), their periods, tasks and ledger months."""
    stamp = utcnow()
    employee_values = [
        {
            "company_id": member.company_id,
            "name": row.name,
            "id_number": row.id_number,
            "id_hash": row.id_number,  # hashed as bound (models/sealed.py)
            "department_id": departments.get(row.department or ""),
            "base": row.base,
            "insured_city": row.city,
            "first_day": row.first_day,
            "last_day": row.last_day,
            "status": (EmployeeStatus.LEFT if row.last_day else EmployeeStatus.ACTIVE).value,
            "created_at": stamp,
        }
        for row in rows
    ]
    result = session.execute(
        insert(Employee.__table__).returning(
            Employee.__table__.c.id, Employee.__table__.c.id_number
        ),
        employee_values,
    )
    ids = {id_number: employee_id for employee_id, id_number in result}
    pairs = [(ids[row.id_number], row) for row in rows]
    periods = []
    tasks = []
    for employee_id, row in pairs:
        periods.append(
            {
                "company_id": member.company_id,
                "employee_id": employee_id,
                "first_day": row.first_day,
                "last_day": row.last_day,
                "tracked_from": plan.tracked_from(row),
                "leave_reason": LEAVE_REASON_AT_IMPORT if row.last_day else None,
                "created_at": stamp,
            }
        )
        deadline = registration_deadline(row.first_day)
        if plan.is_unregistered(row):
            tasks.append(
                {
                    "company_id": member.company_id,
                    "employee_id": employee_id,
                    "kind": TaskKind.REGISTRATION.value,
                    "title": task_title(TaskKind.REGISTRATION, row.name),
                    "due_date": deadline,
                    "status": "open",
                    "created_at": stamp,
                    "updated_at": stamp,
                }
            )
    session.execute(insert(EmploymentPeriod.__table__), periods)
    if tasks:
        session.execute(insert(Task.__table__), tasks)
    return _insert_months(session, member, pairs, plan, clamp)


def _insert_months(
    session: Session,
    member: Member,
    pairs: list[tuple[int, ImportRow]],
    plan: ImportPlan,
    clamp: Pricer,
) -> int:
    """Every month from the period's tracked month to today, in one bulk insert; the months the
    row lists as 已缴月份 are 已缴纳."""
    stamp = utcnow()
    values = []
    for employee_id, row in pairs:
        start = max(row.first_day, plan.tracked_from(row))
        paid = set(row.paid_months)
        for month in employment_months(start, row.last_day, plan.today):
            is_paid = month in paid
            values.append(
                {
                    "company_id": member.company_id,
                    "employee_id": employee_id,
                    "month": month,
                    "state": (LedgerState.PAID if is_paid else LedgerState.PENDING).value,
                    **clamp(row.city, month, row.base).as_row(),
                    "marked_by": member.user_id if is_paid else None,
                    "updated_at": stamp,
                }
            )
    if values:
        session.execute(insert(LedgerMonth.__table__), values)
    return len(values)


# ---------------------------------------------------------------- export


PAID_STATES = (LedgerState.PAID.value, LedgerState.BACKPAID.value)


@dataclass(frozen=True)
class ExportedEmployee:
    name: str
    id_number: str
    first_day: date
    last_day: date | None
    department: str | None
    base: Decimal
    insured_city: str
    active: bool
    #: Months paid in the current employment period (the importer reads them back).
    paid_months: tuple[date, ...]


@dataclass(frozen=True)
class ExportedMonth:
    name: str
    id_number: str
    month: date
    state: LedgerState
    base: Decimal
    employer_amount: Decimal | None
    employee_amount: Decimal | None
    declared_on: date | None
    paid_on: date | None


@dataclass(frozen=True)
class ExportedPeriod:
    name: str
    id_number: str
    first_day: date
    last_day: date | None
    leave_reason: str | None


@dataclass(frozen=True)
class CompanyExport:
    """Everything /export writes: employees (re-importable), every ledger month, every
    employment period; bot/exporting.py lays it out as a workbook."""

    employees: list[ExportedEmployee]
    months: list[ExportedMonth]
    periods: list[ExportedPeriod]


def company_export(engine: Engine, member: Member) -> CompanyExport:
    """The company's employees, ledger and employment periods, in one read (recorded as a
    view of everyone's personal data: the workbook holds full 身份证)."""
    with Session(engine, expire_on_commit=False) as session:  # read on after the view's commit
        statement = (
            select(Employee, Department)
            .join(Department, col(Department.id) == Employee.department_id, isouter=True)
            .where(Employee.company_id == member.company_id)
            .order_by(col(Employee.first_day), col(Employee.id))
        )
        staff = list(session.exec(statement))
        ledger = company_ledger(session, member.company_id)
        history = company_periods(session, member.company_id)
        record_view(session, member, Viewed.EXPORT, (e.id for e, _ in staff), full_id=True)
        session.commit()
    paid: dict[int, list[date]] = {}
    for row in ledger:
        if row.state in PAID_STATES:
            paid.setdefault(row.employee_id, []).append(row.month)
    names = {e.id: (e.name, e.id_number) for e, _ in staff}
    employees = [
        ExportedEmployee(
            name=employee.name,
            id_number=employee.id_number,
            first_day=employee.first_day,
            last_day=employee.last_day,
            department=department.name if department else None,
            base=employee.base,
            insured_city=employee.insured_city,
            active=employee.status == EmployeeStatus.ACTIVE,
            paid_months=tuple(
                m for m in paid.get(employee.id or 0, []) if m >= month_of(employee.first_day)
            ),
        )
        for employee, department in staff
    ]
    months = [
        ExportedMonth(
            *names.get(row.employee_id, ("", "")),
            month=row.month,
            state=LedgerState(row.state),
            base=row.base,
            employer_amount=row.employer_amount,
            employee_amount=row.employee_amount,
            declared_on=row.declared_on,
            paid_on=row.paid_on,
        )
        for row in ledger
    ]
    periods = [
        ExportedPeriod(
            *names.get(period.employee_id, ("", "")),
            first_day=period.first_day,
            last_day=period.last_day,
            leave_reason=period.leave_reason,
        )
        for period in history
    ]
    return CompanyExport(employees, months, periods)
