"""Texts of e-mails and SMS. The fact of seeking care is medical secrecy (323-FZ, art. 13), so a
message says no more than the patient needs to come on time: never a diagnosis, and for sensitive
visits neither the specialty, nor the service, nor the doctor, nor the organization, its address or
the room (a «Женская консультация» or an «онкологический диспансер, каб. 12» tells as much as the
specialty would): only the date, time, talon number and a link to the cabinet. SMS are shorter than
e-mails (they are read on lock screens)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .talon import local_time, russian_date_time, weekday_name

# Stems whose mere mention discloses a sensitive fact about the patient. Matched in lower case
# anywhere in the specialty, the service name and the organization's name and type, so "Приём
# врача-онколога", "Онкология" and "Онкодиспансер" all count. Extend the list rather than
# special-casing messages elsewhere.
SENSITIVE_SPECIALTY_STEMS = (
    "психиатр",          # психиатрия, психиатрия-наркология, детская психиатрия
    "психоневр",         # психоневрологический диспансер
    "нарколог",          # наркология, наркологический диспансер
    "психотерап",        # психотерапия
    "сексолог",          # сексология
    "венеролог",         # венерология, дерматовенерология, кожно-венерологический диспансер
    "онко",              # онкология, онкологический диспансер, онкодиспансер, гематоонкология
    "фтизиатр",          # фтизиатрия (tuberculosis)
    "туберкул",          # противотуберкулёзный диспансер
    "инфекцион",         # инфекционные болезни (incl. HIV centres)
    "гинеколог",         # гинекология, акушерство и гинекология
    "акушер",
    "женск",             # женская консультация (an organization type of the region)
    "перинатал",         # перинатальный центр
    "родильн",           # родильный дом
    "роддом",
    "планирования семьи",
    "уролог",            # урология, андрология
    "андролог",
    "генетик",           # медицинская генетика
    "репродукт",         # репродуктология, ЭКО
    "аборт",
)
# Short stems matched only at the start of a word: "Иванович" names no HIV centre.
SENSITIVE_WORDS = re.compile(r"\b(?:вич|спид|эко\b)")

KINDS = ("booked", "cancelled", "rescheduled", "reminder", "flagged", "waitlist_offered")


@dataclass(frozen=True)
class Message:
    channel: str  # email | sms
    subject: str | None
    body: str


@dataclass(frozen=True)
class Visit:
    """What a message may say about one visit (already stripped when it is sensitive)."""
    when_short: str  # 01.12.2026 08:15
    when_long: str  # 1 декабря 2026 г., 08:15 (вторник)
    organization: str
    address: str
    room: str
    number: str
    doctor: str | None
    specialty: str | None
    service: str | None
    sensitive: bool = False


def is_sensitive(*names: str | None) -> bool:
    text = " ".join(str(n) for n in names if n).lower().replace("ё", "е")
    return (any(stem in text for stem in SENSITIVE_SPECIALTY_STEMS)
            or SENSITIVE_WORDS.search(text) is not None)


def mask_email(address: str) -> str:
    local, _, domain = address.partition("@")
    if not domain:
        return "***"
    return f"{local[:1]}***@{domain}"


def mask_phone(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())
    return "***" + digits[-4:] if len(digits) >= 4 else "***"


def mask_address(channel: str, address: str) -> str:
    return mask_email(address) if channel == "email" else mask_phone(address)


def visit_from(start: str, tz_name: str | None, organization: dict, doctor: dict, service: dict,
               number: str = "") -> Visit:
    moment = local_time(start, tz_name)
    sensitive = is_sensitive(doctor.get("specialty"), service.get("name"),
                             organization.get("name"), organization.get("type"))
    if sensitive:
        return Visit(when_short=f"{moment:%d.%m.%Y %H:%M}",
                     when_long=f"{russian_date_time(moment)} ({weekday_name(moment)})",
                     organization="", address="", room="", number=number, doctor=None,
                     specialty=None, service=None, sensitive=True)
    return Visit(
        when_short=f"{moment:%d.%m.%Y %H:%M}",
        when_long=f"{russian_date_time(moment)} ({weekday_name(moment)})",
        organization=str(organization.get("name") or ""),
        address=str(organization.get("address") or ""),
        room=str(doctor.get("room") or ""),
        number=number,
        doctor=doctor.get("full_name") or None,
        specialty=doctor.get("specialty") or None,
        service=service.get("name") or None,
    )


def visit_from_appointment(data: dict) -> Visit:
    appointment = data["appointment"]
    return visit_from(appointment["start"], data.get("timezone"),
                      appointment.get("organization") or {}, appointment.get("doctor") or {},
                      appointment.get("service") or {},
                      str((appointment.get("ticket") or {}).get("number") or ""))


def _mapping(value) -> dict:
    return value if isinstance(value, dict) else {}


def _place(v: Visit) -> str:
    """", organization, room" for an SMS; nothing for a sensitive visit."""
    if not v.organization:
        return ""
    return f", {v.organization}" + (f", каб. {v.room}" if v.room else "")


def _details_link(v: Visit, url: str) -> str:
    """A sensitive visit's SMS names no place: the cabinet (after login) has the talon."""
    return f" Подробности: {url}" if v.sensitive else ""


def _details(v: Visit) -> list[str]:
    lines = [f"Дата и время: {v.when_long}"]
    if v.organization:
        lines.append(f"Медицинская организация: {v.organization}")
    elif v.sensitive:
        lines.append("Место приёма и врач указаны в талоне в личном кабинете.")
    if v.address:
        lines.append(f"Адрес: {v.address}")
    if v.doctor:
        lines.append(f"Врач: {v.doctor}" + (f" ({v.specialty})" if v.specialty else ""))
    if v.service:
        lines.append(f"Услуга: {v.service}")
    if v.room:
        lines.append(f"Кабинет: {v.room}")
    if v.number:
        lines.append(f"Талон № {v.number}")
    return lines


def _email(subject: str, first: str, v: Visit | None, extra: list[str], support_phone: str) -> Message:
    lines = [first, ""]
    if v is not None:
        lines += _details(v) + [""]
    lines += extra
    lines += ["", f"Телефон технической поддержки: {support_phone}",
              "Это автоматическое сообщение, отвечать на него не нужно."]
    return Message("email", subject, "\n".join(lines).strip() + "\n")


def appointment_messages(kind: str, data: dict, *, cabinet_url: str, support_phone: str) -> dict[str, Message]:
    """The e-mail and the SMS of an appointment event (or a reminder) of this ``kind``."""
    v = visit_from_appointment(data)
    talon = f" Талон № {v.number}." if v.number else ""
    more = _details_link(v, cabinet_url)
    if kind == "booked":
        sms = f"Вы записаны на приём {v.when_short}{_place(v)}.{talon}{more}"
        email = _email(f"Запись на приём {v.when_short}", "Вы записаны на приём.", v,
                       ["Приходите за 15 минут до времени приёма. При невозможности прийти "
                        "отмените запись, чтобы время досталось другому пациенту.",
                        f"Талон можно распечатать в личном кабинете: {cabinet_url}"], support_phone)
    elif kind == "rescheduled":
        sms = f"Запись перенесена: приём {v.when_short}{_place(v)}.{talon}{more}"
        email = _email(f"Запись перенесена на {v.when_short}", "Ваша запись на приём перенесена.", v,
                       [f"Новый талон можно распечатать в личном кабинете: {cabinet_url}"], support_phone)
    elif kind == "cancelled":
        sms = f"Запись на приём {v.when_short}{_place(v)} отменена.{more}"
        email = _email(f"Запись на {v.when_short} отменена", "Ваша запись на приём отменена, "
                       "талон недействителен.", v, [f"Записаться снова: {cabinet_url}"], support_phone)
    elif kind == "reminder":
        sms = f"Напоминаем: завтра приём {v.when_short}{_place(v)}.{talon}{more}"
        email = _email(f"Напоминание о приёме {v.when_short}", "Напоминаем: завтра у вас приём.", v,
                       ["Приходите за 15 минут до времени приёма. При невозможности прийти "
                        "отмените запись в личном кабинете: " + cabinet_url], support_phone)
    elif kind == "flagged":
        sms = (f"Приём {v.when_short}{_place(v)} не состоится: врач не ведёт приём в этот "
               f"день. Перенесите запись: {cabinet_url}")
        email = _email(f"Приём {v.when_short} не состоится", "Врач не ведёт приём в день вашей "
                       "записи, приём не состоится.", v,
                       [f"Пожалуйста, перенесите запись на другое время в личном кабинете: {cabinet_url}",
                        "или обратитесь в регистратуру."], support_phone)
    else:
        raise ValueError(f"unknown appointment message kind: {kind}")
    return {"email": email, "sms": Message("sms", None, sms)}


def waitlist_messages(data: dict, *, support_phone: str) -> dict[str, Message]:
    slot = _mapping(data.get("slot"))
    organization = _mapping(data.get("organization"))
    v = visit_from(slot["start"], organization.get("timezone") or data.get("timezone"),
                   organization, _mapping(slot.get("doctor")), _mapping(data.get("service")))
    link = str(data.get("link") or "")
    place = f", {v.organization}" if v.organization else ""
    sms = f"Появилось свободное время: {v.when_short}{place}. Записаться: {link}"
    email = _email(f"Появилось свободное время {v.when_short}", "По вашей заявке в листе ожидания "
                   "появилось свободное время приёма.", v,
                   [f"Записаться: {link}", "Время не закреплено за вами: запишитесь, пока оно свободно."],
                   support_phone)
    return {"email": email, "sms": Message("sms", None, sms)}
