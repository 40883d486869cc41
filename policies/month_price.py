"""The price of one employee month as the collector bills it (月缴费额), and why it may differ
from the base HR declared.

One rule for every place that prices a month from a declared base: the /hire summary and the
first ledger month, /base and /base_all, and the spreadsheet import. It used to live twice, in
the hiring and the ledger services, with two different notes for the same clamp; now both call
this and show the same note (``bot/templates/_price_note.j2`` turns ``PriceNote`` into words).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from policies.contributions import Clamp, monthly_contribution
from policies.library import NoVersionInForce, PolicyLibrary, RegionPolicy
from policies.schema import PolicyVersion


@dataclass(frozen=True)
class PriceNote:
    """What HR must be told about a priced month: the facts, not the sentence.

    ``clamped`` names the limit the declared base was moved to (``limit`` is then the base
    charged, under the version ``version_label``), and ``unconfirmed`` says that limit is a
    carried-forward figure, not a published one. ``fallback_city`` is the city HR named when it
    has no policy data of its own and the national default rule priced it.
    """

    clamped: Clamp
    limit: Decimal
    version_label: str
    unconfirmed: bool = False
    fallback_city: str | None = None


@dataclass(frozen=True)
class MonthPrice:
    """A month's base in force (after the city's floor/ceiling) and, when a policy version
    covers the month, the employer and employee amounts; ``note`` when HR should know why."""

    base: Decimal
    employer: Decimal | None = None
    employee: Decimal | None = None
    note: PriceNote | None = None

    @property
    def clamped(self) -> bool:
        """The declared base was raised to the floor or cut to the ceiling."""
        return self.note is not None and self.note.clamped is not None

    def as_row(self) -> dict[str, Decimal | None]:
        """The ``ledger_month`` columns this price fills."""
        return {
            "base": self.base,
            "employer_amount": self.employer,
            "employee_amount": self.employee,
        }


def price_month(
    library: PolicyLibrary | None, city: str, month: date, base: Decimal
) -> MonthPrice:
    """Clamp ``base`` to ``city``'s limits in force in ``month`` and price it.

    Without a library, or when no version covers the month, the declared base stands and the
    amounts stay unknown (None) rather than guessed.
    """
    if library is None:
        return MonthPrice(base)
    region = library.region_or_national(city)
    try:
        version = region.version_for(month)
    except NoVersionInForce:
        return MonthPrice(base)
    return price_under(region, version, city, base)


def price_under(
    region: RegionPolicy, version: PolicyVersion, city: str, base: Decimal
) -> MonthPrice:
    """``price_month`` once the region and version are known (callers that price thousands of
    months look the version up once per city and month and call this)."""
    contribution = monthly_contribution(version, base)
    fallback = city if region.is_national and region.city != city else None
    note = None
    if contribution.clamped is not None or fallback is not None:
        # the limit's own mark, not the version's: 北京2026年度 is U (rates carried forward)
        # while its floor 7,270 is a published figure (S), and HR must not be told otherwise
        limit = version.base.floor if contribution.clamped == "floor" else version.base.ceiling
        note = PriceNote(
            clamped=contribution.clamped,
            limit=contribution.base,
            version_label=version.label,
            unconfirmed=contribution.clamped is not None and limit.unconfirmed,
            fallback_city=fallback,
        )
    return MonthPrice(contribution.base, contribution.employer, contribution.employee, note)
