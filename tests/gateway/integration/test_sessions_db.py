"""The gateway's own schema: one Alembic head, models in sync; sessions on PostgreSQL and SQLite."""
from __future__ import annotations

import pytest
from regcommon.db import make_engine, make_sessionmaker, migrate, migration_heads, schema_diff

from gateway.sessions import metadata

pytestmark = pytest.mark.integration


def test_migrations_have_one_head_and_match_the_models(make_pg_database):
    url = make_pg_database("gwmig")
    assert len(migration_heads("gateway", url)) == 1
    migrate("gateway", url)
    assert schema_diff("gateway", url, metadata) == []


def test_sessions_work_on_sqlite_too(tmp_path, fake_urls, fakes):
    from gateway.app import create_app

    from .conftest import make_settings
    from .test_ui_flow import login, text

    url = f"sqlite:///{tmp_path / 'gateway.sqlite3'}"
    migrate("gateway", url)
    assert schema_diff("gateway", url, metadata) == []
    client = create_app(make_settings(url, fake_urls)).test_client()
    login(client)
    assert "Иванов Иван Иванович" in text(client.get("/cabinet"))


def test_expired_sessions_are_not_honoured(gateway_db, fake_urls, fakes):
    from datetime import timedelta

    from gateway.app import create_app
    from gateway.sessions import sessions_table
    from regcommon.db import session_scope, utcnow

    from .conftest import make_settings
    from .test_ui_flow import login

    client = create_app(make_settings(gateway_db, fake_urls)).test_client()
    login(client)
    sid = client.get_cookie("reg_session").value
    engine = make_engine(gateway_db)
    with session_scope(make_sessionmaker(engine)) as db:
        db.execute(sessions_table.update().where(sessions_table.c.id == sid)
                   .values(expires_at=utcnow() - timedelta(seconds=1)))
    engine.dispose()
    assert client.get("/cabinet").status_code == 302
