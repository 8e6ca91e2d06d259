"""Dates and times as the staff pages show them (the ``staff_*`` template filters)."""
from __future__ import annotations

from datetime import date

from regcommon.instants import instant_or_none

WEEKDAYS = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")


def format_datetime(value) -> str:
    moment = instant_or_none(value)
    return moment.strftime("%d.%m.%Y %H:%M") if moment else (value or "")


def format_time(value) -> str:
    moment = instant_or_none(value)
    return moment.strftime("%H:%M") if moment else (value or "")


def format_date(value) -> str:
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    except ValueError:
        return value or ""
    return f"{day.strftime('%d.%m.%Y')}, {WEEKDAYS[day.weekday()]}"
