"""The schema comes from one Alembic history that matches the models, on PostgreSQL and SQLite."""
import pytest

from regcommon.db import migrate, migration_heads, schema_diff
from tickets.adapters.models import metadata

pytestmark = pytest.mark.integration


def test_there_is_a_single_alembic_head(make_pg_database):
    assert len(migration_heads("tickets", make_pg_database("tickets_heads"))) == 1


def test_migrated_postgresql_schema_matches_the_models(make_pg_database):
    url = make_pg_database("tickets_schema")
    migrate("tickets", url)
    assert schema_diff("tickets", url, metadata) == []


def test_migrated_sqlite_schema_matches_the_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'tickets.sqlite3'}"
    migrate("tickets", url)
    migrate("tickets", url)  # a second run is a no-op
    assert schema_diff("tickets", url, metadata) == []
