"""The central guarantee through the real system: many patients pressing the button for one slot
at once → exactly one appointment; one patient's retries with one key → one appointment."""
from __future__ import annotations

import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
import requests
from requests.adapters import HTTPAdapter

pytestmark = pytest.mark.e2e

RACERS = 200


def _session() -> requests.Session:
    http = requests.Session()
    http.mount("http://", HTTPAdapter(pool_connections=4, pool_maxsize=64))
    return http


@pytest.fixture(scope="module")
def racers(stack, tmp_path_factory):
    """Registered patients (attached to o-0001), logged in, agreement accepted."""
    out = tmp_path_factory.mktemp("racers") / "patients.json"
    stack.run_step("auth", "seed-bench-patients", "--count", str(RACERS), "--organization-id", "o-0001",
                   "--out", str(out), quiet=True)
    api = stack.url("gateway") + "/api/v1"
    consent = requests.get(f"{api}/consent", timeout=10).json()["version"]
    http = _session()

    def login(p):
        r = http.post(f"{api}/auth/oms", timeout=30, json={
            "document_type": p["document_type"], "policy_number": p["policy_number"],
            "birth_date": p["birth_date"]})
        r.raise_for_status()
        return r.json()["access_token"]

    with ThreadPoolExecutor(32) as pool:
        tokens = list(pool.map(login, json.loads(out.read_text())["patients"]))
    return api, consent, tokens


def _one_free_slot(api: str, offset: int) -> tuple[str, str]:
    services = requests.get(f"{api}/organizations/o-0001/services", timeout=10).json()["items"]
    service = [s for s in services if s["self_bookable"] and not s["requires_attachment"]
               and not s.get("requires_referral")][offset]
    doctor = requests.get(f"{api}/organizations/o-0001/services/{service['id']}/doctors",
                          timeout=10).json()["items"][-1]
    today = date.today()
    days = requests.get(f"{api}/doctors/{doctor['id']}/days", timeout=10, params={
        "service_id": service["id"], "from": today.isoformat(),
        "to": (today + timedelta(days=14)).isoformat()}).json()["items"]
    for day in reversed([d for d in days if d["bookable"]]):
        slots = requests.get(f"{api}/doctors/{doctor['id']}/slots", timeout=10, params={
            "service_id": service["id"], "date": day["date"]}).json()["items"]
        free = [s for s in slots if s["bookable"]]
        if free:
            return free[len(free) // 2]["id"], service["id"]
    raise AssertionError("no free slot")


def test_two_hundred_patients_racing_for_one_slot_make_exactly_one_appointment(racers):
    api, consent, tokens = racers
    slot_id, service_id = _one_free_slot(api, 0)
    http = _session()
    start = threading.Barrier(len(tokens))

    def book(token):
        start.wait()
        return http.post(f"{api}/appointments", timeout=60, json={
            "slot_id": slot_id, "service_id": service_id, "consent_version": consent},
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())})

    with ThreadPoolExecutor(len(tokens)) as pool:
        answers = list(pool.map(book, tokens))
    statuses = [a.status_code for a in answers]
    assert statuses.count(201) == 1, statuses
    assert statuses.count(409) == len(tokens) - 1, statuses
    assert {a.json()["error"]["code"] for a in answers if a.status_code == 409} == {"slot_unavailable"}
    winner = next(a for a in answers if a.status_code == 201).json()
    assert winner["status"] == "booked"


def test_one_key_sent_ten_times_at_once_makes_one_appointment(racers):
    api, consent, tokens = racers
    slot_id, service_id = _one_free_slot(api, 1)
    http = _session()
    key, token = str(uuid.uuid4()), tokens[0]
    start = threading.Barrier(10)

    def book(_):
        start.wait()
        return http.post(f"{api}/appointments", timeout=60, json={
            "slot_id": slot_id, "service_id": service_id, "consent_version": consent},
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key})

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(book, range(10)))
    created = {a.json()["id"] for a in answers if a.status_code == 201}
    assert len(created) == 1, [(a.status_code, a.text[:100]) for a in answers]
    mine = requests.get(f"{api}/appointments", params={"status": "active"}, timeout=10,
                        headers={"Authorization": f"Bearer {token}"}).json()["items"]
    assert [a["id"] for a in mine if a["service"]["id"] == service_id] == list(created)
