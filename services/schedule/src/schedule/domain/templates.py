"""Schedule templates and the slots they produce for one date.

A template is what the region file carries per doctor: a working interval per weekday, the slot
length, breaks, and the share of each day's slots reserved for the reception.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from .bookability import parse_hhmm

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EN_DASH = "\u2013"


class TemplateInvalid(ValueError):
    """A template that cannot produce a schedule; ``fields`` names what is wrong (Russian)."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("invalid template")
        self.fields = fields


@dataclass(frozen=True)
class Template:
    slot_minutes: int = 15
    week: dict[str, tuple[time, time] | None] = field(default_factory=dict)
    breaks: tuple[tuple[time, time], ...] = ()
    reception_percent: int = 0

    def interval(self, day: date) -> tuple[time, time] | None:
        return self.week.get(WEEKDAYS[day.weekday()])

    def interval_text(self, day: date) -> str | None:
        span = self.interval(day)
        if span is None:
            return None
        return f"{span[0]:%H:%M}{EN_DASH}{span[1]:%H:%M}"

    def to_json(self) -> dict:
        return {
            "slot_minutes": self.slot_minutes,
            "week": {d: ([f"{s[0]:%H:%M}", f"{s[1]:%H:%M}"] if (s := self.week.get(d)) else None)
                     for d in WEEKDAYS},
            "breaks": [[f"{a:%H:%M}", f"{b:%H:%M}"] for a, b in self.breaks],
            "quota": {"reception_percent": self.reception_percent},
        }


def _hhmm(value, where: str, errors: dict) -> time | None:
    if not isinstance(value, str) or len(value) != 5 or value[2] != ":":
        errors[where] = "Время в формате ЧЧ:ММ"
        return None
    try:
        return parse_hhmm(value)
    except ValueError:
        errors[where] = "Время в формате ЧЧ:ММ"
        return None


def _span(value, where: str, errors: dict) -> tuple[time, time] | None:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        errors[where] = "Интервал: два времени [\"ЧЧ:ММ\", \"ЧЧ:ММ\"]"
        return None
    start, end = _hhmm(value[0], where, errors), _hhmm(value[1], where, errors)
    if start is None or end is None:
        return None
    if end <= start:
        errors[where] = "Конец интервала должен быть позже начала"
        return None
    return start, end


def parse_template(data: dict) -> Template:
    """A validated template from its JSON form (``schedule`` of the region file)."""
    if not isinstance(data, dict):
        raise TemplateInvalid({"schedule": "Должно быть объектом"})
    errors: dict[str, str] = {}
    minutes = data.get("slot_minutes", 15)
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 5 <= minutes <= 240:
        errors["slot_minutes"] = "Целое число минут от 5 до 240"
        minutes = 15
    week_in = data.get("week") or {}
    week: dict[str, tuple[time, time] | None] = {}
    if not isinstance(week_in, dict):
        errors["week"] = "Должно быть объектом с ключами mon..sun"
        week_in = {}
    for key in week_in:
        if key not in WEEKDAYS:
            errors[f"week.{key}"] = "Допустимые дни: " + ", ".join(WEEKDAYS)
    for day in WEEKDAYS:
        value = week_in.get(day)
        week[day] = None if value is None else _span(value, f"week.{day}", errors)
    breaks = []
    breaks_in = data.get("breaks") or []
    if not isinstance(breaks_in, list):
        errors["breaks"] = "Должно быть списком интервалов"
        breaks_in = []
    for i, value in enumerate(breaks_in):
        span = _span(value, f"breaks.{i}", errors)
        if span:
            breaks.append(span)
    quota = data.get("quota") or {}
    percent = quota.get("reception_percent", 0) if isinstance(quota, dict) else None
    if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100:
        errors["quota.reception_percent"] = "Целое число от 0 до 100"
        percent = 0
    if errors:
        raise TemplateInvalid(errors)
    return Template(slot_minutes=minutes, week=week, breaks=tuple(breaks),
                    reception_percent=percent)


@dataclass(frozen=True)
class PlannedSlot:
    start_utc: datetime
    end_utc: datetime
    channel: str


def slot_times(template: Template, day: date) -> list[tuple[time, time]]:
    """Local (start, end) of every slot of ``day``: whole slots inside the working interval that
    do not overlap a break."""
    span = template.interval(day)
    if span is None:
        return []
    step = timedelta(minutes=template.slot_minutes)
    cursor = datetime.combine(day, span[0])
    end = datetime.combine(day, span[1])
    breaks = [(datetime.combine(day, a), datetime.combine(day, b)) for a, b in template.breaks]
    out = []
    while cursor + step <= end:
        slot_end = cursor + step
        clash = next((b for b in breaks if cursor < b[1] and b[0] < slot_end), None)
        if clash is not None:
            cursor = clash[1]  # restart right after the break
            continue
        out.append((cursor.time(), slot_end.time()))
        cursor = slot_end
    return out


def reception_flags(count: int, percent: int) -> list[bool]:
    """Which of ``count`` slots go to the reception: ``round(count * percent / 100)`` of them,
    spread evenly across the day (so neither morning nor evening is all reception)."""
    quota = (count * percent + 50) // 100
    return [((i + 1) * quota) // count > (i * quota) // count for i in range(count)] if count else []


def plan_day(template: Template, day: date, zone: ZoneInfo) -> list[PlannedSlot]:
    times = slot_times(template, day)
    flags = reception_flags(len(times), template.reception_percent)
    out = []
    for (start, end), reception in zip(times, flags):
        out.append(PlannedSlot(
            start_utc=datetime.combine(day, start, zone).astimezone(timezone.utc),
            end_utc=datetime.combine(day, end, zone).astimezone(timezone.utc),
            channel="reception" if reception else "any"))
    return out
