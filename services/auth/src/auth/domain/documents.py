"""Identity documents: normalising what people type and validating it (pure functions).

Each ``normalize_*`` returns the canonical form stored in the registry and compared at login, or
raises :class:`DocumentInvalid` with a Russian message for the person.
"""
from __future__ import annotations

import re


class DocumentInvalid(ValueError):
    pass


# Cyrillic letters that look like Latin ones, in both directions. Policy series are compared in
# the Latin form; birth-certificate letters are Cyrillic by law, numerals Roman (Latin).
CYRILLIC_TO_LATIN = str.maketrans("АВЕКМНОРСТУХІ", "ABEKMHOPCTYXI")
LATIN_TO_CYRILLIC = str.maketrans("ABEKMHOPCTYX", "АВЕКМНОРСТУХ")
_NOISE = re.compile(r"[\s\-–—№#_.]+")


def _strip(value: object) -> str:
    if not isinstance(value, str):
        raise DocumentInvalid("Введите значение текстом")
    return _NOISE.sub("", value.replace("N°", "").replace("No.", "")).strip()


def _digits(value: object, what: str) -> str:
    raw = _strip(value)
    if not raw:
        raise DocumentInvalid(f"Введите {what}")
    if not raw.isdigit() or not raw.isascii():
        raise DocumentInvalid(f"{what[0].upper() + what[1:]}: допускаются только цифры")
    return raw


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def normalize_unified_policy(value: object) -> str:
    """ЕНП: 16 digits, the last one a check digit (Luhn over all 16)."""
    digits = _digits(value, "номер полиса")
    if len(digits) != 16:
        raise DocumentInvalid("Номер полиса единого образца состоит из 16 цифр")
    if not luhn_valid(digits):
        raise DocumentInvalid("Номер полиса введён с ошибкой: не сходится контрольная цифра")
    return digits


def normalize_old_policy_series(value: object) -> str:
    raw = _strip(value).upper().translate(CYRILLIC_TO_LATIN)
    if not raw:
        raise DocumentInvalid("Введите серию полиса")
    if len(raw) > 10:
        raise DocumentInvalid("Серия полиса — не более 10 букв и цифр")
    if not re.fullmatch(r"[0-9A-ZА-ЯЁ]+", raw):
        raise DocumentInvalid("Серия полиса состоит только из букв и цифр")
    return raw


def normalize_old_policy_number(value: object) -> str:
    digits = _digits(value, "номер полиса")
    if len(digits) > 20:
        raise DocumentInvalid("Номер полиса старого образца — не более 20 цифр")
    return digits


def normalize_temporary_certificate(value: object) -> str:
    digits = _digits(value, "номер временного свидетельства")
    if len(digits) != 9:
        raise DocumentInvalid("Номер временного свидетельства состоит из 9 цифр")
    return digits


def snils_checksum(first_nine: str) -> int:
    total = sum(int(d) * (9 - i) for i, d in enumerate(first_nine))
    if total < 100:
        return total
    if total in (100, 101):
        return 0
    rest = total % 101
    return 0 if rest == 100 else rest


# Numbers up to 001-001-998 were issued before the check digit existed.
SNILS_CHECKED_FROM = 1001998


def normalize_snils(value: object) -> str:
    digits = _digits(value, "СНИЛС")
    if len(digits) != 11:
        raise DocumentInvalid("СНИЛС состоит из 11 цифр")
    if int(digits[:9]) > SNILS_CHECKED_FROM and snils_checksum(digits[:9]) != int(digits[9:]):
        raise DocumentInvalid("СНИЛС введён с ошибкой: не сходится контрольное число")
    return digits


def format_snils(digits: str) -> str:
    return f"{digits[0:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:11]}"


def normalize_passport(value: object, *, number_only_allowed: bool = False) -> str:
    """Passport of the RF: series (4 digits) + number (6 digits) → 10 digits.

    At login people may type the number without the series (the portal's own instructions say
    so): then 6 digits are accepted and compared with the number part.
    """
    digits = _digits(value, "серию и номер паспорта")
    if len(digits) == 10 or (number_only_allowed and len(digits) == 6):
        return digits
    if number_only_allowed:
        raise DocumentInvalid("Паспорт: 4 цифры серии и 6 цифр номера (или только 6 цифр номера)")
    raise DocumentInvalid("Паспорт: 4 цифры серии и 6 цифр номера")


_ROMAN = re.compile(r"M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})")
_ROMAN_LOOKALIKES = str.maketrans({"І": "I", "Х": "X", "С": "C", "М": "M", "1": "I", "У": "V"})


def normalize_birth_certificate(value: object, *, number_only_allowed: bool = False) -> str:
    """Birth certificate: ``IV-АИ 123456`` (Roman numeral, hyphen, two Cyrillic capitals, 6 digits).

    Cyrillic look-alikes in the numeral (Х, С, М, І) and Latin look-alikes in the letters (A, B, E,
    K, M, H, O, P, C, T, X, Y) are accepted. At login the 6-digit number alone is accepted too.
    """
    raw = _strip(value).upper()
    if number_only_allowed and raw.isdigit() and raw.isascii() and len(raw) == 6:
        return raw
    match = re.fullmatch(r"(.+?)-?([A-ZА-ЯЁ]{2})(\d{6})", raw)
    if not match:
        raise DocumentInvalid("Свидетельство о рождении: серия вида IV-АИ и номер из 6 цифр")
    roman = match.group(1).translate(_ROMAN_LOOKALIKES)
    letters = match.group(2).translate(LATIN_TO_CYRILLIC)
    number = match.group(3)
    if not number.isascii():
        raise DocumentInvalid("Номер свидетельства о рождении — 6 цифр")
    if not roman or not _ROMAN.fullmatch(roman):
        raise DocumentInvalid("Серия свидетельства начинается с римского числа (I, V, X, L, C)")
    if not re.fullmatch(r"[А-ЯЁ]{2}", letters):
        raise DocumentInvalid("В серии свидетельства после дефиса — две русские заглавные буквы")
    return f"{roman}-{letters} {number}"


# Social cards differ between regions (Orenburg issues bank-card based ones; others a plain
# number), so the rule is deliberately loose: 6 to 20 digits, no check digit; a 16-19 digit
# number is a bank card number and must pass the Luhn check like every payment card.
def normalize_social_card(value: object) -> str:
    digits = _digits(value, "номер социальной карты")
    if not 6 <= len(digits) <= 20:
        raise DocumentInvalid("Номер социальной карты — от 6 до 20 цифр")
    if 16 <= len(digits) <= 19 and not luhn_valid(digits):
        raise DocumentInvalid("Номер социальной карты введён с ошибкой: не сходится контрольная цифра")
    return digits


POLICY_TYPES = ("oms_unified", "oms_old", "temporary_certificate")
IDENTITY_TYPES = ("passport", "birth_certificate", "snils", "social_card")


def normalize_identity(doc_type: str, number: object, *, for_login: bool = False) -> str:
    if doc_type == "passport":
        return normalize_passport(number, number_only_allowed=for_login)
    if doc_type == "birth_certificate":
        return normalize_birth_certificate(number, number_only_allowed=for_login)
    if doc_type == "snils":
        return normalize_snils(number)
    if doc_type == "social_card":
        return normalize_social_card(number)
    raise DocumentInvalid("Допустимые документы: passport, birth_certificate, snils, social_card")


def identity_matches(doc_type: str, stored: str, given: str) -> bool:
    """Whether a login's (normalised) document number matches a stored one.

    A passport or birth certificate given without its series matches on the number part.
    """
    if doc_type == "passport" and len(given) == 6:
        return stored[-6:] == given
    if doc_type == "birth_certificate" and given.isdigit():
        return stored[-6:] == given
    return stored == given


def mask_policy(number: str) -> str:
    """Only the last 4 digits are ever shown or logged."""
    tail = number[-4:] if number else ""
    return "*" * max(0, len(number) - 4) + tail if number else ""
