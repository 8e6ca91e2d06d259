"""Booking rules of domain.md as pure functions of their inputs (the clock is a parameter)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from regcommon.attachment import is_attached
from regcommon.instants import zone  # noqa: F401 (the rules' zone lookup)

from . import errors



@dataclass(frozen=True)
class OrgSettings:
    booking_horizon_days: int = 14
    day_opens_at: time = time(7, 0)
    same_day_booking: bool = False
    cancel_cutoff_hours: float = 0.0

    @classmethod
    def from_dict(cls, data: dict | None) -> "OrgSettings":
        data = data or {}
        opens = data.get("day_opens_at") or "07:00"
        try:
            hour, minute = (int(x) for x in str(opens).split(":")[:2])
            opens_at = time(hour, minute)
        except ValueError:
            opens_at = time(7, 0)
        return cls(booking_horizon_days=int(data.get("booking_horizon_days", 14)),
                   day_opens_at=opens_at,
                   same_day_booking=bool(data.get("same_day_booking", False)),
                   cancel_cutoff_hours=float(data.get("cancel_cutoff_hours", 0) or 0))


def last_open_date(now_local: datetime, settings: OrgSettings) -> date:
    """The last bookable date: ``horizon`` days ahead, the newest day opening at ``day_opens_at``."""
    days = settings.booking_horizon_days
    if now_local.time() < settings.day_opens_at:
        days -= 1
    return now_local.date() + timedelta(days=days)


def check_service_bookable(service: dict, *, by_staff: bool) -> None:
    """Only self-bookable services can be booked online; reception may book any."""
    if not by_staff and not service.get("self_bookable", False):
        raise errors.NotSelfBookable()


def check_attachment(service: dict, organization_id: str, doctor_areas: list[str],
                     attachments: list[dict]) -> None:
    if service.get("requires_attachment") and not is_attached(attachments, organization_id,
                                                              doctor_areas):
        raise errors.NotAttached()


def check_booking_time(start_utc: datetime, now_utc: datetime, tz: ZoneInfo,
                       settings: OrgSettings, *, by_staff: bool) -> None:
    """Past for everyone; same-day and the booking horizon for the portal only (reception books
    any day the schedule has opened, as the reception view of the schedule shows it)."""
    if start_utc <= now_utc:
        raise errors.InThePast()
    start_local = start_utc.astimezone(tz)
    now_local = now_utc.astimezone(tz)
    if start_local.date() == now_local.date() and not settings.same_day_booking and not by_staff:
        raise errors.SameDayNotAllowed()
    if not by_staff and start_local.date() > last_open_date(now_local, settings):
        raise errors.OutsideBookingHorizon()


def check_new_slot(context: dict, attachments: list[dict], start_utc: datetime,
                   now_utc: datetime, *, by_staff: bool) -> None:
    """The rules a time must pass before this caller may take it (a booking or the target of a
    reschedule): the service is bookable on the caller's channel, the patient is attached where
    the service needs it, and the time is open for that channel. ``context``: the catalog
    context of the slot's doctor for the service."""
    org, service, doctor = context["organization"], context["service"], context["doctor"]
    check_service_bookable(service, by_staff=by_staff)
    check_attachment(service, org["id"], doctor.get("areas") or [], attachments)
    check_booking_time(start_utc, now_utc, zone(org.get("timezone")),
                       OrgSettings.from_dict(org.get("settings")), by_staff=by_staff)


def check_cancel(start_utc: datetime, now_utc: datetime, settings: OrgSettings, *,
                 by_staff: bool) -> None:
    """Online until the start minus the cut-off; reception until the start."""
    cutoff = timedelta(0) if by_staff else timedelta(hours=settings.cancel_cutoff_hours)
    if now_utc >= start_utc - cutoff:
        raise errors.CancelTooLate()


def check_reschedule_source(start_utc: datetime, now_utc: datetime, settings: OrgSettings, *,
                            by_staff: bool) -> None:
    try:
        check_cancel(start_utc, now_utc, settings, by_staff=by_staff)
    except errors.CancelTooLate:
        raise errors.RescheduleTooLate() from None


def specialty_of(context: dict) -> str:
    """The specialty an appointment counts against (the EMIAS one-per-specialty rule)."""
    return context["service"].get("specialty") or context["doctor"].get("specialty") or ""


def check_reschedule_target(current: dict, target_context: dict | None) -> None:
    """Same service, same organization, a doctor of the same specialty who provides the service.

    ``current``: ``organization_id``, ``doctor_specialty``; ``target_context``: the catalog
    context of the new slot's doctor for the same service (None when the doctor does not
    provide it).
    """
    if target_context is None:
        raise errors.RescheduleNotAllowed()
    if target_context["organization"]["id"] != current["organization_id"]:
        raise errors.RescheduleNotAllowed()
    if target_context["doctor"].get("specialty") != current["doctor_specialty"]:
        raise errors.RescheduleNotAllowed()


def waitlist_matches(entry: dict, *, organization_id: str, service_ids: list[str],
                     doctor_id: str, local_date: date) -> bool:
    return (entry["organization_id"] == organization_id
            and (not service_ids or entry["service_id"] in service_ids)
            and (not entry.get("doctor_id") or entry["doctor_id"] == doctor_id)
            and entry["date_from"] <= local_date <= entry["date_to"])
