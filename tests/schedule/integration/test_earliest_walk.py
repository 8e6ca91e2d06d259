"""The walk of the earliest search (PostgreSQL, where the wanted doctors are many): forced on the
test clinic (with two more doctors whose slots start at the same times as the first one's, so
that pages end between doctors of one start), its answer is still the brute-force scan's, with
pages of one or two slots and a budget so small that it hands over to the counters midway;
SQLite never walks."""
from __future__ import annotations

import random
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select, update

from schedule import earliest_walk
from schedule.adapters.tables import slots

from ..conftest import NOW, region
from .test_earliest import DOCTORS, brute_force, earliest, take_randomly

pytestmark = pytest.mark.integration


@pytest.fixture
def walks(monkeypatch):
    """Walk for any number of doctors; the walks' outcomes: the start where each stopped short
    (None when it finished)."""
    monkeypatch.setattr(earliest_walk, "MIN_DOCTORS", 1)
    monkeypatch.setattr(earliest_walk, "RATIO", 10 ** 9)
    stops = []
    real = earliest_walk.walk

    def spy(*args):
        found, stop = real(*args)
        stops.append(stop)
        return found, stop

    monkeypatch.setattr(earliest_walk, "walk", spy)
    return stops


TWINS = {"doc-000003": "svc-0001-01", "doc-000004": "svc-0001-02"}
EVERYONE = {**DOCTORS, **TWINS}


@pytest.fixture
def pg_client(pg_database, make_app):
    """The test clinic and two doctors more: doc-000003 works doc-000001's hours (15 minutes),
    doc-000004 the same hours in 30-minute slots."""
    from sqlalchemy import text

    from regcommon.db import make_engine
    from schedule.adapters.directory import OrgSettingsProvider
    from schedule.adapters.tables import metadata
    from schedule.generation import generate
    from schedule.importer import import_region

    clinic = region()
    first, second = clinic["organizations"][0]["doctors"]
    clinic["organizations"][0]["doctors"] += [
        {**first, "id": "doc-000003"},
        {**first, "id": "doc-000004", "service_ids": second["service_ids"],
         "schedule": {**first["schedule"], "slot_minutes": 30}}]
    engine = make_engine(pg_database)
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE " + ", ".join(t.name for t in metadata.sorted_tables)
                          + " RESTART IDENTITY CASCADE"))
    import_region(engine, clinic)
    generate(engine, OrgSettingsProvider(engine, None), now=NOW)
    engine.dispose()
    return make_app(pg_database).test_client()


@pytest.mark.parametrize("pages", [(32, 1000, 4000), (1, 2, 3), (2, 3, 9), (1, 1, 2)])
@pytest.mark.parametrize("seed", [4, 5])
def test_the_walk_answers_the_brute_force_scan(pg_client, internal, walks, monkeypatch, pages,
                                               seed):
    for name, value in zip(("PAGE_MIN", "PAGE_MAX", "BUDGET"), pages):
        monkeypatch.setattr(earliest_walk, name, value)
    rng = random.Random(seed)
    take_randomly(pg_client.application, rng, rng.choice((0.3, 0.6, 0.9)), date(2026, 12, 9))
    for limit in (1, 5, 17, 50):
        answer = earliest(pg_client, internal, limit=limit)
        assert answer.status_code == 200, answer.json
        assert [i["slot_id"] for i in answer.json["items"]] == brute_force(pg_client, limit,
                                                                           EVERYONE)
    assert walks and (any(walks) if pages[2] < 10 else not any(walks))


def test_the_walk_keeps_the_window_and_the_hold_rules(pg_client, internal, walks):
    window = earliest(pg_client, internal, limit=50, **{"from": "2026-12-03T09:00:00+05:00",
                                                       "until": "2026-12-03T10:00:00+05:00"})
    starts = [i["start"] for i in window.json["items"]]
    assert starts and all("2026-12-03T09:00" <= s < "2026-12-03T10:00" for s in starts)
    first = earliest(pg_client, internal, limit=1).json["items"][0]["slot_id"]
    engine = pg_client.application.extensions["engine"]
    live = datetime(2026, 12, 1, 4, 0, tzinfo=timezone.utc)
    with engine.begin() as conn:
        reception = {str(r.id) for r in conn.execute(select(slots.c.id).where(
            slots.c.channel == "reception"))}
        conn.execute(update(slots).where(slots.c.id == int(first))
                     .values(status="held", hold_id="h", hold_expires_at=live))
    offered = [i["slot_id"] for i in earliest(pg_client, internal, limit=50).json["items"]]
    assert first not in offered and not set(offered) & reception
    with engine.begin() as conn:  # the hold expired: the slot is offered again
        conn.execute(update(slots).where(slots.c.id == int(first))
                     .values(hold_expires_at=datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)))
    assert earliest(pg_client, internal, limit=1).json["items"][0]["slot_id"] == first
    assert walks and not any(walks)


def test_sqlite_keeps_the_portable_path(sqlite_url, make_app, internal, walks):
    client = make_app(sqlite_url).test_client()
    answer = earliest(client, internal, limit=5)
    assert answer.status_code == 200 and len(answer.json["items"]) == 5
    assert walks == []


def test_only_many_doctors_are_walked_for(pg_url, make_app):
    engine = make_app(pg_url).extensions["engine"]
    with engine.connect() as conn:
        assert earliest_walk.worth_walking(conn, 1778, 6035, 5)     # a region's therapists
        assert earliest_walk.worth_walking(conn, 314, 6035, 5)      # a region's neurologists
        assert not earliest_walk.worth_walking(conn, 58, 6035, 5)   # a rarer kind's
        assert not earliest_walk.worth_walking(conn, 20, 6035, 5)   # one polyclinic's
        assert not earliest_walk.worth_walking(conn, 60, 6035, 200)  # a long FHIR page
