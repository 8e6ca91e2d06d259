"""Issuing access tokens (RS256, key from the key store) and keeping the revocation list."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from jose import jwt
from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import Session, sessionmaker

from regcommon.db import session_scope, utcnow
from regcommon.jwt_verify import JwksCache, JwtVerifier

from .keystore import KeyStore
from .tables import revoked_tokens, subject_revocations


class TokenIssuer:
    def __init__(self, keys: KeyStore, *, issuer: str, audience: str):
        self.keys = keys
        self.issuer = issuer
        self.audience = audience

    def issue(self, *, subject: str, role: str, name: str, ttl: int,
              organization_id: str | None = None, staff: bool = False,
              extra: dict | None = None) -> tuple[str, int]:
        """``extra``: service-facing facts (``auth.claims.patient_claims``)."""
        kid, key = self.keys.current()
        now = int(datetime.now(timezone.utc).timestamp())
        claims = {**(extra or {}), "iss": self.issuer, "aud": self.audience, "sub": subject,
                  "role": role, "jti": uuid.uuid4().hex, "iat": now, "exp": now + ttl,
                  "name": name}
        if staff:
            claims["organization_id"] = organization_id
        token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})
        return token, ttl


class Revocations:
    """Revoked tokens (logout) and revoked subjects (deactivated staff), in auth's database.

    A revoked id is kept only until its token's ``exp`` (after that the token is refused by its
    expiry anyway), a subject until the last token issued before its ``not_before`` expired.
    """

    def __init__(self, sessions: sessionmaker[Session]):
        self.sessions = sessions

    def revoke(self, jti: str, expires_at: int) -> None:
        expires = datetime.fromtimestamp(expires_at, tz=timezone.utc)
        now = utcnow()
        with session_scope(self.sessions) as session:
            session.execute(delete(revoked_tokens).where(revoked_tokens.c.expires_at <= now))
            known = session.execute(select(revoked_tokens.c.jti)
                                    .where(revoked_tokens.c.jti == jti)).first()
            if known is None:
                session.execute(insert(revoked_tokens).values(jti=jti, expires_at=expires,
                                                              revoked_at=now))

    def revoke_subject(self, session: Session, subject: str, longest_ttl: int) -> None:
        """Every token of ``subject`` issued until now stops working (in the caller's
        transaction, so that the deactivation and the revocation commit together)."""
        now = utcnow()
        values = {"not_before": now, "expires_at": now + timedelta(seconds=longest_ttl + 60),
                  "revoked_at": now}
        session.execute(delete(subject_revocations).where(
            or_(subject_revocations.c.subject == subject, subject_revocations.c.expires_at <= now)))
        session.execute(insert(subject_revocations).values(subject=subject, **values))

    def is_revoked(self, claims: dict) -> bool:
        jti, subject, iat = claims.get("jti"), claims.get("sub"), claims.get("iat")
        with session_scope(self.sessions) as session:
            if jti and session.execute(select(revoked_tokens.c.jti)
                                       .where(revoked_tokens.c.jti == jti)).first():
                return True
            row = session.execute(select(subject_revocations.c.not_before).where(
                subject_revocations.c.subject == str(subject))).first() if subject else None
        return bool(row and isinstance(iat, (int, float))
                    and iat <= _epoch(row.not_before))

    def since(self, since: datetime | None) -> dict:
        """Revocations after ``since`` (every live one when no ``since`` is given).

        ``as_of`` is taken a little in the past so that a revocation committed concurrently with
        this read is returned by the next poll rather than lost.
        """
        now = utcnow()
        tokens = select(revoked_tokens.c.jti, revoked_tokens.c.expires_at).where(
            revoked_tokens.c.expires_at > now)
        subjects = select(subject_revocations).where(subject_revocations.c.expires_at > now)
        if since is not None:
            tokens = tokens.where(revoked_tokens.c.revoked_at >= since)
            subjects = subjects.where(subject_revocations.c.revoked_at >= since)
        with session_scope(self.sessions) as session:
            token_rows = session.execute(tokens.order_by(revoked_tokens.c.revoked_at)).all()
            subject_rows = session.execute(subjects).all()
        return {"items": [row.jti for row in token_rows],
                "tokens": [{"jti": row.jti, "exp": _epoch(row.expires_at)} for row in token_rows],
                "subjects": [{"sub": row.subject, "not_before": _epoch(row.not_before),
                              "expires": _epoch(row.expires_at)} for row in subject_rows],
                "as_of": (now - timedelta(seconds=5)).isoformat()}


def _epoch(value: datetime) -> int:
    """Whole seconds since the epoch (SQLite hands back naive UTC datetimes)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return int(value.timestamp())


def local_verifier(keys: KeyStore, revocations: Revocations, *, issuer: str, audience: str,
                   cache_seconds: float) -> JwtVerifier:
    """A verifier that reads the service's own key table: no HTTP call to itself."""
    cache = JwksCache(fetch=keys.jwks, ttl=cache_seconds, min_refetch=cache_seconds)
    return JwtVerifier(cache, issuer=issuer, audience=audience, is_revoked=revocations.is_revoked)
