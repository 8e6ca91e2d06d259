"""Use cases of logging in: by OMS policy, by staff password; tokens, logout.

Limits are checked and attempts recorded in one unit of work of ``ctx.records`` (see
``_limited``; the SQL counters are adapters/limiter.py); a login does the same work whether
or not the policy or account exists. The ports are in ports.py, the wiring in app.py.
"""
from __future__ import annotations

import hmac
import logging
from typing import Callable, TypeVar
from datetime import date, datetime, timedelta, timezone

from argon2.exceptions import InvalidHashError, VerificationError

from regcommon.db import utcnow

from .claims import patient_claims
from .context import Context, address_key
from .domain.errors import AuthenticationFailed, TooManyAttempts
from .domain.documents import identity_matches
from .domain.fields import full_name
from .domain.login import OmsLogin, PAIR_PREFIX, policy_key, staff_login_key
from .domain.patients import Policy
from .ports import AuthUnitOfWork

__all__ = ["Context", "address_key", "login_by_oms", "login_staff", "logout",
           "patient_token_response", "today", "unlock_policy", "unlock_staff_login"]

log = logging.getLogger("auth.login")
T = TypeVar("T")

# Compared against when the policy is unknown, so that both paths do the same work.
_NOBODY_ID = "00000000-0000-0000-0000-000000000000"
_NOBODY_BIRTH = date(1900, 1, 1)


def today() -> date:
    """The latest "today" anywhere in Russia (UTC+12), for "not in the future" checks."""
    return datetime.now(timezone(timedelta(hours=12))).date()


def _matches(uow: AuthUnitOfWork, row, login: OmsLogin) -> bool:
    patient_id = row.id if row is not None else _NOBODY_ID
    stored_birth = row.birth_date if row is not None else _NOBODY_BIRTH
    ok = row is not None
    if login.birth_date is not None:
        ok &= hmac.compare_digest(stored_birth.isoformat(), login.birth_date.isoformat())
    if login.identity_type is not None:
        numbers = uow.identity_numbers(patient_id, login.identity_type)
        ok &= any(identity_matches(login.identity_type, n, login.identity_number) for n in numbers)
    return bool(ok)


def patient_token_response(ctx: Context, patient_id: str, name: str) -> dict:
    with ctx.records.unit_of_work() as uow:
        facts = patient_claims(uow, patient_id)
    token, ttl = ctx.issuer.issue(subject=patient_id, role="patient", name=name,
                                  ttl=ctx.settings.access_token_ttl, extra=facts)
    return {"access_token": token, "token_type": "Bearer", "expires_in": ttl,
            "patient": {"id": patient_id, "full_name": name}}


def _limited(ctx: Context, keys: list, verify: Callable[[AuthUnitOfWork], T | None]) -> T | None:
    """Run ``verify`` under the login limits; None means a recorded failure.

    The counter rows are locked BEFORE the outcome is known and the attempt is recorded in the
    same transaction: a burst of concurrent guesses on any number of instances is judged one
    after the other, so no more than the limit's guesses are ever answered (an unlocked
    "fast path" for successes would let a burst test every guess at once).
    """
    now = utcnow()
    with ctx.records.unit_of_work() as uow:
        uow.lock_login_keys(keys)
        uow.check_login_keys(keys, now)
        result = verify(uow)
        uow.record_login_attempt(keys, result is not None, now)
    return result


def login_by_oms(ctx: Context, login: OmsLogin, client_ip: str) -> dict:
    keys = ctx.login_limits("policy", policy_key(ctx.settings.policy_key_secret, login.policy),
                            client_ip)

    def verify(uow: AuthUnitOfWork):
        row = uow.find_by_policy(login.policy)
        if not _matches(uow, row, login):
            return None
        return row.id, full_name(row.last_name, row.first_name, row.middle_name)

    # Masked policy only; never the birth date or the identity number.
    found = _attempt(ctx, keys, verify, "oms login attempt", {
        "method": "oms", "document_type": login.policy.type, "policy": login.masked_policy,
        "by": "birth_date" if login.birth_date else login.identity_type, "client_ip": client_ip})
    if found is None:
        raise AuthenticationFailed()
    return patient_token_response(ctx, *found)


def _attempt(ctx: Context, keys, verify, message: str, fields: dict):
    """One login attempt under the limits, logged with its outcome (success, failure, locked)."""
    outcome = "failure"
    try:
        found = _limited(ctx, keys, verify)
        outcome = "success" if found else "failure"
        return found
    except TooManyAttempts:
        outcome = "locked"
        raise
    finally:
        log.info(message, extra={"event": "login_attempt", "outcome": outcome, **fields})


def login_staff(ctx: Context, login: str, password: str, client_ip: str) -> dict:
    normalized = login.strip().casefold()
    login_key = staff_login_key(ctx.settings.policy_key_secret, normalized)
    keys = ctx.login_limits("staff", login_key, client_ip)

    # The slow hash runs before the locked transaction (SQLite holds its write lock for a whole
    # transaction); its result is only revealed after the locked limit check below. An unknown
    # login is checked against a dummy hash, at the same cost as a real one.
    with ctx.records.unit_of_work() as uow:
        account = uow.active_staff(normalized)
    ok = _password_ok(ctx, account.password_hash if account else ctx.dummy_hash, password)

    def verify(_uow: AuthUnitOfWork):
        return account if ok and account is not None else None

    # The login name is personal data (often the person's surname): a keyed hash correlates
    # the attempts of one login without naming it; a success names the staff id.
    row = _attempt(ctx, keys, verify, "staff login attempt",
                   {"method": "staff", "login_key": login_key[:16], "client_ip": client_ip,
                    "staff_id": account.id if ok and account is not None else None})
    if row is None:
        raise AuthenticationFailed()
    token, ttl = ctx.issuer.issue(subject=row.id, role=row.role, name=row.full_name,
                                  ttl=ctx.settings.staff_token_ttl,
                                  organization_id=row.organization_id, staff=True)
    return {"access_token": token, "token_type": "Bearer", "expires_in": ttl,
            "staff": {"id": row.id, "role": row.role, "full_name": row.full_name,
                      "organization_id": row.organization_id}}


def _password_ok(ctx: Context, stored: str, password: str) -> bool:
    try:
        return ctx.hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def unlock_policy(ctx: Context, policy: Policy) -> int:
    """Lift every login limit of a policy (all addresses), as the owner's success would."""
    return _unlock(ctx, "policy", policy_key(ctx.settings.policy_key_secret, policy))


def unlock_staff_login(ctx: Context, login: str) -> int:
    return _unlock(ctx, "staff", staff_login_key(ctx.settings.policy_key_secret, login))


def _unlock(ctx: Context, kind: str, key: str) -> int:
    with ctx.records.unit_of_work() as uow:
        return uow.unlock_logins([(f"{kind}_address", key[:PAIR_PREFIX]), (kind, key)], utcnow())


def logout(ctx: Context, claims: dict) -> None:
    ctx.revocations.revoke(claims["jti"], int(claims["exp"]))
    log.info("logout", extra={"event": "logout", "sub": claims.get("sub"),
                              "role": claims.get("role")})
