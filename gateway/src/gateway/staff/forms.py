"""The patient form: HTML form values <-> the registry body of api.md, and field errors.

Document formats (policy check digit, SNILS checksum, passport...) are validated by the auth
service; its 422 ``fields`` are mapped back onto the form fields here so that each message stands
next to the field it is about.
"""
from __future__ import annotations

import re
from datetime import date

from ..ui.forms import dmy_to_iso

POLICY_TYPES = {
    "oms_unified": "Полис ОМС единого образца (16 цифр)",
    "oms_old": "Полис ОМС старого образца (серия и номер)",
    "temporary_certificate": "Временное свидетельство (9 цифр)",
}
DOCUMENT_TYPES = {
    "": "— нет —",
    "passport": "Паспорт РФ",
    "birth_certificate": "Свидетельство о рождении",
    "snils": "СНИЛС",
    "social_card": "Социальная карта",
}
SEX = {"M": "мужской", "F": "женский"}
DOC_SLOTS = 2
TEXT_FIELDS = ("last_name", "first_name", "middle_name", "birth_date", "sex", "phone", "email",
               "policy_type", "policy_series", "policy_number", "organization_id", "area")
FIELD_ALIASES = {
    "policy": "policy_number", "policy.number": "policy_number", "policy.series": "policy_series",
    "policy.type": "policy_type", "document_type": "policy_type",
    "attachment": "organization_id", "attachment.organization_id": "organization_id",
    "attachment.area": "area", "identity_documents": "doc1_number",
}


DATE_FORMAT = "ДД.ММ.ГГГГ"


def parse_date(value: str | None) -> date | None:
    """A date as people type it, ``ДД.ММ.ГГГГ`` (``ДД-ММ-ГГГГ`` too), or ``ГГГГ-ММ-ДД`` as links
    and older bookmarks carry it; None when it is not a real date. Date fields are text inputs:
    Chromium's own date input would show mm/dd/yyyy in an English browser."""
    text = (value or "").strip()
    iso = dmy_to_iso(text) or text
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", iso):
        return None
    try:
        return date.fromisoformat(iso)
    except ValueError:
        return None


def date_error(what: str, example: str = "05.03.1980") -> str:
    return f"{what}: укажите дату в формате {DATE_FORMAT}, например {example}"


def shown_date(value: str | None) -> str:
    """What a date field shows: ``ДД.ММ.ГГГГ`` for a valid date, anything else as it was typed."""
    day = parse_date(value)
    return day.strftime("%d.%m.%Y") if day else (value or "")


def search_params(query: dict) -> tuple[dict, str | None]:
    """The registry search's parameters (the birth date as ГГГГ-ММ-ДД), or a message for people."""
    params = dict(query)
    if query.get("birth_date"):
        day = parse_date(query["birth_date"])
        if day is None:
            return {}, date_error("Дата рождения")
        params["birth_date"] = day.isoformat()
    return params, None


def read_form(form) -> dict:
    values = {name: (form.get(name) or "").strip() for name in TEXT_FIELDS}
    for n in range(1, DOC_SLOTS + 1):
        values[f"doc{n}_type"] = (form.get(f"doc{n}_type") or "").strip()
        values[f"doc{n}_number"] = (form.get(f"doc{n}_number") or "").strip()
    return values


def check_form(values: dict, *, editing: bool) -> dict:
    """Required fields and plain formats, checked before bothering the registry."""
    errors = {}
    for name, label in (("last_name", "фамилию"), ("first_name", "имя")):
        if not values[name]:
            errors[name] = f"Введите {label}"
    birth = parse_date(values["birth_date"])
    if not values["birth_date"]:
        errors["birth_date"] = "Введите дату рождения"
    elif birth is None:
        errors["birth_date"] = date_error("Дата рождения")
    elif birth > date.today():
        errors["birth_date"] = "Дата рождения не может быть в будущем"
    if values["sex"] not in SEX:
        errors["sex"] = "Укажите пол"
    if values["policy_type"] not in POLICY_TYPES:
        errors["policy_type"] = "Выберите вид полиса"
    # When editing, an empty policy number keeps the registered policy unchanged.
    if not values["policy_number"] and not editing:
        errors["policy_number"] = "Введите номер полиса"
    old_format = values["policy_type"] == "oms_old"
    if old_format and values["policy_number"] and not values["policy_series"]:
        errors["policy_series"] = "Введите серию полиса старого образца"
    if values["email"] and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", values["email"]):
        errors["email"] = "Адрес почты в виде name@example.ru"
    for n in range(1, DOC_SLOTS + 1):
        kind, number = values[f"doc{n}_type"], values[f"doc{n}_number"]
        if kind and kind not in DOCUMENT_TYPES:
            errors[f"doc{n}_type"] = "Неизвестный вид документа"
        elif kind and not number:
            errors[f"doc{n}_number"] = "Введите номер документа"
        elif number and not kind:
            errors[f"doc{n}_type"] = "Выберите вид документа"
    return errors


def to_body(values: dict, *, editing: bool) -> dict:
    body = {name: values[name] or None
            for name in ("last_name", "first_name", "middle_name", "sex", "phone", "email")}
    birth = parse_date(values["birth_date"])
    body["birth_date"] = birth.isoformat() if birth else None
    if values["policy_number"]:
        policy = {"type": values["policy_type"], "number": values["policy_number"]}
        if values["policy_type"] == "oms_old":
            policy["series"] = values["policy_series"]
        body["policy"] = policy
    elif not editing:
        body["policy"] = {"type": values["policy_type"], "number": ""}
    body["identity_documents"] = [
        {"type": values[f"doc{n}_type"], "number": values[f"doc{n}_number"]}
        for n in range(1, DOC_SLOTS + 1) if values[f"doc{n}_type"]]
    if values["organization_id"]:
        body["attachment"] = {"organization_id": values["organization_id"],
                              "area": values["area"] or None}
    return body


def from_patient(patient: dict) -> dict:
    values = {name: "" for name in TEXT_FIELDS}
    for name in ("last_name", "first_name", "middle_name", "birth_date", "sex", "phone", "email"):
        values[name] = str(patient.get(name) or "")
    values["birth_date"] = shown_date(values["birth_date"])
    policy = patient.get("policy") or {}
    values["policy_type"] = policy.get("type") or "oms_unified"
    values["policy_series"] = policy.get("series") or ""
    # A masked number cannot be sent back; the field stays empty and the policy unchanged.
    number = str(policy.get("number") or "")
    values["policy_number"] = number if number.isdigit() else ""
    documents = patient.get("identity_documents") or []
    for n in range(1, DOC_SLOTS + 1):
        doc = documents[n - 1] if len(documents) >= n and isinstance(documents[n - 1], dict) else {}
        values[f"doc{n}_type"] = doc.get("type") or ""
        values[f"doc{n}_number"] = doc.get("number") or ""
    attachments = attachments_of(patient)
    if attachments:
        values["organization_id"] = attachments[0].get("organization_id") or ""
        values["area"] = attachments[0].get("area") or ""
    return values


def attachments_of(patient: dict) -> list[dict]:
    found = patient.get("attachments")
    if isinstance(found, list):
        return [a for a in found if isinstance(a, dict)]
    single = patient.get("attachment")
    return [single] if isinstance(single, dict) else []


def full_name(person: dict) -> str:
    if person.get("full_name"):
        return str(person["full_name"])
    parts = (person.get("last_name"), person.get("first_name"), person.get("middle_name"))
    return " ".join(p for p in parts if p)


def _flatten(fields: dict, prefix: str = "") -> dict:
    flat = {}
    for key, value in fields.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            flat.update(_flatten(value, name))
        elif isinstance(value, list):
            flat[name] = "; ".join(str(v) for v in value)
        else:
            flat[name] = str(value)
    return flat


def map_field_errors(fields: dict) -> tuple[dict, list[str]]:
    """Upstream ``fields`` -> (errors by form field, messages that fit no field)."""
    errors, rest = {}, []
    for key, message in _flatten(fields or {}).items():
        name = re.sub(r"\[(\d+)\]", r".\1", key)
        doc = re.fullmatch(r"identity_documents\.(\d+)(?:\.(type|number))?", name)
        if doc:
            target = f"doc{int(doc.group(1)) + 1}_{doc.group(2) or 'number'}"
            target = target if int(doc.group(1)) < DOC_SLOTS else None
        else:
            target = FIELD_ALIASES.get(name, name if name in TEXT_FIELDS else None)
        if target:
            errors[target] = message
        else:
            rest.append(f"{key}: {message}")
    return errors, rest
