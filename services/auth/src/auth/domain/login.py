"""Login by OMS policy: the request, the one failure message, and the lockout arithmetic (pure)."""
from __future__ import annotations

import hashlib
import hmac
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
class Limit:
    """One login limit: ``max_failures`` in ``window`` seconds lock the key out for ``lockout``
    seconds, growing up to ``lockout_max`` (0: until the window frees a place)."""
    kind: str          # "policy", "staff", "address" or "link_holder"
    max_failures: int
    window: int        # seconds
    lockout: int       # base lockout in seconds (0: until the window frees a place)
    lockout_max: int = 0


@dataclass(frozen=True)
class OmsLogin:
    policy: Policy
    birth_date: date | None
    identity_type: str | None
    identity_number: str | None

    @property
    def masked_policy(self) -> str:
        return docs.mask_policy(self.policy.number)


# A (policy, address) key is the policy key's first PAIR_PREFIX characters and 24 of the
# address's: every address of one policy shares the prefix, so an unlock finds them all.
PAIR_PREFIX = 40


def limit_key(secret: str, kind: str, value: str) -> str:
    """A login-limit key: a keyed HMAC, so the attempts table holds no policy number or login
    (an unkeyed hash of a 16-digit policy with a check digit is undone by enumeration)."""
    return hmac.new(secret.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def policy_key(secret: str, policy: Policy) -> str:
    return limit_key(secret, "policy", f"{policy.type}:{policy.series}:{policy.number}")


def staff_login_key(secret: str, login: str) -> str:
    return limit_key(secret, "staff", login.strip().casefold())


def pair_key(key: str, secret: str, address: str) -> str:
    """The key of one policy (or login) tried from one client address."""
    return key[:PAIR_PREFIX] + limit_key(secret, "address", address)[:64 - PAIR_PREFIX]


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
