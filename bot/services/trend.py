"""/trend: timeliness against turnover per department, and back-payment cases per quarter
before and after the company started using the bot — honest statistics (policies/trend.py):
a correlation comes with its n, counts are never fitted with a line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Engine
from sqlmodel import Session

from bot.services.access import Member
from bot.services.kpi import department_names, due_rule, load_events
from models.company import Company
from models.kpi_events import case_lapses, staff_by_department
from policies.kpi import Period, PeriodKind, rate_percent
from policies.library import PolicyLibrary
from policies.timezones import today_in
from policies.trend import (
    Correlation,
    QuarterCount,
    cases_per_quarter,
    mean_per_quarter,
    pearson,
)

#: /trend looks back this far for timeliness and turnover.
WINDOW_DAYS = 365


@dataclass(frozen=True)
class DepartmentTrend:
    name: str | None
    #: Deadlines met ÷ deadlines due in the window, % (None: nothing was due).
    timeliness: Decimal | None
    due: int
    #: Leavers ÷ everyone employed in the window, %.
    turnover: Decimal
    staff: int
    leavers: int


@dataclass(frozen=True)
class TrendReport:
    start: date
    end: date
    departments: tuple[DepartmentTrend, ...]
    #: Over departments with both figures.
    correlation: Correlation
    started: date
    quarters: tuple[QuarterCount, ...]
    mean_before: Decimal | None
    mean_after: Decimal | None


def trend_report(
    engine: Engine, member: Member, *, today: date, library: PolicyLibrary | None
) -> TrendReport:
    start, end = today - timedelta(days=WINDOW_DAYS), today
    window = Period(PeriodKind.YEAR, start, end)
    with Session(engine) as session:
        events = load_events(
            session, member.company_id, window, timezone=member.timezone, due_of=due_rule(library)
        )
        staff = staff_by_department(session, member.company_id, start, end)
        rows = []
        for dept_id, name in department_names(session, member.company_id):
            counted = [e for e in events.for_department(dept_id).deadlines if e.is_due_by(today)]
            on_time = sum(1 for e in counted if e.is_on_time())
            people, leavers = staff.get(dept_id, (0, 0))
            turnover = (
                (Decimal(leavers) * 100 / people).quantize(Decimal("0.1"), ROUND_HALF_UP)
                if people
                else Decimal(0)
            )
            rows.append(
                DepartmentTrend(
                    name,
                    rate_percent(on_time, len(counted)),
                    len(counted),
                    turnover,
                    people,
                    leavers,
                )
            )
        company = session.get(Company, member.company_id)
        assert company is not None
        started = today_in(company.timezone, company.created_at)
        quarters = cases_per_quarter(case_lapses(session, member.company_id), started, today)
    paired = [r for r in rows if r.timeliness is not None and r.staff > 0]
    correlation = pearson(
        [r.timeliness for r in paired if r.timeliness is not None],
        [r.turnover for r in paired],
    )
    return TrendReport(
        start,
        end,
        tuple(rows),
        correlation,
        started,
        quarters,
        mean_per_quarter(quarters, before=True),
        mean_per_quarter(quarters, before=False),
    )
