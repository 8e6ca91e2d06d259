"""Issuing access tokens (RS256, key from the key store) and keeping the revocation list."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from jose import jwt
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from regcommon.db import session_scope, utcnow
from regcommon.jwt_verify import JwksCache, JwtVerifier

from .keystore import KeyStore
from .tables import revoked_tokens


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
    def __init__(self, sessions: sessionmaker[Session]):
        self.sessions = sessions

    def revoke(self, jti: str, expires_at: int) -> None:
        expires = datetime.fromtimestamp(expires_at, tz=timezone.utc)
        with session_scope(self.sessions) as session:
            known = session.execute(select(revoked_tokens.c.jti)
                                    .where(revoked_tokens.c.jti == jti)).first()
            if known is None:
                session.execute(insert(revoked_tokens).values(jti=jti, expires_at=expires,
                                                              revoked_at=utcnow()))

    def is_revoked(self, jti: str) -> bool:
        with session_scope(self.sessions) as session:
            return session.execute(select(revoked_tokens.c.jti)
                                   .where(revoked_tokens.c.jti == jti)).first() is not None

    def since(self, since: datetime | None) -> tuple[list[str], datetime]:
        """Revoked ids after ``since`` (still unexpired ones when no ``since`` is given).

        ``as_of`` is taken a little in the past so that a revocation committed concurrently with
        this read is returned by the next poll rather than lost.
        """
        now = utcnow()
        query = select(revoked_tokens.c.jti)
        if since is not None:
            query = query.where(revoked_tokens.c.revoked_at >= since)
        else:
            query = query.where(revoked_tokens.c.expires_at > now)
        with session_scope(self.sessions) as session:
            items = [row.jti for row in session.execute(query.order_by(revoked_tokens.c.revoked_at))]
        return items, now - timedelta(seconds=5)


def local_verifier(keys: KeyStore, revocations: Revocations, *, issuer: str, audience: str,
                   cache_seconds: float) -> JwtVerifier:
    """A verifier that reads the service's own key table: no HTTP call to itself."""
    cache = JwksCache(fetch=keys.jwks, ttl=cache_seconds, min_refetch=cache_seconds)
    return JwtVerifier(cache, issuer=issuer, audience=audience, is_revoked=revocations.is_revoked)
