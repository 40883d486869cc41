"""Reminder texts that depend on the day they are delivered."""

from __future__ import annotations

from datetime import date

from bot.render import render


def declaration_due(days_left: int) -> str:
    return render(
        "reminder",
        kind="declaration_due",
        city="北京",
        month=date(2027, 3, 1),
        names=["陈明远"],
        deadline=date(2027, 3, 25),
        days_left=days_left,
        catch_up=days_left < 0,
        due_date=date(2027, 3, 25),
        for_group=False,
        also_told=[],
    )


def test_a_declaration_reminder_delivered_after_its_deadline_says_it_has_passed() -> None:
    late = declaration_due(-2)  # due 03-25, sent 03-27 after downtime
    assert "就是今天" not in late
    assert "已过截止日" in late and "已过 <b>2</b> 天" in late
    assert "补发，原定 2027-03-25（周四）" in late


def test_on_the_day_it_says_today() -> None:
    assert "就是今天" in declaration_due(0)
    assert "剩余 3 天" in declaration_due(3)
