"""Small parsers shared by the request models: dates, names, contacts (pure)."""
from __future__ import annotations

import re
from datetime import date

NAME_RE = re.compile(r"[A-Za-zА-Яа-яЁё][A-Za-zА-Яа-яЁё' \-]{0,99}")
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def parse_birth_date(value: object, today: date) -> date:
    # Only ГГГГ-ММ-ДД: fromisoformat also takes week dates such as 1985-W11-4.
    if not isinstance(value, str) or not DATE_RE.fullmatch(value.strip()):
        raise ValueError("Дата рождения в формате ГГГГ-ММ-ДД")
    try:
        parsed = date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError("Дата рождения в формате ГГГГ-ММ-ДД") from None
    if len(value.strip()) != 10:
        raise ValueError("Дата рождения в формате ГГГГ-ММ-ДД")
    if parsed > today:
        raise ValueError("Дата рождения не может быть в будущем")
    if parsed.year < 1900:
        raise ValueError("Проверьте год рождения")
    return parsed


def parse_name(value: object, *, required: bool) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValueError("Обязательное поле")
        return None
    if not isinstance(value, str):
        raise ValueError("Должно быть строкой")
    cleaned = " ".join(value.split())
    if not NAME_RE.fullmatch(cleaned):
        raise ValueError("Допускаются буквы, пробел, дефис и апостроф (до 100 символов)")
    return cleaned


def parse_phone(value: object) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError("Должно быть строкой")
    digits = re.sub(r"\D", "", value)
    if len(digits) == 11 and digits[0] in "78":
        return "+7" + digits[1:]
    if len(digits) == 10 and digits[0] == "9":
        return "+7" + digits
    raise ValueError("Телефон в формате +7 XXX XXX-XX-XX")


def parse_email(value: object) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > 254 or not EMAIL_RE.fullmatch(value.strip()):
        raise ValueError("Некорректный адрес электронной почты")
    return value.strip().lower()


def search_key(last_name: str) -> str:
    """Case- and ё-insensitive form of a surname (SQLite's lower() knows no Cyrillic)."""
    return last_name.casefold().replace("ё", "е").strip()


def full_name(last: str, first: str, middle: str | None) -> str:
    return " ".join(part for part in (last, first, middle) if part)
