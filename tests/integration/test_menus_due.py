"""bot/services/menus.py: which bound people's menus are due at start, against the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert

from bot.services import menus
from bot.services.access import Standing
from models.company import Company, Membership

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
FINGERPRINTS: dict[Standing | None, str] = {None: "stranger", **{s: s.value for s in Standing}}


def company(engine: Engine, name: str) -> int:
    with engine.begin() as c:
        return c.execute(insert(Company).returning(Company.id),  # type: ignore[arg-type]
                         [{"name": name, "city": "北京", "timezone": "Asia/Shanghai",
                           "created_at": NOW}]).scalar_one()


def bind(engine: Engine, company_id: int, user: int, role: str, *, chat: int | None = None,
         admin: bool = False, current_at: datetime | None = NOW, active: bool = True) -> None:
    with engine.begin() as c:
        c.execute(insert(Membership), [{
            "company_id": company_id, "telegram_user_id": user, "chat_id": chat, "role": role,
            "admin": admin, "display_name": "", "active": active, "created_at": NOW,
            "current_at": current_at}])


def test_the_menu_due_is_the_current_companys_and_only_where_it_changed(engine: Engine) -> None:
    first, second = company(engine, "甲"), company(engine, "乙")
    bind(engine, first, 1, "hr", chat=1, admin=True)
    # Two companies: the one chosen last (/company) counts, whatever the row order.
    bind(engine, first, 2, "employee", chat=2, current_at=NOW)
    bind(engine, second, 2, "manager", chat=2, current_at=NOW + timedelta(days=1))
    bind(engine, first, 3, "employee", chat=None)  # bound before chat ids were kept
    bind(engine, second, 4, "hr", chat=4, active=False)  # revoked: no longer bound
    assert menus.menus_due(engine, FINGERPRINTS) == [(1, 1), (2, 2), (3, 3)]

    menus.record_menu(engine, 1, 1, "hr_admin", now=NOW)
    menus.record_menu(engine, 2, 2, "employee", now=NOW)  # given before the switch
    menus.record_menu(engine, 3, 3, "employee", now=NOW)
    menus.record_menu(engine, 0, 0, "stranger", now=NOW)
    assert menus.menus_due(engine, FINGERPRINTS) == [(2, 2)]
    menus.record_menu(engine, 2, 2, "manager", now=NOW)  # recorded again: replaced
    assert menus.menus_due(engine, FINGERPRINTS) == []
    assert menus.given_fingerprint(engine, 2, 2) == "manager"
    assert menus.given_fingerprint(engine, 0, 0) == "stranger"
    assert menus.given_fingerprint(engine, 4, 4) is None

    changed = {**FINGERPRINTS, Standing.EMPLOYEE: "employee, v2"}  # a new command for them
    assert menus.menus_due(engine, changed) == [(3, 3)]
