"""Verification of access tokens issued by the auth service.

The auth service signs RS256 tokens and publishes its public keys as a JWKS. Every service verifies
tokens here: the algorithm is pinned (no ``none``, no HS/RS confusion), the key is chosen by
``kid`` from the cached JWKS (refetched, rate-limited, when an unknown ``kid`` arrives, so that key
rotation needs no restart), and ``iss``, ``aud`` and ``exp`` are checked.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable

import requests
from flask import request
from jose import jwk, jwt
from jose.exceptions import JOSEError

from .errors import ApiError
from .revocations import RevocationList, RevocationsUnavailable

__all__ = ["InvalidToken", "JwksCache", "JwtVerifier", "RevocationList", "RevocationsUnavailable",
           "auth_unavailable_error", "authenticate", "bearer_token", "invalid_token_error",
           "verifier_from_settings"]

log = logging.getLogger(__name__)

ALGORITHM = "RS256"


class InvalidToken(Exception):
    pass


class JwksCache:
    """Public keys by ``kid``, fetched from a JWKS URL (or given directly, for tests)."""

    def __init__(self, jwks_url: str | None = None, *, ttl: float = 300.0, min_refetch: float = 5.0,
                 fetch: Callable[[], dict] | None = None, timeout: float = 3.0):
        self.jwks_url = jwks_url
        self.ttl = ttl
        self.min_refetch = min_refetch
        self.timeout = timeout
        self._fetch = fetch or self._http_fetch
        self._keys: dict[str, object] = {}
        self._fetched_at = 0.0
        self._lock = threading.Lock()

    def _http_fetch(self) -> dict:
        response = requests.get(self.jwks_url, timeout=self.timeout)
        response.raise_for_status()
        return response.json()

    def _refresh(self) -> None:
        document = self._fetch()
        keys = {}
        for entry in document.get("keys", []):
            if entry.get("kty") != "RSA" or not entry.get("kid"):
                continue
            if entry.get("alg") not in (None, ALGORITHM):
                continue
            keys[entry["kid"]] = jwk.construct(entry, ALGORITHM)
        self._keys = keys
        self._fetched_at = time.monotonic()

    def key(self, kid: str):
        now = time.monotonic()
        with self._lock:
            stale = now - self._fetched_at > self.ttl
            unknown = kid not in self._keys and now - self._fetched_at > self.min_refetch
            if stale or unknown or not self._fetched_at:
                try:
                    self._refresh()
                except Exception as exc:  # noqa: BLE001 - keep serving known keys
                    log.warning("jwks refresh failed", extra={"error": str(exc)[:200]})
                    if not self._keys:
                        raise InvalidToken("signing keys unavailable") from exc
            return self._keys.get(kid)


class JwtVerifier:
    def __init__(self, keys: JwksCache, *, issuer: str, audience: str,
                 is_revoked: Callable[[dict], bool] | None = None, leeway: int = 10):
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.is_revoked = is_revoked
        self.leeway = leeway

    def verify(self, token: str) -> dict:
        try:
            header = jwt.get_unverified_header(token)
        except JOSEError as exc:
            raise InvalidToken("malformed token") from exc
        if header.get("alg") != ALGORITHM:
            raise InvalidToken("algorithm not allowed")
        kid = header.get("kid")
        if not kid or not isinstance(kid, str):
            raise InvalidToken("no kid")
        key = self.keys.key(kid)
        if key is None:
            raise InvalidToken("unknown kid")
        try:
            claims = jwt.decode(token, key, algorithms=[ALGORITHM], audience=self.audience,
                                issuer=self.issuer,
                                options={"require_exp": True, "require_iat": True,
                                         "require_sub": True, "leeway": self.leeway})
        except JOSEError as exc:
            raise InvalidToken(str(exc)) from exc
        # ``is_revoked`` takes the verified claims (the id, and the subject with its issue time)
        # and may raise RevocationsUnavailable: then no token is trusted (fail closed).
        if self.is_revoked and self.is_revoked(claims):
            raise InvalidToken("revoked")
        return claims


UNAUTHORIZED_MESSAGE = "Требуется вход в личный кабинет: сессия отсутствует или истекла"
AUTH_UNAVAILABLE_MESSAGE = "Проверка входа временно недоступна. Повторите попытку через минуту."


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def invalid_token_error(reason: str) -> ApiError:
    """The 401 of a bad, expired or revoked token (the reason is logged, never answered)."""
    log.info("token refused", extra={"reason": reason[:100]})
    return ApiError(401, "invalid_token", UNAUTHORIZED_MESSAGE,
                    headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def auth_unavailable_error() -> ApiError:
    """The fail-closed 503: the revocation list is too old to trust any token."""
    log.warning("token refused: revocation list stale (auth unreachable)")
    return ApiError(503, "auth_unavailable", AUTH_UNAVAILABLE_MESSAGE, headers={"Retry-After": "5"})


def authenticate(verifier: JwtVerifier, roles: tuple[str, ...] | None = None) -> dict:
    """The verified claims of the request's bearer token; 401 without one, 403 for a wrong role."""
    token = bearer_token()
    if not token:
        raise ApiError(401, "unauthorized", UNAUTHORIZED_MESSAGE,
                       headers={"WWW-Authenticate": "Bearer"})
    try:
        claims = verifier.verify(token)
    except RevocationsUnavailable:
        raise auth_unavailable_error() from None
    except InvalidToken as exc:
        raise invalid_token_error(str(exc)) from None
    if roles and claims.get("role") not in roles:
        raise ApiError(403, "forbidden", "Недостаточно прав для этого действия")
    return claims


def verifier_from_settings(settings, *, check_revocation: bool = True) -> JwtVerifier:
    keys = JwksCache(settings.jwks_url, timeout=settings.http_timeout_seconds)
    revoked = RevocationList(settings.auth_url, settings.internal_token,
                             interval=settings.revocation_poll_seconds,
                             max_age=settings.revocation_max_age_seconds,
                             timeout=settings.http_timeout_seconds) if check_revocation else None
    return JwtVerifier(keys, issuer=settings.jwt_issuer, audience=settings.jwt_audience,
                       is_revoked=revoked)
