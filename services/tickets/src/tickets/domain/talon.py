"""The talon as people read it: pure functions from the appointment snapshot to printable fields."""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from regcommon import instants

TITLE = "Талон на приём к врачу"
MONTHS_GENITIVE = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
                   "сентября", "октября", "ноября", "декабря")
# Our mark in a ticket's stored snapshot: its day was blocked. The talon stays, the reminder
# ("завтра у вас приём") does not, until a reschedule stores a snapshot without the mark.
FLAGGED = "tickets_day_blocked"
WEEKDAYS = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье")


class InvalidSnapshot(ValueError):
    """The event's appointment data lacks what a talon needs."""


@dataclass(frozen=True)
class TalonView:
    number: str
    verification_code: str
    organization_name: str
    organization_address: str
    doctor_full_name: str
    specialty: str
    room: str
    service_name: str
    date_text: str  # «1 декабря 2026 г., 08:15»
    weekday: str  # «вторник»
    patient_full_name: str
    policy_masked: str | None
    qr_payload: str
    notes: tuple[str, ...]

    @property
    def when_text(self) -> str:
        return f"{self.date_text} ({self.weekday})"


def verification_code(secret: str, number: str) -> str:
    """A short code that proves the talon was issued by us (HMAC-SHA256 of the number)."""
    digest = hmac.new(secret.encode(), number.encode(), hashlib.sha256).hexdigest()
    return digest[:10].upper()


def mask_policy(last4: str | None) -> str | None:
    digits = "".join(ch for ch in (last4 or "") if ch.isdigit())[-4:]
    if len(digits) != 4:
        return None
    return f"**** **** **** {digits}"


def snapshot_instant(value: str) -> datetime:
    """An instant of the snapshot (regcommon.instants.parse_instant); InvalidSnapshot if bad."""
    try:
        return instants.parse_instant(value)
    except ValueError as exc:
        raise InvalidSnapshot(f"bad instant: {value!r}") from exc


def local_time(value: str, tz_name: str | None) -> datetime:
    """The instant in the organization's time zone (the offset in the string if the zone is unknown)."""
    moment = snapshot_instant(value)
    if tz_name:
        try:
            return moment.astimezone(ZoneInfo(tz_name))
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return moment


def russian_date(moment: datetime) -> str:
    return f"{moment.day} {MONTHS_GENITIVE[moment.month - 1]} {moment.year} г."


def russian_date_time(moment: datetime) -> str:
    return f"{russian_date(moment)}, {moment:%H:%M}"


def weekday_name(moment: datetime) -> str:
    return WEEKDAYS[moment.weekday()]


def notes(support_phone: str) -> tuple[str, ...]:
    return (
        "Приходите за 15 минут до времени приёма, возьмите паспорт и полис ОМС.",
        "При невозможности прийти отмените запись в личном кабинете или в регистратуре, "
        "чтобы время досталось другому пациенту.",
        f"Телефон технической поддержки по записи на приём к врачу {support_phone}",
    )


def _get(mapping: dict, *path: str, default: str = "") -> str:
    node = mapping
    for key in path:
        if not isinstance(node, dict):
            return default
        node = node.get(key)
    return default if node is None else str(node)


def talon_view(data: dict, number: str, code: str, support_phone: str) -> TalonView:
    """Everything the talon shows, taken from the snapshot of an appointment event's ``data``."""
    appointment = data.get("appointment") if isinstance(data, dict) else None
    if not isinstance(appointment, dict) or not appointment.get("start"):
        raise InvalidSnapshot("the event carries no appointment with a start")
    moment = local_time(appointment["start"], data.get("timezone"))
    contact = data.get("contact") if isinstance(data.get("contact"), dict) else {}
    return TalonView(
        number=number,
        verification_code=code,
        organization_name=_get(appointment, "organization", "name"),
        organization_address=_get(appointment, "organization", "address"),
        doctor_full_name=_get(appointment, "doctor", "full_name"),
        specialty=_get(appointment, "doctor", "specialty"),
        room=_get(appointment, "doctor", "room"),
        service_name=_get(appointment, "service", "name"),
        date_text=russian_date_time(moment),
        weekday=weekday_name(moment),
        patient_full_name=_get(appointment, "patient", "full_name"),
        policy_masked=mask_policy(contact.get("policy_last4")),
        qr_payload=qr_payload(number, code),
        notes=notes(support_phone),
    )


def qr_payload(number: str, code: str) -> str:
    # Short and structured, so a reception scanner can split it: "TALON:<number>:<code>".
    return f"TALON:{number}:{code}"
