"""A client of ESIA (Gosuslugi) for the OAuth 2.0 authorization-code flow of domain.md.

Requests to ESIA are signed by a pluggable :class:`Signer`: production ESIA requires GOST R
34.10-2012 signatures made by certified crypto (CryptoPro and the like), which cannot ship in an
open-source package, so :class:`GostSigner` is a placeholder that fails clearly until a provider
is plugged in; :class:`RsaTestSigner` serves the local emulator.
"""
from __future__ import annotations

import base64
import hashlib
import uuid
from datetime import datetime, timezone
from typing import Protocol
from urllib.parse import urlencode

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from jose import jwk, jwt
from jose.exceptions import JOSEError

EMULATOR_FLAG = "x-esia-emulator"
JWKS_PATH = "/aas/oauth2/jwks"


class EsiaError(Exception):
    """ESIA is unreachable, misconfigured or refused (not the person's fault): a 503."""


class EsiaRejected(Exception):
    """ESIA refused the code or the token did not verify: the login fails (401)."""


class Signer(Protocol):
    def sign(self, data: bytes) -> bytes: ...

    def certificate_hash(self) -> str: ...


class RsaTestSigner:
    """RSA-SHA256 signatures: accepted by the emulator only, never by the real ESIA."""

    def __init__(self, private_pem: str | None = None):
        self._pem = private_pem
        self._key = None

    @property
    def key(self):
        # Made on first use: most app instances never talk to ESIA.
        if self._key is None:
            if self._pem:
                self._key = serialization.load_pem_private_key(self._pem.encode(), password=None)
            else:
                self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return self._key

    def sign(self, data: bytes) -> bytes:
        return self.key.sign(data, padding.PKCS1v15(), hashes.SHA256())

    def certificate_hash(self) -> str:
        der = self.key.public_key().public_bytes(serialization.Encoding.DER,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)
        return hashlib.sha256(der).hexdigest().upper()


class GostSigner:
    """Placeholder for GOST R 34.10-2012 signing through a certified crypto provider."""

    def __init__(self, provider: Signer | None = None):
        self.provider = provider

    def _require(self) -> Signer:
        if self.provider is None:
            raise EsiaError("ESIA GOST signing is not configured: plug a certified crypto provider "
                            "(GOST R 34.10-2012) into GostSigner; the RSA test signer is only "
                            "for the emulator")
        return self.provider

    def sign(self, data: bytes) -> bytes:
        return self._require().sign(data)

    def certificate_hash(self) -> str:
        return self._require().certificate_hash()


def esia_timestamp(now: datetime | None = None) -> str:
    return (now or datetime.now(timezone.utc)).strftime("%Y.%m.%d %H:%M:%S %z")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class EsiaClient:
    def __init__(self, base_url: str, *, client_id: str, scope: str, issuer: str, signer: Signer,
                 timeout: float = 5.0, emulator_allowed: bool = False,
                 http: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.scope = scope
        self.issuer = issuer
        self.signer = signer
        self.timeout = timeout
        self.emulator_allowed = emulator_allowed
        self.http = http or requests.Session()

    def _secret(self, *parts: str) -> str:
        return _b64(self.signer.sign("".join(parts).encode()))

    def authorization_url(self, state: str, redirect_uri: str) -> str:
        timestamp = esia_timestamp()
        params = {
            "client_id": self.client_id,
            "client_secret": self._secret(self.client_id, self.scope, timestamp, state, redirect_uri),
            "redirect_uri": redirect_uri, "scope": self.scope, "response_type": "code",
            "state": state, "timestamp": timestamp, "access_type": "online",
        }
        return f"{self.base_url}/aas/oauth2/v2/ac?{urlencode(params)}"

    def _call(self, method: str, path: str, **kwargs) -> requests.Response:
        try:
            return self.http.request(method, self.base_url + path, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise EsiaError(f"ESIA unreachable: {type(exc).__name__}") from exc

    def exchange_code(self, code: str, redirect_uri: str) -> dict:
        state = str(uuid.uuid4())  # a new state for the token request, as ESIA requires
        timestamp = esia_timestamp()
        form = {
            "client_id": self.client_id, "code": code, "grant_type": "authorization_code",
            "client_secret": self._secret(self.client_id, self.scope, timestamp, state,
                                          redirect_uri, code),
            "state": state, "redirect_uri": redirect_uri, "scope": self.scope,
            "timestamp": timestamp, "token_type": "Bearer",
            "client_certificate_hash": self.signer.certificate_hash(),
        }
        response = self._call("POST", "/aas/oauth2/v3/te", data=form)
        if response.status_code in (400, 401, 403):
            raise EsiaRejected(f"token endpoint refused: {response.status_code}")
        if response.status_code != 200:
            raise EsiaError(f"token endpoint answered {response.status_code}")
        body = response.json()
        if not body.get("access_token") or not body.get("id_token"):
            raise EsiaRejected("token answer lacks access_token or id_token")
        return body

    def _keys(self) -> dict:
        response = self._call("GET", JWKS_PATH)
        if response.status_code != 200:
            raise EsiaError(f"ESIA keys answered {response.status_code}")
        document = response.json()
        if document.get(EMULATOR_FLAG) and not self.emulator_allowed:
            raise EsiaError("the configured ESIA URL is the local emulator; refused here")
        return {entry.get("kid"): entry for entry in document.get("keys", [])}

    def verify_id_token(self, id_token: str) -> dict:
        """Check signature (ESIA's keys), iss, aud (our client id) and exp; return the claims."""
        try:
            header = jwt.get_unverified_header(id_token)
        except JOSEError as exc:
            raise EsiaRejected("malformed id_token") from exc
        if header.get("alg") != "RS256":
            raise EsiaRejected("id_token algorithm not allowed")
        entry = self._keys().get(header.get("kid"))
        if entry is None:
            raise EsiaRejected("id_token signed by an unknown key")
        try:
            claims = jwt.decode(id_token, jwk.construct(entry, "RS256"), algorithms=["RS256"],
                                audience=self.client_id, issuer=self.issuer,
                                options={"require_exp": True, "verify_at_hash": False})
        except JOSEError as exc:
            raise EsiaRejected(f"id_token refused: {exc}") from exc
        if not claims.get("urn:esia:sbj_id"):
            raise EsiaRejected("id_token without urn:esia:sbj_id")
        return claims

    def _get(self, path: str, access_token: str) -> dict:
        response = self._call("GET", path, headers={"Authorization": f"Bearer {access_token}"})
        if response.status_code in (401, 403, 404):
            raise EsiaRejected(f"{path} answered {response.status_code}")
        if response.status_code != 200:
            raise EsiaError(f"{path} answered {response.status_code}")
        return response.json()

    def person(self, oid: str, access_token: str) -> dict:
        return self._get(f"/rs/prns/{oid}", access_token)

    def documents(self, oid: str, access_token: str) -> list[dict]:
        body = self._get(f"/rs/prns/{oid}/docs?embed=(elements)", access_token)
        return [item for item in body.get("elements", []) if isinstance(item, dict)]


def make_signer(kind: str, test_key_pem: str = "") -> Signer:
    if kind == "rsa-test":
        return RsaTestSigner(test_key_pem or None)
    if kind == "gost":
        return GostSigner()
    raise ValueError("AUTH_ESIA_SIGNER must be 'rsa-test' or 'gost'")
