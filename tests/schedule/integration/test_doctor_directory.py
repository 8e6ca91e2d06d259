"""The doctor directory of the read paths: the whole region is read in two queries and kept for
its time to live, so a day grid for any doctor costs no query for the doctor's facts; a doctor
changed here, or imported since, is read again on its own."""
from __future__ import annotations

import pytest
from sqlalchemy import event, text

from regcommon.db import make_engine
from schedule.adapters.directory import DoctorDirectory

pytestmark = pytest.mark.integration


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def statements(engine):
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_a: seen.append(statement))
    return seen


def test_every_doctor_comes_from_one_snapshot(engine, statements):
    directory = DoctorDirectory(engine, ttl=30, clock=Clock())
    first, second = directory.get("doc-000001"), directory.get("doc-000002")
    assert (first.organization_id, first.service_ids) == ("o-0001", frozenset({"svc-0001-01"}))
    assert first.template.slot_minutes == 15 and second.template.slot_minutes == 30
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 2
    directory.get("doc-000001")
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 2


def test_the_snapshot_is_read_again_once_stale(engine, statements):
    clock = Clock()
    directory = DoctorDirectory(engine, ttl=30, clock=clock)
    directory.get("doc-000001")
    with engine.begin() as conn:
        conn.execute(text("UPDATE templates SET slot_minutes = 20 WHERE doctor_id = 'doc-000001'"))
    assert directory.get("doc-000001").template.slot_minutes == 15  # within its time to live
    clock.now += 31
    assert directory.get("doc-000001").template.slot_minutes == 20


def test_a_forgotten_or_new_doctor_is_read_alone(engine):
    directory = DoctorDirectory(engine, ttl=30, clock=Clock())
    assert directory.get("doc-000003") is None
    with engine.begin() as conn:
        conn.execute(text("UPDATE templates SET slot_minutes = 20 WHERE doctor_id = 'doc-000001'"))
        conn.execute(text("INSERT INTO doctors (id, organization_id, timezone, service_ids, updated_at) "
                          "SELECT 'doc-000003', organization_id, timezone, service_ids, updated_at "
                          "FROM doctors WHERE id = 'doc-000002'"))
    directory.forget("doc-000001")
    assert directory.get("doc-000001").template.slot_minutes == 20
    assert directory.get("doc-000003").template is None  # imported since, without a template
    assert directory.get("doc-000002").template.slot_minutes == 30


def test_a_renewed_snapshot_keeps_what_did_not_change(engine):
    """Doctors whose rows read as before keep their facts objects, and what was derived from an
    unchanged snapshot (the earliest search's index) is kept; any change starts it anew."""
    clock = Clock()
    directory = DoctorDirectory(engine, ttl=30, clock=clock)
    first, second = directory.get("doc-000001"), directory.get("doc-000002")
    directory.snapshot.derived["index"] = "built from this snapshot"
    clock.now += 31
    assert directory.get("doc-000001") is first and directory.get("doc-000002") is second
    assert directory.snapshot.derived["index"] == "built from this snapshot"
    with engine.begin() as conn:
        conn.execute(text("UPDATE templates SET slot_minutes = 20 WHERE doctor_id = 'doc-000001'"))
    clock.now += 31
    changed = directory.get("doc-000001")
    assert changed is not first and changed.template.slot_minutes == 20
    assert directory.get("doc-000002") is second and "index" not in directory.snapshot.derived
    directory.forget("doc-000002")  # changed here: read anew, and the next snapshot too
    clock.now += 31
    assert directory.get("doc-000002") is not second
    assert directory.get("doc-000002") == second  # the same facts, read again
