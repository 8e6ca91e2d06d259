import pytest

from regcommon.db import migrate, migration_heads, schema_diff
from schedule.adapters.tables import metadata

pytestmark = pytest.mark.integration


def test_migrations_have_a_single_head_and_match_the_models_on_postgresql(make_pg_database):
    url = make_pg_database("sched_mig")
    assert len(migration_heads("schedule", url)) == 1
    migrate("schedule", url)
    assert schema_diff("schedule", url, metadata) == []


def test_migrations_apply_on_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    migrate("schedule", url)
    assert schema_diff("schedule", url, metadata) == []
