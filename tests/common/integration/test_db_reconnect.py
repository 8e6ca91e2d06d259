"""Connections without a ping per checkout: a dead idle connection is replaced unseen, a dead
busy one fails its one request as a 503 and the pool renews itself (PostgreSQL)."""
import pytest
from sqlalchemy import text

from pydantic_settings import SettingsConfigDict

from regcommon import db
from regcommon.settings import ServiceSettings
from regcommon.web import create_base_app

pytestmark = pytest.mark.integration


def _kill_backends(admin_engine, database: str) -> int:
    with admin_engine.connect() as conn:
        return len(conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": database}).all())


@pytest.fixture
def engines(make_pg_database, postgres_admin_url):
    url = make_pg_database("reconnect")
    engine = db.make_engine(url, pool_size=2)
    admin = db.make_engine(postgres_admin_url, pool_size=1)
    yield engine, admin, engine.url.database
    engine.dispose()
    admin.dispose()


def _pings(engine) -> list:
    seen = []
    original = engine.dialect.do_ping

    def counting(conn):
        seen.append(conn)
        return original(conn)
    engine.dialect.do_ping = counting
    return seen


def test_a_connection_used_a_moment_ago_is_not_pinged(engines):
    engine, _admin, _name = engines
    pings = _pings(engine)
    for _ in range(5):
        with engine.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar() == 1
    assert pings == []


def test_a_dead_idle_connection_is_replaced_before_anyone_sees_it(engines, monkeypatch):
    engine, admin, name = engines
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert _kill_backends(admin, name) >= 1
    pings = _pings(engine)
    monkeypatch.setattr(db.time, "monotonic", lambda: 10**9)  # long idle
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 2")).scalar() == 2
    assert len(pings) == 1


def test_a_dead_busy_connection_fails_once_as_a_503_then_the_pool_is_renewed(engines):
    engine, admin, name = engines
    app = _app_over(engine)
    client = app.test_client()
    assert client.get("/v1/probe").status_code == 200
    assert _kill_backends(admin, name) >= 1
    lost = client.get("/v1/probe")
    assert lost.status_code == 503
    assert lost.get_json()["error"]["code"] == "service_unavailable"
    assert lost.headers["Retry-After"] == "1"
    assert client.get("/v1/probe").status_code == 200


class _Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="RECONNECT_", extra="ignore", populate_by_name=True)
    service_name: str = "reconnect"


def _app_over(engine):
    app = create_base_app(__name__, _Settings(), "Reconnect", configure_logs=False)

    @app.get("/v1/probe")
    def probe():
        with engine.connect() as conn:
            return {"one": conn.execute(text("SELECT 1")).scalar()}
    return app
