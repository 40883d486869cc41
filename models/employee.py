"""Employees and departments of a company."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint, event, inspect
from sqlmodel import Field, Session, SQLModel, col, select

from models.sealed import KeyedHash, SealedText
from models.types import Money, UTCDateTime, utcnow

#: Associated data of the sealed 身份证 and purpose of its keyed hash.
ID_NUMBER_PURPOSE = "employee.id_number"


class EmployeeStatus(StrEnum):
    ACTIVE = "active"
    LEFT = "left"


class Department(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("company_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    name: str = Field(max_length=30)


class Employee(SQLModel, table=True):
    """A person employed by a company; 身份证 is unique within the company.

    `id_number` reads and writes the plain 身份证 but the column holds AES-GCM ciphertext;
    `id_hash` (its keyed hash, set from `id_number` on every flush) carries the uniqueness and
    every search by 身份证: compare it with the plain number (``Employee.id_hash == number``).
    """

    __table_args__ = (Index("uq_employee_company_id_hash", "company_id", "id_hash", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    name: str = Field(max_length=30)
    id_number: str = Field(sa_type=SealedText(ID_NUMBER_PURPOSE))
    id_hash: str = Field(default="", sa_type=KeyedHash(ID_NUMBER_PURPOSE), max_length=64)
    department_id: int | None = Field(default=None, foreign_key="department.id")
    #: 缴费工资基数 as declared by HR (before clamping to the city's floor/ceiling).
    base: Decimal = Field(sa_type=Money)
    insured_city: str = Field(max_length=20)
    first_day: date
    last_day: date | None = None
    status: str = Field(default=EmployeeStatus.ACTIVE, max_length=10)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


@event.listens_for(Employee, "before_insert")
@event.listens_for(Employee, "before_update")
def _hash_id_number(_mapper, _connection, target: Employee) -> None:  # type: ignore[no-untyped-def]
    """Keep the keyed hash in step with the 身份证 (hashed as it is bound, models/sealed.py)."""
    if not target.id_hash or inspect(target).attrs.id_number.history.has_changes():
        target.id_hash = target.id_number


def departments(session: Session, company_id: int) -> list[Department]:
    statement = select(Department).where(Department.company_id == company_id)
    return list(session.exec(statement.order_by(col(Department.id))))


def department_by_id(session: Session, company_id: int, department_id: int) -> Department | None:
    statement = select(Department).where(
        Department.company_id == company_id, Department.id == department_id
    )
    return session.exec(statement).first()


def get_or_create_department(session: Session, company_id: int, name: str) -> Department:
    statement = select(Department).where(
        Department.company_id == company_id, Department.name == name
    )
    found = session.exec(statement).first()
    if found is None:
        found = Department(company_id=company_id, name=name)
        session.add(found)
        session.flush()
    return found


def employee_by_id_number(session: Session, company_id: int, id_number: str) -> Employee | None:
    statement = select(Employee).where(
        Employee.company_id == company_id, Employee.id_hash == id_number
    )
    return session.exec(statement).first()


def employee_by_id(session: Session, company_id: int, employee_id: int) -> Employee | None:
    statement = select(Employee).where(
        Employee.company_id == company_id, Employee.id == employee_id
    )
    return session.exec(statement).first()


def list_employees(
    session: Session, company_id: int, *, include_left: bool = True
) -> list[tuple[Employee, Department | None]]:
    statement = (
        select(Employee, Department)
        .join(Department, col(Employee.department_id) == Department.id, isouter=True)
        .where(Employee.company_id == company_id)
    )
    if not include_left:
        statement = statement.where(Employee.status == EmployeeStatus.ACTIVE)
    return list(session.exec(statement.order_by(col(Employee.first_day), col(Employee.id))))


def find_employees_by_name(session: Session, company_id: int, name: str) -> list[Employee]:
    statement = select(Employee).where(
        Employee.company_id == company_id, col(Employee.name).contains(name)
    )
    return list(session.exec(statement.order_by(col(Employee.id))))
