"""``POST /internal/earliest-slots`` on PostgreSQL and SQLite: the answer is what a scan of every
doctor's every day of slots finds (random taken slots, several days), and the booking rules hold:
no same day unless allowed, the horizon, the reception quota, started slots, expired holds."""
from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from schedule.adapters import slot_store
from schedule.adapters.tables import organizations, slots

from ..conftest import NOW

pytestmark = pytest.mark.integration
SERVICES = ["svc-0001-01", "svc-0001-02"]
DOCTORS = {"doc-000001": "svc-0001-01", "doc-000002": "svc-0001-02"}


def earliest(client, internal, **body):
    return client.post("/internal/earliest-slots", headers=internal,
                       json={"service_ids": SERVICES, **body})


def brute_force(client, limit: int, doctors=DOCTORS, days: int = 20) -> list[str]:
    """Every bookable slot of every doctor on every day through the public slot list."""
    found = []
    for doctor_id, service_id in doctors.items():
        for offset in range(days):
            day = (date(2026, 12, 1) + timedelta(days=offset)).isoformat()
            items = client.get(f"/v1/doctors/{doctor_id}/slots?service_id={service_id}"
                               f"&date={day}").json["items"]
            found += [(datetime.fromisoformat(s["start"]), doctor_id, s["id"]) for s in items
                      if s["bookable"]]
    return [slot_id for _start, _doctor, slot_id in sorted(found)[:limit]]


def take_randomly(app, rng: random.Random, share: float, last_day: date) -> None:
    """Mark a random share of the slots up to ``last_day`` taken, with the counters recounted."""
    engine = app.extensions["engine"]
    with engine.begin() as conn:
        rows = conn.execute(select(slots.c.id, slots.c.doctor_id, slots.c.local_date)
                            .where(slots.c.local_date <= last_day)).all()
        chosen = [row for row in rows if rng.random() < share]
        for row in chosen:
            conn.execute(update(slots).where(slots.c.id == row.id)
                         .values(status="taken", appointment_id=f"a-{row.id}"))
        for doctor_id, day in {(row.doctor_id, row.local_date) for row in rows}:
            slot_store.recount_day(conn, doctor_id, day)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_answer_is_the_brute_force_scan_over_random_taken_slots(client, app, internal, seed):
    rng = random.Random(seed)
    take_randomly(app, rng, rng.choice((0.5, 0.9, 0.98)), date(2026, 12, 9))
    for limit in (1, 5, 17, 50):
        answer = earliest(client, internal, limit=limit)
        assert answer.status_code == 200, answer.json
        assert [i["slot_id"] for i in answer.json["items"]] == brute_force(client, limit)


def test_items_name_doctor_organization_service_and_local_times(client, internal):
    items = earliest(client, internal, limit=3).json["items"]
    assert items[0] == {"slot_id": items[0]["slot_id"], "doctor_id": "doc-000001",
                        "organization_id": "o-0001", "service_id": "svc-0001-01",
                        "date": "2026-12-02", "start": "2026-12-02T08:00:00+05:00",
                        "end": "2026-12-02T08:15:00+05:00"}
    starts = [i["start"] for i in items]
    assert starts == sorted(starts) and len(set(i["slot_id"] for i in items)) == 3


def test_no_same_day_by_default_and_same_day_after_now_when_allowed(db_url, make_app, internal):
    client = make_app(db_url).test_client()
    assert all(i["date"] != "2026-12-01" for i in earliest(client, internal, limit=50).json["items"])
    engine = client.application.extensions["engine"]
    with engine.begin() as conn:
        conn.execute(update(organizations).values(settings=json.dumps(
            {"booking_horizon_days": 14, "day_opens_at": "07:00", "same_day_booking": True})))
    later = NOW + timedelta(hours=2, minutes=5)  # 10:05 local
    client = make_app(db_url, clock=lambda: later).test_client()
    items = earliest(client, internal, limit=3).json["items"]
    assert items[0]["date"] == "2026-12-01" and items[0]["start"] >= "2026-12-01T10:15:00+05:00"
    assert [i["slot_id"] for i in items] == brute_force(client, 3)


def test_the_horizon_and_the_from_until_window(client, internal):
    far = earliest(client, internal, limit=50, **{"from": "2026-12-15T00:00:00+05:00"})
    assert far.json["items"] and {i["date"] for i in far.json["items"]} == {"2026-12-15"}
    beyond = earliest(client, internal, **{"from": "2026-12-16T00:00:00+05:00"})
    assert beyond.status_code == 200 and beyond.json["items"] == []
    window = earliest(client, internal, limit=50, **{"from": "2026-12-03T09:00:00+05:00",
                                                    "until": "2026-12-03T10:00:00+05:00"})
    starts = [i["start"] for i in window.json["items"]]
    assert starts and all("2026-12-03T09:00" <= s < "2026-12-03T10:00" for s in starts)


def test_reception_quota_slots_and_live_holds_are_never_offered(client, app, internal):
    engine = app.extensions["engine"]
    with engine.connect() as conn:
        reception = {str(r.id) for r in conn.execute(select(slots.c.id).where(
            slots.c.channel == "reception"))}
    offered = {i["slot_id"] for i in earliest(client, internal, limit=50).json["items"]}
    assert reception and not offered & reception
    first = earliest(client, internal, limit=1).json["items"][0]["slot_id"]
    live = datetime(2026, 12, 1, 4, 0, tzinfo=timezone.utc)
    with engine.begin() as conn:
        conn.execute(update(slots).where(slots.c.id == int(first))
                     .values(status="held", hold_id="h", hold_expires_at=live))
    assert earliest(client, internal, limit=1).json["items"][0]["slot_id"] != first


def test_doctor_ids_narrow_the_search_and_unknown_services_find_nothing(client, internal):
    only = earliest(client, internal, limit=10, doctor_ids=["doc-000002"]).json["items"]
    assert only and {i["doctor_id"] for i in only} == {"doc-000002"}
    assert [i["slot_id"] for i in only] == brute_force(client, 10, {"doc-000002": "svc-0001-02"})
    none = client.post("/internal/earliest-slots", headers=internal, json={"service_ids": ["x"]})
    assert none.status_code == 200 and none.json["items"] == []


@pytest.mark.parametrize("body, field", [
    ({}, "service_ids"), ({"service_ids": []}, "service_ids"), ({"service_ids": "a"}, "service_ids"),
    ({"service_ids": ["a"], "limit": 0}, "limit"), ({"service_ids": ["a"], "limit": "5"}, "limit"),
    ({"service_ids": ["a"], "limit": 201}, "limit"), ({"service_ids": ["a"], "doctor_ids": [1]}, "doctor_ids"),
    ({"service_ids": ["a"], "from": "2026-12-01T10:00"}, "from"),
    ({"service_ids": ["a"], "from": "2026-12-02T00:00:00+05:00",
      "until": "2026-12-01T00:00:00+05:00"}, "until"),
])
def test_bad_bodies_are_422_naming_the_field(client, internal, body, field):
    answer = client.post("/internal/earliest-slots", headers=internal, json=body)
    assert answer.status_code == 422 and field in answer.json["error"]["fields"]


def test_without_the_internal_token_it_is_refused(client):
    answer = client.post("/internal/earliest-slots", json={"service_ids": SERVICES})
    assert answer.status_code in (401, 403)
