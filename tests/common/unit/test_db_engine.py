"""Database errors never carry the statement's parameters (personal data) into logs."""
import pytest
from sqlalchemy import Column, MetaData, String, Table, insert
from sqlalchemy.exc import IntegrityError

from regcommon.db import make_engine

pytestmark = pytest.mark.unit


def test_a_failed_statement_does_not_show_its_parameters(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    table = Table("patients", MetaData(), Column("policy", String, primary_key=True))
    table.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(table).values(policy="5680784863159153"))
    with pytest.raises(IntegrityError) as caught, engine.begin() as conn:
        conn.execute(insert(table).values(policy="5680784863159153"))
    engine.dispose()
    assert "5680784863159153" not in str(caught.value)


def test_postgresql_engines_hide_parameters_too():
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert engine.hide_parameters is True
