"""Pure helpers of the UI: form parsing, date conversion, error messages. No Flask, no I/O."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from regcommon.instants import instant_or_none

DOCUMENT_TYPES = (
    ("oms_unified", "Полис ОМС единого образца", "шестнадцать цифр"),
    ("oms_old", "Полис ОМС старого образца", "серия и номер полиса"),
    ("temporary_certificate", "Временное свидетельство", "девять цифр"),
)
IDENTITY_TYPES = (
    ("passport", "Паспорт"),
    ("social_card", "Социальная карта"),
    ("birth_certificate", "Свидетельство о рождении"),
    ("snils", "Страховое свидетельство (СНИЛС)"),
)
POLICY_LENGTH = {"oms_unified": 16, "temporary_certificate": 9}
WEEKDAYS = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье")
WEEKDAYS_SHORT = ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс")
MONTHS = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
          "октября", "ноября", "декабря")

_DMY = re.compile(r"^\s*(\d{2})[-.](\d{2})[-.](\d{4})\s*$")


def dmy_to_iso(value: str) -> str | None:
    """``ДД-ММ-ГГГГ`` (dots accepted too) → ``YYYY-MM-DD``; None when it is not a real date."""
    found = _DMY.match(value or "")
    if not found:
        return None
    day, month, year = (int(part) for part in found.groups())
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def iso_to_dmy(value: str | None, separator: str = "-") -> str:
    """``2026-12-06`` → ``06-12-2026`` (the login form's input format); with ``"."`` the way a
    date is printed for people, ``06.12.2026``."""
    try:
        return date.fromisoformat(value or "").strftime(f"%d{separator}%m{separator}%Y")
    except ValueError:
        return value or ""


def digits(value: str | None) -> str:
    return re.sub(r"[\s-]", "", value or "")


def oms_login_body(form) -> tuple[dict | None, dict]:
    """The body of auth ``POST /v1/auth/oms`` from the login form, or field errors.

    Only the checks a person needs at once are done here (empty fields, a malformed date); the
    auth service validates everything else and its 422 ``fields`` are mapped back to the form.
    """
    errors: dict[str, str] = {}
    document_type = form.get("document_type", "oms_unified")
    if document_type not in POLICY_LENGTH and document_type != "oms_old":
        errors["document_type"] = "Выберите тип документа"
    number = digits(form.get("policy_number"))
    series = (form.get("policy_series") or "").strip()
    if not number:
        errors["policy_number"] = "Введите номер полиса"
    elif not number.isdigit():
        errors["policy_number"] = "Номер полиса состоит из цифр"
    elif document_type in POLICY_LENGTH and len(number) != POLICY_LENGTH[document_type]:
        errors["policy_number"] = f"Номер должен содержать {POLICY_LENGTH[document_type]} цифр"
    if document_type == "oms_old" and not series:
        errors["policy_series"] = "Введите серию полиса"
    birth_raw = (form.get("birth_date") or "").strip()
    identity_number = (form.get("identity_number") or "").strip()
    identity_type = form.get("identity_type") or "passport"
    birth_iso = dmy_to_iso(birth_raw) if birth_raw else None
    if birth_raw and birth_iso is None:
        errors["birth_date"] = "Дата рождения в формате ДД-ММ-ГГГГ"
    if not birth_raw and not identity_number:
        errors["birth_date"] = "Укажите дату рождения или номер документа"
    if identity_type not in dict(IDENTITY_TYPES):
        errors["identity_type"] = "Выберите документ"
    if errors:
        return None, errors
    body: dict = {"document_type": document_type, "policy_number": number}
    if document_type == "oms_old":
        body["policy_series"] = series
    if birth_iso:
        body["birth_date"] = birth_iso
    if identity_number:
        body["identity_document"] = {"type": identity_type, "number": identity_number}
    return body, {}


FIELD_MAP = {
    "document_type": "document_type",
    "policy_series": "policy_series",
    "policy_number": "policy_number",
    "birth_date": "birth_date",
    "identity_document": "identity_number",
    "identity_document.number": "identity_number",
    "identity_document.type": "identity_type",
}


def map_field_errors(fields: dict | None) -> dict[str, str]:
    """Auth's 422 ``fields`` → the login form's field names (unknown ones go to ``form``)."""
    mapped: dict[str, str] = {}
    for name, message in (fields or {}).items():
        if isinstance(message, (list, tuple)):
            message = "; ".join(str(m) for m in message)
        target = FIELD_MAP.get(name) or FIELD_MAP.get(name.split(".")[0]) or "form"
        mapped[target] = f"{mapped[target]}; {message}" if target in mapped else str(message)
    return mapped


# The "time taken" page's own heading: it is also shown when the UI itself finds the time gone
# (a visitor's choice checked after the login), with no error of a service to show.
TAKEN_MESSAGE = "Это время уже занято другим пациентом. Выберите другое свободное время."
# An answer that carries no message (not one of the services' envelopes: a proxy in between).
NO_MESSAGE = "Не удалось выполнить запись."


def booking_error_message(error: dict | None) -> str:
    """The Russian message the refusing service sent (each service words its own errors)."""
    message = (error or {}).get("message")
    return message if isinstance(message, str) and message else NO_MESSAGE


def hhmm(value: str | None) -> str:
    moment = instant_or_none(value)
    return moment.strftime("%H:%M") if moment else ""


def human_date(value) -> str:
    """``2026-12-01`` (or an instant) → ``1 декабря 2026, вторник``."""
    if isinstance(value, str):
        moment = instant_or_none(value)
        if moment is None:
            return value
        value = moment.date() if "T" in value else moment.date()
    if isinstance(value, datetime):
        value = value.date()
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}, {WEEKDAYS[value.weekday()]}"


def grid_weeks(start: date, span: int) -> tuple[date, date]:
    """The day grid shows whole weeks, Monday to Sunday, that cover ``span`` days from ``start``:
    (the Monday on or before ``start``, the Sunday on or after its last day)."""
    monday = start - timedelta(days=start.weekday())
    last = start + timedelta(days=max(span, 1) - 1)
    return monday, last + timedelta(days=6 - last.weekday())


def grid_cell(value: date, found: dict | None, today: date) -> dict:
    """One cell of the grid: its date in Russian (``04.12``, ``Пт``) and its state in words
    (``state`` shown, ``spoken`` added for screen readers), so that nobody has to tell the light
    and dark colours apart to know which days can be booked."""
    day = found or {}
    bookable = bool(day.get("bookable")) and value >= today
    if value < today:
        state = "прошедший день"
    elif bookable:
        state = f"свободно {day['free']}" if day.get("free") else "есть свободное время"
    else:
        state = "нет записи" if day.get("interval") else "нет приёма"
    return {**day, "date": value.isoformat(), "past": value < today, "bookable": bookable,
            "short": value.strftime("%d.%m"), "weekday": WEEKDAYS_SHORT[value.weekday()],
            "state": state, "spoken": "запись возможна" if bookable else ""}


def parse_day(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return default
