"""The patient as reception registers it: parsing and validating the request body (pure)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from . import documents as docs
from .errors import InvalidInput
from .fields import parse_birth_date, parse_email, parse_name, parse_phone


@dataclass(frozen=True)
class Policy:
    type: str
    series: str  # "" unless oms_old (so the unique index treats it as a value)
    number: str


@dataclass(frozen=True)
class Attachment:
    organization_id: str
    area: str | None


@dataclass
class PatientData:
    last_name: str | None = None
    first_name: str | None = None
    middle_name: str | None = None
    birth_date: date | None = None
    sex: str | None = None
    phone: str | None = None
    email: str | None = None
    policy: Policy | None = None
    identity_documents: list[tuple[str, str]] | None = None
    attachment: Attachment | None = None
    present: set[str] = field(default_factory=set)

    @property
    def snils(self) -> str | None:
        for doc_type, number in self.identity_documents or []:
            if doc_type == "snils":
                return number
        return None


def parse_policy(raw: object, prefix: str = "policy") -> Policy:
    if not isinstance(raw, dict):
        raise InvalidInput({prefix: "Укажите полис: type, number (и series для старого образца)"})
    errors: dict[str, str] = {}
    kind = raw.get("type")
    if kind not in docs.POLICY_TYPES:
        raise InvalidInput({f"{prefix}.type": "Допустимые значения: " + ", ".join(docs.POLICY_TYPES)})
    series = ""
    number = ""
    try:
        if kind == "oms_unified":
            number = docs.normalize_unified_policy(raw.get("number"))
        elif kind == "temporary_certificate":
            number = docs.normalize_temporary_certificate(raw.get("number"))
        else:
            number = docs.normalize_old_policy_number(raw.get("number"))
    except docs.DocumentInvalid as exc:
        errors[f"{prefix}.number"] = str(exc)
    if kind == "oms_old":
        try:
            series = docs.normalize_old_policy_series(raw.get("series"))
        except docs.DocumentInvalid as exc:
            errors[f"{prefix}.series"] = str(exc)
    elif str(raw.get("series") or "").strip():
        errors[f"{prefix}.series"] = "Серия указывается только для полиса старого образца"
    if errors:
        raise InvalidInput(errors)
    return Policy(kind, series, number)


def parse_identity_documents(raw: object) -> list[tuple[str, str]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise InvalidInput({"identity_documents": "Должно быть списком"})
    errors: dict[str, str] = {}
    result: list[tuple[str, str]] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        name = f"identity_documents.{index}"
        if not isinstance(item, dict):
            errors[name] = "Должно быть объектом {type, number}"
            continue
        kind = item.get("type")
        if kind not in docs.IDENTITY_TYPES:
            errors[f"{name}.type"] = "Допустимые значения: " + ", ".join(docs.IDENTITY_TYPES)
            continue
        if kind in seen:
            errors[f"{name}.type"] = "Документ этого вида уже указан"
            continue
        try:
            result.append((kind, docs.normalize_identity(kind, item.get("number"))))
            seen.add(kind)
        except docs.DocumentInvalid as exc:
            errors[f"{name}.number"] = str(exc)
    if errors:
        raise InvalidInput(errors)
    return result


def parse_attachment(raw: object) -> Attachment | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise InvalidInput({"attachment": "Должно быть объектом {organization_id, area}"})
    org = raw.get("organization_id")
    if not isinstance(org, str) or not org.strip() or len(org) > 64:
        raise InvalidInput({"attachment.organization_id": "Укажите медицинскую организацию"})
    area = raw.get("area")
    if area is not None and (not isinstance(area, (str, int)) or len(str(area)) > 32):
        raise InvalidInput({"attachment.area": "Номер участка — строка до 32 символов"})
    area_text = str(area).strip() if area not in (None, "") else None
    return Attachment(org.strip(), area_text or None)


REQUIRED = ("last_name", "first_name", "birth_date", "sex", "policy")


def parse_patient(body: object, today: date, *, partial: bool = False) -> PatientData:
    """Validate a registry body; with ``partial`` only the given fields are checked (edits)."""
    if not isinstance(body, dict):
        raise InvalidInput({"_schema": "Ожидается JSON-объект"})
    data = PatientData(present={key for key in body if key in PatientData.__dataclass_fields__})
    errors: dict[str, str] = {}
    if not partial:
        for name in REQUIRED:
            if body.get(name) in (None, ""):
                errors[name] = "Обязательное поле"

    def attempt(name, func):
        if name not in body or name in errors:
            return
        try:
            setattr(data, name, func(body[name]))
        except InvalidInput as exc:
            errors.update(exc.fields)
        except ValueError as exc:
            errors[name] = str(exc)

    attempt("last_name", lambda v: parse_name(v, required=True))
    attempt("first_name", lambda v: parse_name(v, required=True))
    attempt("middle_name", lambda v: parse_name(v, required=False))
    attempt("birth_date", lambda v: parse_birth_date(v, today))
    attempt("sex", _parse_sex)
    attempt("phone", parse_phone)
    attempt("email", parse_email)
    attempt("policy", parse_policy)
    attempt("identity_documents", parse_identity_documents)
    attempt("attachment", parse_attachment)
    if errors:
        raise InvalidInput(errors)
    return data


def _parse_sex(value: object) -> str:
    if value not in ("M", "F"):
        raise ValueError("Допустимые значения: M, F")
    return value
