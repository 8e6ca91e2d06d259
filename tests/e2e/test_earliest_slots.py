"""«Ближайшее свободное время» through the gateway, every service a real process: on random data
(a random share of each doctor-day's slots taken, so that whole days empty out and the earliest
times move), ``GET /api/v1/earliest-slots`` answers what a brute-force scan of every doctor's every
day of slots finds, for an organization, a district and the whole region, and for a logged-in
patient only the doctors of their attachment."""
from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from sqlalchemy import create_engine, select, update

pytestmark = pytest.mark.e2e
ZONE = ZoneInfo("Asia/Yekaterinburg")
SCAN_DAYS = 17  # today + the 14-day horizon, and a little beyond: nothing may come from there


def offers_of(region: dict, name: str, district_id: str | None = None,
              organization_id: str | None = None) -> dict[str, str]:
    """{doctor: service} of every self-bookable service of that name in the scope."""
    found = {}
    for org in region["organizations"]:
        if district_id and org["district_id"] != district_id or \
                organization_id and org["id"] != organization_id:
            continue
        for service in org["services"]:
            if service["name"] == name and service["self_bookable"]:
                found.update({d["id"]: service["id"] for d in org["doctors"]
                              if service["id"] in d["service_ids"]})
    return found


def brute_force(schedule_url: str, doctors: dict[str, str], limit: int) -> list[str]:
    """Every bookable slot of every doctor on every day, straight from schedule (no cache)."""
    today = datetime.now(ZONE).date()
    found = []
    with requests.Session() as http:
        for doctor_id, service_id in doctors.items():
            for offset in range(SCAN_DAYS):
                day = (today + timedelta(days=offset)).isoformat()
                answer = http.get(f"{schedule_url}/v1/doctors/{doctor_id}/slots", timeout=10,
                                  params={"service_id": service_id, "date": day})
                assert answer.status_code == 200, answer.text
                found += [(datetime.fromisoformat(s["start"]), doctor_id, s["id"])
                          for s in answer.json()["items"] if s["bookable"]]
    return [slot_id for _start, _doctor, slot_id in sorted(found)[:limit]]


def take_at_random(schedule_db: str, doctors, rng: random.Random) -> None:
    """Take a random share (none, some, all) of each doctor-day's slots for the first week, then
    recount the day counters as schedule does after bulk changes."""
    from schedule.adapters import slot_store
    from schedule.adapters.tables import slots

    last = datetime.now(ZONE).date() + timedelta(days=7)
    engine = create_engine(schedule_db)
    try:
        with engine.begin() as conn:
            rows = conn.execute(select(slots.c.id, slots.c.doctor_id, slots.c.local_date).where(
                slots.c.doctor_id.in_(list(doctors)), slots.c.local_date <= last,
                slots.c.status == "free")).all()
            share = {}
            for row in rows:
                key = (row.doctor_id, row.local_date)
                share.setdefault(key, rng.choice((0.0, 0.3, 0.8, 1.0)))
                if rng.random() < share[key]:
                    conn.execute(update(slots).where(slots.c.id == row.id).values(
                        status="taken", appointment_id=f"e2e-earliest-{row.id}"))
            for doctor_id, day in sorted(share):
                slot_store.recount_day(conn, doctor_id, day)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def region(stack) -> dict:
    return json.loads(stack.region_file.read_text(encoding="utf-8"))


def earliest(stack, headers=None, **params) -> list[dict]:
    answer = requests.get(stack.url("gateway") + "/api/v1/earliest-slots", params=params,
                          headers=headers or {}, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def _busiest_org(region: dict, name: str) -> str:
    return max(region["organizations"],
               key=lambda org: len(offers_of(region, name, organization_id=org["id"])))["id"]


# The region's therapists are many: schedule walks the region's bookable slots in start order
# for them (earliest_walk.py), the others are read from the day counters.
CASES = [("Приём врача-хирурга", "organization"), ("Приём врача-хирурга", "district"),
         ("Приём врача-кардиолога", "region"), ("Приём врача-невролога", "district"),
         ("Приём врача-терапевта участкового", "region")]


@pytest.mark.parametrize("name, scope", CASES)
def test_the_earliest_times_are_the_brute_force_scan(stack, region, name, scope):
    org_id = _busiest_org(region, name)
    org = next(o for o in region["organizations"] if o["id"] == org_id)
    params = {"organization_id": org_id} if scope == "organization" else \
        {"district_id": org["district_id"]} if scope == "district" else {}
    doctors = offers_of(region, name, **params)
    assert len(doctors) >= 2, "the case needs several doctors"
    rng = random.Random(f"{name}-{scope}")
    take_at_random(stack.database_urls["schedule"], doctors, rng)
    service_id = next(s["id"] for s in org["services"] if s["name"] == name)
    scan = brute_force(stack.url("schedule"), doctors, 20)  # the first 20: each limit's prefix
    for limit in (1, 5, 20):
        items = earliest(stack, service_id=service_id, limit=limit, **params)
        assert [i["slot_id"] for i in items] == scan[:limit]
        assert {i["doctor"]["id"] for i in items} <= set(doctors)
        assert all(i["doctor"]["full_name"] and i["organization"]["name"] for i in items)
    starts = [datetime.fromisoformat(i["start"]) for i in items]
    assert starts == sorted(starts) and starts[0] > datetime.now(ZONE)


def test_a_patient_finds_only_the_doctors_of_their_attachment(stack, region, people):
    name = "Приём врача-терапевта участкового"
    org_id = _busiest_org(region, name)
    registrar = people.new_registrar(org_id)
    patient = people.register_patient(registrar, org_id)
    token = people.patient_token(patient["login"])
    service_id = next(s["id"] for o in region["organizations"] if o["id"] == org_id
                      for s in o["services"] if s["name"] == name)
    mine = earliest(stack, {"Authorization": f"Bearer {token}"}, service_id=service_id, limit=10)
    doctors = offers_of(region, name, organization_id=org_id)
    assert mine and {i["organization"]["id"] for i in mine} == {org_id}
    assert [i["slot_id"] for i in mine] == brute_force(stack.url("schedule"), doctors, 10)
    anyone = earliest(stack, service_id=service_id, limit=10)
    assert len({i["organization"]["id"] for i in anyone}) > 1  # anonymous: the whole region


def test_mistakes_are_clear_errors_not_500(stack):
    url = stack.url("gateway") + "/api/v1/earliest-slots"
    for params, status in (({}, 422), ({"service_id": "svc-0001-01", "limit": "0"}, 422),
                           ({"service_id": "nope"}, 404),
                           ({"service_id": "svc-0001-01", "district_id": "nowhere"}, 404)):
        answer = requests.get(url, params=params, timeout=10)
        assert answer.status_code == status, answer.text
        assert answer.json()["error"]["message"]
