"""When a date and a slot can be booked online (portal) or at the reception.

All rules run in the organization's local time; the clock is injected so tests can pin it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from regcommon.instants import DEFAULT_TIMEZONE, as_utc  # noqa: F401 (as_utc: used via this module)

PORTAL_CHANNELS = ("any", "portal")
DEFAULT_SETTINGS = {"booking_horizon_days": 14, "day_opens_at": "07:00", "same_day_booking": False,
                    "cancel_cutoff_hours": 0}


def parse_hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


@dataclass(frozen=True)
class OrgRules:
    """The booking settings of one organization (defaults of domain.md)."""

    timezone: str = DEFAULT_TIMEZONE
    booking_horizon_days: int = 14
    day_opens_at: time = time(7, 0)
    same_day_booking: bool = False

    @classmethod
    def from_settings(cls, tz: str, settings: dict | None) -> "OrgRules":
        merged = {**DEFAULT_SETTINGS, **{k: v for k, v in (settings or {}).items() if v is not None}}
        try:
            opens = parse_hhmm(str(merged["day_opens_at"]))
        except (ValueError, TypeError):
            opens = time(7, 0)
        return cls(timezone=tz, booking_horizon_days=int(merged["booking_horizon_days"]),
                   day_opens_at=opens, same_day_booking=bool(merged["same_day_booking"]))

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.timezone)


_ZONES: dict[str, ZoneInfo] = {}


def _zone(name: str) -> ZoneInfo:
    zone = _ZONES.get(name)
    if zone is None:
        zone = _ZONES[name] = ZoneInfo(name)
    return zone


def local_now(rules: OrgRules, now_utc: datetime) -> datetime:
    return now_utc.astimezone(rules.zone)


def last_open_date(rules: OrgRules, now_utc: datetime) -> date:
    """The newest date open for online booking: today + horizon once the day has opened
    (``day_opens_at``), today + horizon - 1 before that."""
    now = local_now(rules, now_utc)
    last = now.date() + timedelta(days=rules.booking_horizon_days)
    if now.time() < rules.day_opens_at:
        last -= timedelta(days=1)
    return last


def first_open_date(rules: OrgRules, now_utc: datetime) -> date:
    today = local_now(rules, now_utc).date()
    return today if rules.same_day_booking else today + timedelta(days=1)


def date_bookable_online(rules: OrgRules, day: date, now_utc: datetime) -> bool:
    return first_open_date(rules, now_utc) <= day <= last_open_date(rules, now_utc)


def slot_bookable_online(rules: OrgRules, *, day: date, start_utc: datetime, status: str,
                         channel: str, hold_expires_at: datetime | None,
                         now_utc: datetime) -> bool:
    if channel not in PORTAL_CHANNELS or start_utc <= now_utc:
        return False
    if not slot_is_free(status, hold_expires_at, now_utc):
        return False
    return date_bookable_online(rules, day, now_utc)


def slot_bookable_at_reception(*, start_utc: datetime, status: str,
                               hold_expires_at: datetime | None, now_utc: datetime) -> bool:
    """Reception may book any free slot of any channel that has not started; no horizon."""
    return start_utc > now_utc and slot_is_free(status, hold_expires_at, now_utc)


def slot_is_free(status: str, hold_expires_at: datetime | None, now_utc: datetime) -> bool:
    if status == "free":
        return True
    return status == "held" and hold_expires_at is not None and hold_expires_at <= now_utc


def day_hold_cap(portal_slots: int, percent: int, minimum: int) -> int:
    """How many slots of one doctor-day may be held at once: ``percent`` of its portal slots,
    rounded up, but never fewer than ``minimum`` (a short day still lets a couple of patients
    choose at the same moment). Beyond the cap patients still book, only without a hold."""
    return max(minimum, math.ceil(portal_slots * percent / 100))
