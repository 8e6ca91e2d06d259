"""RS256 signing keys kept in the database, so that every instance signs with the same key and a
rotation needs no restart: the current key and the JWKS are re-read at most every few seconds."""
from __future__ import annotations

import base64
import hashlib
import json
import logging
import threading
import time
from datetime import datetime, timedelta, timezone

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwk
from jose.backends.base import Key
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from regcommon.db import session_scope, utcnow

from .tables import signing_keys

log = logging.getLogger(__name__)


class NoSigningKey(RuntimeError):
    pass


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def public_jwk(private_key: rsa.RSAPrivateKey) -> dict:
    numbers = private_key.public_key().public_numbers()
    jwk = {"kty": "RSA", "e": _b64(numbers.e), "n": _b64(numbers.n)}
    # RFC 7638 thumbprint as the key id: stable, so importing the same PEM twice is a no-op.
    canonical = json.dumps(jwk, sort_keys=True, separators=(",", ":")).encode()
    kid = base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()[:32]
    return {**jwk, "kid": kid, "alg": "RS256", "use": "sig"}


def generate_private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class KeyStore:
    def __init__(self, sessions: sessionmaker[Session], *, secret: str = "", cache_seconds: float = 5.0,
                 autocreate: bool = False, activation_seconds: float = 0.0):
        self.sessions = sessions
        # A new key signs only after it has been in the JWKS this long, so that every verifier
        # (whose JWKS cache is at most a few seconds old) already knows it.
        self.activation_seconds = activation_seconds
        # Embedded mode only: make a key on first use when the tables appeared after start.
        self.autocreate = autocreate
        self.secret = secret.encode() if secret else b""
        self.cache_seconds = cache_seconds
        self._lock = threading.Lock()
        self._current: tuple[str, Key] | None = None
        self._loaded: dict[str, Key] = {}
        self._current_at = 0.0
        self._jwks: dict | None = None
        self._jwks_at = 0.0

    # --- writing ------------------------------------------------------------------------------
    def _serialize(self, key: rsa.RSAPrivateKey) -> tuple[str, bool]:
        encryption = (serialization.BestAvailableEncryption(self.secret) if self.secret
                      else serialization.NoEncryption())
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                encryption)
        return pem.decode(), bool(self.secret)

    def add_key(self, key: rsa.RSAPrivateKey | None = None) -> str:
        """Store a key (a new one by default); the newest non-retired key signs from now on."""
        key = key or generate_private_key()
        jwk = public_jwk(key)
        with session_scope(self.sessions) as session:
            exists = session.execute(select(signing_keys.c.kid, signing_keys.c.retired_at)
                                     .where(signing_keys.c.kid == jwk["kid"])).first()
            if exists is None:
                pem, encrypted = self._serialize(key)
                session.execute(insert(signing_keys).values(
                    kid=jwk["kid"], private_pem=pem, encrypted=encrypted,
                    public_jwk=json.dumps(jwk), created_at=utcnow()))
        self.invalidate()
        log.info("signing key stored", extra={"kid": jwk["kid"]})
        return jwk["kid"]

    def import_pem(self, pem: str) -> str:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise NoSigningKey("AUTH_SIGNING_KEY_PEM must be an RSA private key")
        return self.add_key(key)

    def retire(self, kid: str) -> bool:
        with session_scope(self.sessions) as session:
            result = session.execute(update(signing_keys)
                                     .where(signing_keys.c.kid == kid,
                                            signing_keys.c.retired_at.is_(None))
                                     .values(retired_at=utcnow()))
        self.invalidate()
        return result.rowcount == 1

    def invalidate(self) -> None:
        with self._lock:
            self._current_at = self._jwks_at = 0.0

    # --- reading ------------------------------------------------------------------------------
    def _fresh(self, at: float) -> bool:
        return at and time.monotonic() - at < self.cache_seconds

    def current(self) -> tuple[str, Key]:
        """(kid, signing key) of the key that signs now (see ``activation_seconds``)."""
        with self._lock:
            if self._current is not None and self._fresh(self._current_at):
                return self._current
        with session_scope(self.sessions) as session:
            rows = session.execute(select(signing_keys)
                                   .where(signing_keys.c.retired_at.is_(None))
                                   .order_by(signing_keys.c.created_at.desc(),
                                             signing_keys.c.kid.desc())
                                   .limit(10)).all()
        mature_before = utcnow() - timedelta(seconds=self.activation_seconds)
        # The newest mature key; if none is mature yet, the one published longest.
        row = next((r for r in rows if _aware(r.created_at) <= mature_before),
                   rows[-1] if rows else None)
        if row is None and self.autocreate:
            self.add_key()
            return self.current()
        if row is None:
            raise NoSigningKey("no signing key: run `python -m auth rotate-keys` or set "
                               "AUTH_SIGNING_KEY_PEM")
        signing_key = self._loaded.get(row.kid)
        if signing_key is None:
            # Loading a private key is slow (RSA consistency checks, ~30 ms): once per kid.
            pem = row.private_pem.encode()
            key = serialization.load_pem_private_key(pem, password=self.secret or None
                                                     if row.encrypted else None)
            plain = key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())
            signing_key = jwk.construct(plain.decode(), "RS256")
            self._loaded[row.kid] = signing_key
        with self._lock:
            self._current = (row.kid, signing_key)
            self._current_at = time.monotonic()
        return self._current

    def jwks(self) -> dict:
        with self._lock:
            if self._jwks is not None and self._fresh(self._jwks_at):
                return self._jwks
        with session_scope(self.sessions) as session:
            rows = session.execute(select(signing_keys.c.public_jwk)
                                   .where(signing_keys.c.retired_at.is_(None))
                                   .order_by(signing_keys.c.created_at.desc())).all()
        document = {"keys": [json.loads(row.public_jwk) for row in rows]}
        with self._lock:
            self._jwks = document
            self._jwks_at = time.monotonic()
        return document

    def list_keys(self) -> list[dict]:
        with session_scope(self.sessions) as session:
            rows = session.execute(select(signing_keys.c.kid, signing_keys.c.created_at,
                                          signing_keys.c.retired_at)
                                   .order_by(signing_keys.c.created_at)).all()
        return [{"kid": r.kid, "created_at": _iso(r.created_at), "retired_at": _iso(r.retired_at)}
                for r in rows]

    def has_key(self) -> bool:
        return bool(self.jwks()["keys"])


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
