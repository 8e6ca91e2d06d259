"""Use cases of the ESIA login: an authorization URL with a one-use state, and the callback."""
from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import insert, update

from regcommon.db import session_scope, utcnow

from .adapters import patients_db
from .adapters.esia import EsiaClient, EsiaRejected
from .adapters.tables import esia_states
from .domain import documents as docs
from .domain.errors import AuthenticationFailed, InvalidInput
from .domain.fields import full_name
from .domain.patients import Policy
from .services import Context, patient_token_response, unlock_policy

log = logging.getLogger("auth.esia")


def _check_redirect(redirect_uri: object, allowed: frozenset[str] | None) -> str:
    if not isinstance(redirect_uri, str) or len(redirect_uri) > 1000:
        raise InvalidInput({"redirect_uri": "Укажите адрес возврата (http или https)"})
    if allowed is not None and redirect_uri not in allowed:
        log.warning("esia redirect_uri not in AUTH_ESIA_REDIRECT_URIS",
                    extra={"redirect_uri": redirect_uri[:200]})
        raise InvalidInput({"redirect_uri": "Этот адрес возврата не разрешён"})
    try:
        parts = urlsplit(redirect_uri)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:  # e.g. an unclosed IPv6 bracket
        raise InvalidInput({"redirect_uri": "Укажите адрес возврата (http или https)"}) from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput({"redirect_uri": "Укажите адрес возврата (http или https)"})
    return redirect_uri


def authorize_url(ctx: Context, client: EsiaClient, redirect_uri: object) -> dict:
    redirect = _check_redirect(redirect_uri, ctx.settings.allowed_esia_redirects())
    state = str(uuid.uuid4())
    url = client.authorization_url(state, redirect)  # fails first if signing is not configured
    now = utcnow()
    with session_scope(ctx.sessions) as session:
        session.execute(insert(esia_states).values(
            state=state, redirect_uri=redirect, created_at=now,
            expires_at=now + timedelta(seconds=ctx.settings.esia_state_ttl)))
    return {"url": url, "state": state}


def _consume_state(ctx: Context, state: str, redirect_uri: str) -> bool:
    """Mark the state used; only the first caller within its lifetime succeeds."""
    now = utcnow()
    with session_scope(ctx.sessions) as session:
        result = session.execute(update(esia_states).where(
            esia_states.c.state == state, esia_states.c.used_at.is_(None),
            esia_states.c.expires_at > now, esia_states.c.redirect_uri == redirect_uri)
            .values(used_at=now))
    return result.rowcount == 1


def _policy_numbers(documents: list[dict]) -> list[str]:
    numbers = []
    for item in documents:
        if item.get("type") == "MDCL_PLCY" and isinstance(item.get("number"), str):
            digits = "".join(ch for ch in item["number"] if ch.isdigit())
            if digits:
                numbers.append(digits)
    return numbers


def _snils(person: dict) -> str | None:
    try:
        return docs.normalize_snils(person.get("snils"))
    except docs.DocumentInvalid:
        return None


def callback(ctx: Context, client: EsiaClient, body: object) -> dict:
    if not isinstance(body, dict):
        raise InvalidInput({"_schema": "Ожидается JSON-объект"})
    errors = {name: "Обязательное поле" for name in ("code", "state", "redirect_uri")
              if not isinstance(body.get(name), str) or not body.get(name) or len(body[name]) > 2000}
    if errors:
        raise InvalidInput(errors)
    if not _consume_state(ctx, body["state"], body["redirect_uri"]):
        log.info("esia callback refused", extra={"event": "login_attempt", "method": "esia",
                                                 "outcome": "bad_state"})
        raise AuthenticationFailed()
    try:
        tokens = client.exchange_code(body["code"], body["redirect_uri"])
        claims = client.verify_id_token(tokens["id_token"])
        oid = str(claims["urn:esia:sbj_id"])
        person = client.person(oid, tokens["access_token"])
        documents = client.documents(oid, tokens["access_token"])
    except EsiaRejected as exc:
        log.info("esia callback refused", extra={"event": "login_attempt", "method": "esia",
                                                 "outcome": "rejected", "reason": str(exc)[:200]})
        raise AuthenticationFailed() from None
    with session_scope(ctx.sessions) as session:
        row = patients_db.find_for_esia(session, oid=oid, snils=_snils(person),
                                        policy_numbers=_policy_numbers(documents))
        if row is not None and row.esia_oid is None:
            patients_db.link_esia(session, row.id, oid)
    log.info("esia login attempt", extra={"event": "login_attempt", "method": "esia",
                                          "outcome": "success" if row else "not_registered"})
    if row is None:
        raise AuthenticationFailed()
    # Gosuslugi has proven the person: whatever wrong guesses locked their policy, lift it.
    unlock_policy(ctx, Policy(row.policy_type, row.policy_series or "", row.policy_number))
    return patient_token_response(ctx, row.id, full_name(row.last_name, row.first_name,
                                                         row.middle_name))
