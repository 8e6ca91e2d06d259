"""Booking's integration world: test tokens and an app factory over a real database (PostgreSQL
or SQLite), with the fake peers of booking_fakes.py."""
from __future__ import annotations

import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from booking_fakes import (CONSENT, START_DAY_UTC, Clock, FakeAuth,  # noqa: E402
                           FakeCatalog, FakeSchedule)


@pytest.fixture(scope="session")
def token_factory():
    """Signs RS256 tokens like auth does; returns (make_token, verifier)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from jose import jwk, jwt

    from regcommon.jwt_verify import JwksCache, JwtVerifier

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    public = jwk.construct(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo), "RS256")
    jwks = {"keys": [{**public.to_dict(), "kid": "test", "alg": "RS256", "use": "sig"}]}
    verifier = JwtVerifier(JwksCache(fetch=lambda: jwks), issuer="registratura-auth",
                           audience="registratura")

    def make(sub: str, role: str = "patient", organization_id: str | None = None,
             extra: dict | None = None) -> str:
        now = int(time.time())
        claims = {**(extra or {}), "iss": "registratura-auth", "aud": "registratura", "sub": sub,
                  "role": role, "jti": uuid.uuid4().hex, "iat": now, "exp": now + 3600,
                  "name": "Тест"}
        if role != "patient":
            claims["organization_id"] = organization_id
        return jwt.encode(claims, pem, algorithm="RS256", headers={"kid": "test"})

    return make, verifier


class World:
    """A booking app over a migrated database, with its fakes and helpers."""

    def __init__(self, url: str, token_factory, *, migrated: bool = False):
        from regcommon.db import make_engine, migrate

        from booking.app import build_deps, create_app
        from booking.settings import BookingSettings

        if not migrated:
            migrate("booking", url)
        self.url = url
        self.settings = BookingSettings(database_url=url, idempotency_wait_seconds=5.0)
        self.engine = make_engine(url, pool_size=30)
        self.schedule, self.catalog, self.auth = FakeSchedule(), FakeCatalog(), FakeAuth()
        self.clock = Clock()
        self.deps = build_deps(self.settings, engine=self.engine, clock=self.clock,
                               peers={"schedule": self.schedule, "catalog": self.catalog,
                                      "auth": self.auth})
        self.make_token, verifier = token_factory
        self.app = create_app(self.settings, deps=self.deps, verifier=verifier)
        self._next_slot = 1000

    def slot(self, doctor_id: str = "doc-1", *, day: int = 1, minute: int = 0,
             service_ids=("svc-ther",), **kw) -> str:
        """A free slot ``day`` days after the clock's date, at 08:00 local + ``minute``."""
        self._next_slot += 1
        start = START_DAY_UTC + timedelta(days=day - 1, minutes=minute)
        return self.schedule.add_slot(str(self._next_slot), doctor_id, start,
                                      service_ids=service_ids, **kw)

    def headers(self, sub: str, role: str = "patient", org: str | None = "o-1",
                key: str | None = "auto", claims: bool = True) -> dict:
        """A patient's token carries auth's patient claims as they are now (``claims=False``:
        a token issued before the claims existed)."""
        extra = self.auth.claims(sub) if role == "patient" and claims else None
        headers = {"Authorization": f"Bearer {self.make_token(sub, role, org, extra)}"}
        if key == "auto":
            key = str(uuid.uuid4())
        if key:
            headers["Idempotency-Key"] = key
        return headers

    def book(self, patient_id: str, slot_id: str, service_id: str = "svc-ther", *,
             key: str | None = "auto", role: str = "patient", sub: str | None = None, **extra):
        body = {"slot_id": slot_id, "service_id": service_id, "consent_version": CONSENT, **extra}
        if role != "patient":
            body["patient_id"] = patient_id
        client = self.app.test_client()
        return client.post("/v1/appointments", json=body,
                           headers=self.headers(sub or patient_id, role, key=key))

    def client(self):
        return self.app.test_client()

    def close(self):
        self.engine.dispose()


@pytest.fixture(scope="session")
def booking_pg_url(make_pg_database):
    """One migrated PostgreSQL database for the session; each test starts from empty tables."""
    from regcommon.db import migrate

    url = make_pg_database("booking")
    migrate("booking", url)
    return url


def _empty_tables(url: str) -> None:
    from sqlalchemy import create_engine, text

    from booking.adapters.tables import metadata

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE " + ", ".join(t.name for t in metadata.sorted_tables)))
    engine.dispose()


@pytest.fixture
def world(booking_pg_url, token_factory):
    _empty_tables(booking_pg_url)
    world = World(booking_pg_url, token_factory, migrated=True)
    yield world
    world.close()


@pytest.fixture
def sqlite_world(tmp_path, token_factory):
    world = World(f"sqlite:///{tmp_path / 'booking.sqlite3'}", token_factory)
    yield world
    world.close()


@pytest.fixture(params=["postgresql", "sqlite"])
def any_world(request, booking_pg_url, tmp_path, token_factory):
    if request.param == "postgresql":
        _empty_tables(booking_pg_url)
        url = booking_pg_url
    else:
        url = f"sqlite:///{tmp_path / 'booking.sqlite3'}"
    world = World(url, token_factory, migrated=request.param == "postgresql")
    yield world
    world.close()
