"""Fixtures of the schedule tests: a region with one clinic, migrated databases, a fixed clock,
an app client, and staff tokens signed by a test key."""
from __future__ import annotations

import copy
import time
from datetime import datetime, timezone

import pytest

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc)  # 08:00 in Orenburg, after opening
INTERNAL = {"X-Internal-Token": "embedded-internal-token"}

REGION = {
    "format": "registratura-region/1", "region": "Оренбургская область",
    "timezone": "Asia/Yekaterinburg",
    "organizations": [{
        "id": "o-0001", "name": "ГАУЗ «Городская поликлиника № 1»", "timezone": "Asia/Yekaterinburg",
        "settings": {"booking_horizon_days": 14, "day_opens_at": "07:00",
                     "same_day_booking": False, "cancel_cutoff_hours": 0},
        "doctors": [
            {"id": "doc-000001", "service_ids": ["svc-0001-01"],
             "schedule": {"slot_minutes": 15,
                          "week": {d: ["08:00", "14:00"] for d in
                                   ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
                          "breaks": [["11:00", "11:15"]], "quota": {"reception_percent": 20}}},
            {"id": "doc-000002", "service_ids": ["svc-0001-02"],
             "schedule": {"slot_minutes": 30, "week": {"mon": ["14:00", "16:00"]},
                          "breaks": [], "quota": {"reception_percent": 0}}},
        ]}],
}


def region() -> dict:
    return copy.deepcopy(REGION)


def seeded(url: str, *, fresh: bool = True) -> str:
    """The region imported and its horizon generated; ``fresh=False`` reuses a migrated
    database, emptied first (much cheaper than a new database per test)."""
    from sqlalchemy import text

    from schedule.adapters.directory import OrgSettingsProvider
    from schedule.adapters.tables import metadata
    from schedule.generation import generate
    from schedule.importer import import_region

    from regcommon.db import make_engine, migrate

    if fresh:
        migrate("schedule", url)
    engine = make_engine(url)
    if not fresh:
        names = ", ".join(t.name for t in metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    import_region(engine, region())
    generate(engine, OrgSettingsProvider(engine, None), now=NOW)
    engine.dispose()
    return url


@pytest.fixture
def region_file(tmp_path):
    import json

    path = tmp_path / "region.json"
    path.write_text(json.dumps(region(), ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def pg_database(make_pg_database):
    from regcommon.db import migrate

    url = make_pg_database("sched")
    migrate("schedule", url)
    return url


@pytest.fixture
def pg_url(pg_database):
    return seeded(pg_database, fresh=False)


@pytest.fixture
def sqlite_url(tmp_path):
    return seeded(f"sqlite:///{tmp_path / 'schedule.sqlite3'}")


@pytest.fixture(scope="session")
def signing():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from jose import jwk

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    entry = jwk.construct(public, "RS256").to_dict()
    entry.update(kid="test-key", alg="RS256", use="sig")
    entry = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in entry.items()}
    return private, {"keys": [entry]}


@pytest.fixture
def token(signing):
    from jose import jwt

    def make(role: str = "registrar", organization_id: str | None = "o-0001",
             sub: str = "staff-1") -> str:
        now = int(time.time())
        claims = {"iss": "registratura-auth", "aud": "registratura", "sub": sub,
                  "role": role, "jti": f"j-{now}-{role}-{sub}", "iat": now, "exp": now + 600,
                  "organization_id": organization_id, "name": "Иванова И. И."}
        return jwt.encode(claims, signing[0], algorithm="RS256", headers={"kid": "test-key"})

    return make


@pytest.fixture
def patient(token):
    """Bearer headers of a patient (``sub``), as the gateway forwards them for a hold."""
    def headers(sub: str = "patient-1", **extra) -> dict:
        return {"Authorization": f"Bearer {token('patient', None, sub)}", **extra}

    return headers


def build_app(url: str, signing, clock=lambda: NOW, **overrides):
    from regcommon.jwt_verify import JwksCache, JwtVerifier
    from schedule.app import create_app
    from schedule.settings import ScheduleSettings

    settings = ScheduleSettings(database_url=url, catalog_url="", log_level="WARNING",
                                **overrides)
    verifier = JwtVerifier(JwksCache(fetch=lambda: signing[1]), issuer="registratura-auth",
                           audience="registratura")
    return create_app(settings, verifier=verifier, clock=clock)


@pytest.fixture
def now():
    return NOW


@pytest.fixture
def internal():
    return dict(INTERNAL)


@pytest.fixture
def make_app(signing):
    built = []

    def factory(url: str, **kw):
        app = build_app(url, signing, **kw)
        built.append(app)
        return app

    yield factory
    for app in built:
        app.extensions["engine"].dispose()


@pytest.fixture(params=["postgresql", "sqlite"])
def db_url(request):
    """Every endpoint test runs on both databases: PostgreSQL in production, SQLite embedded."""
    return request.getfixturevalue("pg_url" if request.param == "postgresql" else "sqlite_url")


@pytest.fixture
def app(db_url, signing):
    app = build_app(db_url, signing)
    yield app
    app.extensions["engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()
