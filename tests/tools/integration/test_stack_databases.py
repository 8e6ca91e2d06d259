"""`make run` on real servers: from one PostgreSQL server URL the supervisor derives a database
per service, creates the missing ones (a second run creates none) and hands every service its own
URL; the broker URL goes to the services as given."""
from __future__ import annotations

import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tools"))
import stack as stack_mod  # noqa: E402

pytestmark = pytest.mark.integration


@pytest.fixture
def server_url(postgres_admin_url):
    """The test server's URL without a database: what a user puts in REGISTRATURA_DATABASE_URL."""
    return make_url(postgres_admin_url).set(database="").render_as_string(hide_password=False)


@pytest.fixture
def prefix(server_url):
    name = f"stk_{uuid.uuid4().hex[:8]}"
    yield name
    stack_mod.drop_databases(stack_mod.service_database_urls(server_url, name))


def existing(server_url: str, prefix: str) -> set[str]:
    admin = create_engine(make_url(server_url).set(database="postgres"))
    try:
        with admin.connect() as conn:
            return set(conn.execute(text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                                    {"p": prefix + "\\_%"}).scalars())
    finally:
        admin.dispose()


def test_each_service_gets_its_own_database_on_the_given_server(server_url, prefix):
    urls = stack_mod.service_database_urls(server_url, prefix)
    assert set(urls) == set(stack_mod.SERVICES)
    server = make_url(server_url)
    for service, url in urls.items():
        parsed = make_url(url)
        assert parsed.database == f"{prefix}_{service}"
        assert (parsed.drivername, parsed.host, parsed.port, parsed.username) == \
            (server.drivername, server.host, server.port, server.username)


def test_missing_databases_are_created_once(server_url, prefix):
    urls = stack_mod.service_database_urls(server_url, prefix)
    first = stack_mod.create_databases(urls)
    assert sorted(first) == sorted(f"{prefix}_{svc}" for svc in stack_mod.SERVICES)
    assert existing(server_url, prefix) == set(first)
    engine = create_engine(urls["booking"])
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE kept (id int)"))
    engine.dispose()

    assert stack_mod.create_databases(urls) == []  # a second run: nothing to do, nothing lost
    engine = create_engine(urls["booking"])
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM kept")).scalar() == 0
    engine.dispose()


def test_fresh_databases_are_made_anew(server_url, prefix):
    urls = stack_mod.service_database_urls(server_url, prefix)
    stack_mod.create_databases(urls)
    engine = create_engine(urls["schedule"])
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE old (id int)"))
    engine.dispose()
    assert len(stack_mod.create_databases(urls, fresh=True)) == len(stack_mod.SERVICES)
    engine = create_engine(urls["schedule"])
    with engine.connect() as conn:
        assert conn.execute(text("SELECT to_regclass('old')")).scalar() is None
    engine.dispose()


def test_the_environment_points_every_service_at_its_database_and_the_broker(
        server_url, prefix, tmp_path):
    environ = {"REGISTRATURA_DATABASE_URL": server_url, "REGISTRATURA_DATABASE_PREFIX": prefix,
               "REGISTRATURA_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672//"}
    running, target, fresh = stack_mod.stack_from_env(tmp_path, environ)
    assert fresh
    assert target == make_url(server_url).render_as_string(hide_password=True)
    env = running.env("booking")
    assert make_url(env["BOOKING_DATABASE_URL"]).database == f"{prefix}_booking"
    assert make_url(env["GATEWAY_DATABASE_URL"]).database == f"{prefix}_gateway"
    assert env["REGISTRATURA_BROKER_URL"] == environ["REGISTRATURA_BROKER_URL"]

    _again, _target, fresh_again = stack_mod.stack_from_env(tmp_path, environ)
    assert not fresh_again
