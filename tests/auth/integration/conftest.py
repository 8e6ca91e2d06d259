"""Factories for the auth integration tests: migrated databases and app instances."""
from __future__ import annotations

import itertools
import uuid

import pytest

from regcommon.db import migrate

POLICY = "5680784863159153"
BIRTH = "1985-03-14"


@pytest.fixture(scope="session")
def pg_templates(postgres_admin_url, make_pg_database):
    """Two template databases made once: migrated, and migrated + demo data + a signing key.

    Each test gets a copy (CREATE DATABASE ... TEMPLATE), which is far cheaper than migrating,
    hashing demo passwords and generating RSA keys again.
    """
    from sqlalchemy.engine import make_url

    from auth import seed
    from auth.app import build_context
    from auth.settings import AuthSettings

    migrated = make_pg_database("authtpl")
    migrate("auth", migrated)
    seeded = make_pg_database("authtpl")
    migrate("auth", seeded)
    engine, keys, ctx = build_context(AuthSettings(database_url=seeded, mode="embedded"))
    seed.seed_demo(ctx)
    keys.add_key()
    engine.dispose()
    return {name: make_url(url).database for name, url in (("migrated", migrated),
                                                             ("seeded", seeded))}


@pytest.fixture(scope="session")
def clone_database(postgres_admin_url, pg_templates):
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    created: list[str] = []

    def clone(template: str) -> str:
        name = f"authc_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{pg_templates[template]}"'))
        created.append(name)
        return make_url(postgres_admin_url).set(database=name).render_as_string(hide_password=False)

    yield clone
    with admin.connect() as conn:
        for name in created:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg_url(clone_database):
    """A fresh, migrated, empty PostgreSQL database."""
    return clone_database("migrated")


@pytest.fixture
def seeded_url(clone_database):
    """A fresh PostgreSQL database with demo staff, demo patients and a signing key."""
    return clone_database("seeded")


@pytest.fixture
def sqlite_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'auth.sqlite3'}"
    migrate("auth", url)
    return url


@pytest.fixture
def make_app():
    """A new create_app() on the given database: two calls = two instances of the service."""
    from auth.app import create_app
    from auth.settings import AuthSettings

    def factory(url: str, **overrides):
        values = {"database_url": url, "key_cache_seconds": 0, "key_activation_seconds": 0,
                  "mode": "embedded", "internal_token": "test-internal", **overrides}
        settings = AuthSettings(**values)
        app = create_app(settings)
        app.config["TESTING"] = True
        return app

    return factory


@pytest.fixture
def seeded(make_app, seeded_url):
    """An app on PostgreSQL with the demo staff and patients."""
    return make_app(seeded_url)


def login_body(policy=POLICY, birth=BIRTH):
    return {"document_type": "oms_unified", "policy_number": policy, "birth_date": birth}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


_counter = itertools.count(10**12)


def unknown_policy() -> str:
    """A valid ЕНП that no seeded patient has."""
    from auth.domain.documents import luhn_valid

    prefix = "57" + str(next(_counter)).zfill(13)
    return next(prefix + d for d in "0123456789" if luhn_valid(prefix + d))


@pytest.fixture
def helpers():
    class H:
        pass

    h = H()
    h.login_body = login_body
    h.bearer = bearer
    h.unknown_policy = unknown_policy
    h.POLICY = POLICY
    h.BIRTH = BIRTH
    return h
