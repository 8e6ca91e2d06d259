"""The no-show rule of an organization as pure functions (the clock is a parameter).

``no_show_limit`` no-shows of a patient within the last ``no_show_window_days`` days suspend the
patient's online booking in that organization for ``no_show_suspend_days`` days; 0 turns the rule
off. Reception bookings are never refused by it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from regcommon.instants import as_utc, zone

from .errors import BookingError

START = "start"
LIFT = "lift"

ATTENDED = "attended"
NO_SHOW = "no_show"


def _int(value, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


@dataclass(frozen=True)
class NoShowRule:
    limit: int = 0
    window_days: int = 90
    suspend_days: int = 30

    @classmethod
    def from_settings(cls, settings: dict | None) -> "NoShowRule":
        settings = settings or {}
        return cls(limit=max(0, _int(settings.get("no_show_limit"), 0)),
                   window_days=max(1, _int(settings.get("no_show_window_days"), 90)),
                   suspend_days=max(1, _int(settings.get("no_show_suspend_days"), 30)))

    @property
    def on(self) -> bool:
        return self.limit > 0

    def window_start(self, now: datetime) -> datetime:
        """The earliest appointment start that still counts (inclusive)."""
        return as_utc(now) - timedelta(days=self.window_days)

    def counts(self, starts: list[datetime], now: datetime) -> int:
        """No-shows (their appointment starts) that fall into the window ending at ``now``."""
        first, now = self.window_start(now), as_utc(now)
        return sum(1 for start in starts if first <= as_utc(start) <= now)

    def decide(self, count: int, *, active: bool, marked_no_show: bool) -> str | None:
        """START a suspension, LIFT the active one, or nothing.

        A no-show mark that brings the count to the limit starts one (unless one is running);
        any mark that leaves the count under the limit (a correction) lifts the running one."""
        if active:
            return LIFT if (not self.on or count < self.limit) else None
        if marked_no_show and self.on and count >= self.limit:
            return START
        return None

    def ends_at(self, now: datetime) -> datetime:
        return as_utc(now) + timedelta(days=self.suspend_days)


def is_active(suspension: dict, now: datetime) -> bool:
    """Active from its start until its end (a plain comparison: it lifts by itself)."""
    now = as_utc(now)
    return (suspension.get("lifted_at") is None
            and as_utc(suspension["starts_at"]) <= now < as_utc(suspension["ends_at"]))


def plural_no_shows(count: int) -> str:
    if count % 10 == 1 and count % 100 != 11:
        return f"{count} неявка"
    if count % 10 in (2, 3, 4) and count % 100 not in (12, 13, 14):
        return f"{count} неявки"
    return f"{count} неявок"


def plural_days(count: int) -> str:
    if count % 10 == 1 and count % 100 != 11:
        return f"{count} день"
    if count % 10 in (2, 3, 4) and count % 100 not in (12, 13, 14):
        return f"{count} дня"
    return f"{count} дней"


def end_date(suspension: dict) -> str:
    """The last day shown to people: the end in the organization's time zone, ДД.ММ.ГГГГ."""
    local = as_utc(suspension["ends_at"]).astimezone(zone(suspension.get("timezone")))
    return local.strftime("%d.%m.%Y")


def restriction_message(suspension: dict) -> str:
    """«Онлайн-запись в … приостановлена до 12.01.2027: 3 неявки за 90 дней. …»"""
    place = suspension.get("organization_name") or "эту медицинскую организацию"
    return (f"Онлайн-запись в {place} приостановлена до {end_date(suspension)}: "
            f"{plural_no_shows(int(suspension['count']))} за "
            f"{plural_days(int(suspension['window_days']))}. "
            "Записаться можно через регистратуру.")


class TooEarlyToMark(BookingError):
    code = "too_early_to_mark"
    message = "Отметить явку можно только после начала приёма"


class OnlineBookingSuspended(BookingError):
    code = "online_booking_suspended"
    message = ("Онлайн-запись в эту медицинскую организацию приостановлена из-за неявок. "
               "Записаться можно через регистратуру.")
