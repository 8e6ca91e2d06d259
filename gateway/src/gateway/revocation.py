"""Logout takes effect at once: the gateway's own record of logged-out tokens.

The gateway does not verify token signatures (every service does); before forwarding, it
refuses any bearer token of /api/v1 that
- has expired (by its ``exp``, with the services' leeway);
- was logged out through this gateway: recorded in the gateway's database BEFORE the logout is
  answered, so the very next request through any worker of any gateway instance is refused;
- was revoked at auth (a logout made elsewhere, a deactivated staff member): the list every
  service polls from auth (regcommon/revocations.py), failing closed when it is stale.
Refusing on unverified claims can only refuse more: acceptance still needs the service's check.
See docs/security.md, "Tokens and revocation".
"""
from __future__ import annotations

import random
import time
from datetime import datetime, timezone

from flask import current_app
from jose import jwt
from jose.exceptions import JOSEError
from regcommon.db import utcnow
from regcommon.jwt_verify import (RevocationList, RevocationsUnavailable, auth_unavailable_error,
                                  invalid_token_error)
from sqlalchemy import (Column, DateTime, Index, String, Table, bindparam, delete, insert,
                        select)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from .sessions import metadata

LEEWAY_SECONDS = 10  # as regcommon's JwtVerifier

revoked_tokens = Table(
    "revoked_tokens", metadata,
    Column("jti", String(64), primary_key=True),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Index("ix_revoked_tokens_expires_at", "expires_at"),
)


def unverified_claims(token: str) -> dict | None:
    """The payload of a JWT-shaped token, unverified; None for anything else."""
    try:
        claims = jwt.get_unverified_claims(token)
    except (JOSEError, ValueError, TypeError):
        return None
    return claims if isinstance(claims, dict) else None


class TokenGate:
    def __init__(self, engine: Engine, revocations: RevocationList | None):
        self.engine = engine
        self.revocations = revocations
        # Built once: the lookup runs on every authenticated request (an ORM session and a
        # statement built per request were a third of the gateway's CPU in the rush).
        self._logged_out_query = select(revoked_tokens.c.jti).where(
            revoked_tokens.c.jti == bindparam("jti"))

    def check(self, token: str) -> None:
        """Raise the 401 (or the fail-closed 503) of a token that must not be forwarded."""
        claims = unverified_claims(token)
        if claims is None:
            return  # not a JWT: the service answers 401 itself
        exp = claims.get("exp")
        if isinstance(exp, (int, float)) and exp + LEEWAY_SECONDS < time.time():
            raise invalid_token_error("expired (gateway)")
        jti = claims.get("jti")
        if isinstance(jti, str) and self._logged_out(jti):
            raise invalid_token_error("logged out (gateway)")
        if self.revocations is None:
            return
        try:
            revoked = self.revocations(claims)
        except RevocationsUnavailable:
            raise auth_unavailable_error() from None
        if revoked:
            raise invalid_token_error("revoked at auth (gateway)")

    def _logged_out(self, jti: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(self._logged_out_query, {"jti": jti[:64]}).first() is not None

    def record(self, token: str) -> None:
        """Remember a logged-out token until it expires (synchronously: the next request of
        any worker sees it)."""
        claims = unverified_claims(token) or {}
        jti, exp = claims.get("jti"), claims.get("exp")
        if not isinstance(jti, str) or not isinstance(exp, (int, float)):
            return
        expires = datetime.fromtimestamp(exp + LEEWAY_SECONDS, tz=timezone.utc)
        try:
            with self.engine.begin() as db:
                db.execute(insert(revoked_tokens).values(jti=jti[:64], expires_at=expires))
                if random.random() < 0.05:  # noqa: S311 - housekeeping, not security
                    db.execute(delete(revoked_tokens).where(revoked_tokens.c.expires_at < utcnow()))
        except IntegrityError:
            pass  # logged out twice: already recorded


def build_gate(settings, engine: Engine) -> TokenGate:
    polled = RevocationList(settings.auth_url, settings.internal_token,
                            interval=settings.revocation_poll_seconds,
                            max_age=settings.revocation_max_age_seconds,
                            timeout=settings.http_timeout_seconds)
    return TokenGate(engine, polled)


def record_logout(token: str | None) -> None:
    """Called by every logout the gateway performs (API, patient cabinet, staff workspace)."""
    gate = current_app.extensions.get("token_gate")
    if gate is not None and token:
        gate.record(token)
