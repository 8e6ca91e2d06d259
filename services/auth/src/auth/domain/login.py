"""Login by OMS policy: the request, the one failure message, and the lockout arithmetic (pure)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from . import documents as docs
from .errors import InvalidInput
from .fields import parse_birth_date
from .patients import Policy, parse_policy

# One message naming both possible reasons, as the portal's guide does; identical for an
# unknown policy and a wrong birth date so that it tells an attacker nothing.
AUTH_FAILED_MESSAGE = (
    "Не удалось войти. Возможные причины: данные введены некорректно — проверьте номер "
    "документа и дату рождения; или пациента нет в базе данных — для регистрации один раз "
    "обратитесь в регистратуру медицинской организации."
)
STAFF_FAILED_MESSAGE = "Неверный логин или пароль"
TOO_MANY_MESSAGE = "Слишком много неудачных попыток входа. Повторите попытку позже."


@dataclass(frozen=True)
class OmsLogin:
    policy: Policy
    birth_date: date | None
    identity_type: str | None
    identity_number: str | None

    @property
    def policy_key(self) -> str:
        """The rate-limit key: a hash, so the attempts table holds no policy numbers."""
        raw = f"{self.policy.type}:{self.policy.series}:{self.policy.number}"
        return hashlib.sha256(raw.encode()).hexdigest()

    @property
    def masked_policy(self) -> str:
        return docs.mask_policy(self.policy.number)


def parse_oms_login(body: object, today: date) -> OmsLogin:
    if not isinstance(body, dict):
        raise InvalidInput({"_schema": "Ожидается JSON-объект"})
    errors: dict[str, str] = {}
    kind = body.get("document_type")
    policy = None
    if kind not in docs.POLICY_TYPES:
        errors["document_type"] = "Допустимые значения: " + ", ".join(docs.POLICY_TYPES)
    else:
        try:
            policy = parse_policy({"type": kind, "series": body.get("policy_series"),
                                   "number": body.get("policy_number")})
        except InvalidInput as exc:
            for name, message in exc.fields.items():
                errors[name.replace("policy.", "policy_")] = message
    birth = None
    if body.get("birth_date") not in (None, ""):
        try:
            birth = parse_birth_date(body["birth_date"], today)
        except ValueError as exc:
            errors["birth_date"] = str(exc)
    id_type = id_number = None
    ident = body.get("identity_document")
    if ident not in (None, {}):
        if not isinstance(ident, dict):
            errors["identity_document"] = "Должно быть объектом {type, number}"
        elif ident.get("type") not in docs.IDENTITY_TYPES:
            errors["identity_document.type"] = "Допустимые значения: " + ", ".join(docs.IDENTITY_TYPES)
        else:
            id_type = ident["type"]
            try:
                id_number = docs.normalize_identity(id_type, ident.get("number"), for_login=True)
            except docs.DocumentInvalid as exc:
                errors["identity_document.number"] = str(exc)
    if body.get("birth_date") in (None, "") and ident in (None, {}):
        errors["birth_date"] = "Укажите дату рождения или номер документа, удостоверяющего личность"
    if errors:
        raise InvalidInput(errors)
    return OmsLogin(policy, birth, id_type, id_number)


def policy_lockout_seconds(previous_lockouts: int, base: int, maximum: int) -> int:
    """A lockout that doubles with each repeat (15 min, 30, 60...), capped."""
    return min(maximum, base * (2 ** min(previous_lockouts, 20)))
