"""Bulk upsert of a validated region file, in one transaction.

Existing rows are read once per table and compared in Python; only new rows are inserted and only
changed rows updated, with one executemany per table (SQLAlchemy's insertmanyvalues batches the
INSERTs), so that re-importing the same file writes nothing and a whole region (~6,000 doctors)
takes seconds. Entries missing from the file are kept (appointments may still refer to them), but
the services and areas of every doctor in the file become exactly those of the file.
"""
from __future__ import annotations

from sqlalchemy import Table, and_, bindparam, delete, insert, select, text, update
from sqlalchemy.engine import Connection, Engine

from .models import metadata

ENTITY_TABLES = ("districts", "organization_types", "organizations", "subdivisions", "services",
                 "doctors")
LINK_TABLES = {"doctor_services": "service_id", "doctor_areas": "area"}
IMPORT_LOCK_KEY = 0x5CA7A106  # any constant unique within the catalog database


def _upsert_entities(conn: Connection, table: Table, rows: list[dict]) -> dict:
    columns = [c.name for c in table.columns]
    existing = {row[0]: tuple(row) for row in conn.execute(
        select(*[table.c[name] for name in columns]))}
    inserts, updates = [], []
    for row in rows:
        current = existing.get(row["id"])
        values = tuple(row[name] for name in columns)
        if current is None:
            inserts.append(row)
        elif current != values:
            updates.append(row)
    if inserts:
        conn.execute(insert(table), inserts)
    if updates:
        # bindparam names must differ from column names in an executemany UPDATE.
        stmt = (update(table).where(table.c.id == bindparam("b_id"))
                .values({name: bindparam("b_" + name) for name in columns if name != "id"}))
        conn.execute(stmt, [{"b_" + key: value for key, value in row.items()} for row in updates])
    return {"inserted": len(inserts), "updated": len(updates)}


def _sync_links(conn: Connection, table: Table, other: str, rows: list[dict],
                doctor_ids: set[str]) -> dict:
    wanted = {(row["doctor_id"], row[other]) for row in rows}
    existing = {(d, o) for d, o in conn.execute(select(table.c.doctor_id, table.c[other]))
                if d in doctor_ids}
    to_add = sorted(wanted - existing)
    to_remove = sorted(existing - wanted)
    if to_remove:
        stmt = delete(table).where(and_(table.c.doctor_id == bindparam("b_doctor"),
                                        table.c[other] == bindparam("b_other")))
        conn.execute(stmt, [{"b_doctor": d, "b_other": o} for d, o in to_remove])
    if to_add:
        conn.execute(insert(table), [{"doctor_id": d, other: o} for d, o in to_add])
    return {"inserted": len(to_add), "deleted": len(to_remove)}


def write_region(conn: Connection, rows: dict[str, list[dict]]) -> dict[str, dict]:
    """Upsert the rows of :func:`catalog.domain.region_rows.region_rows`; counts per table."""
    if conn.dialect.name == "postgresql":
        # Two imports at once would both insert the same new ids; the second waits instead.
        # (SQLite transactions already start with BEGIN IMMEDIATE, which serialises writers.)
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK_KEY})
    counts = {}
    for name in ENTITY_TABLES:
        counts[name] = _upsert_entities(conn, metadata.tables[name], rows[name])
        counts[name]["total"] = len(rows[name])
    doctor_ids = {row["id"] for row in rows["doctors"]}
    for name, other in LINK_TABLES.items():
        counts[name] = _sync_links(conn, metadata.tables[name], other, rows[name], doctor_ids)
        counts[name]["total"] = len(rows[name])
    return counts


def region_writer(engine: Engine):
    """The use cases' ``RegionWriter``: :func:`write_region` in one transaction of ``engine``."""
    def write(rows: dict[str, list[dict]]) -> dict[str, dict]:
        with engine.begin() as conn:
            return write_region(conn, rows)
    return write
