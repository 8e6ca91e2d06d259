"""Referrals (направления) through the gateway, every service a real process: a referral-only
service of the demo region refuses a booking without one and accepts it with one, which the
cancel gives back; the reception issues, lists and imports them."""
from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
import requests

pytestmark = pytest.mark.e2e
ORG = "o-0001"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _referral_service_slots(api: str) -> tuple[dict, list[dict]]:
    """The organization's referral-only service (catalog's flag) and free times of it."""
    services = requests.get(f"{api}/organizations/{ORG}/services", timeout=10).json()["items"]
    flagged = [s for s in services if s.get("requires_referral")]
    assert flagged, "the demo region marks a specialist consultation as referral-only"
    service, today = flagged[0], date.today()
    assert service["self_bookable"] and not service["requires_attachment"]
    for doctor in requests.get(f"{api}/organizations/{ORG}/services/{service['id']}/doctors",
                               timeout=10).json()["items"]:
        days = requests.get(f"{api}/doctors/{doctor['id']}/days", timeout=10, params={
            "service_id": service["id"], "from": today.isoformat(),
            "to": (today + timedelta(days=15)).isoformat()}).json()["items"]
        for day in (d for d in days if d["bookable"]):
            free = [s for s in requests.get(f"{api}/doctors/{doctor['id']}/slots", timeout=10,
                                            params={"service_id": service["id"],
                                                    "date": day["date"]}).json()["items"]
                    if s["bookable"]]
            if len(free) >= 2:
                return service, free
    raise AssertionError("no free time of the referral-only service")


def _book(api: str, token: str, slot: dict, service: dict) -> requests.Response:
    hold = requests.post(f"{api}/slots/{slot['id']}/hold", timeout=10, headers=bearer(token),
                         json={"session_id": uuid.uuid4().hex})
    assert hold.status_code == 201, hold.text
    consent = requests.get(f"{api}/consent", timeout=10).json()["version"]
    return requests.post(f"{api}/appointments", timeout=30, json={
        "slot_id": slot["id"], "service_id": service["id"], "consent_version": consent,
        "hold_id": hold.json()["hold_id"]},
        headers={**bearer(token), "Idempotency-Key": str(uuid.uuid4())})


def _own(api: str, token: str) -> list[dict]:
    response = requests.get(f"{api}/referrals", timeout=10, headers=bearer(token))
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_a_referral_only_service_needs_a_referral_which_a_cancel_gives_back(stack, people):
    api = people.api
    registrar = people.new_registrar(ORG)
    patient = people.register_patient(registrar, ORG)
    token = people.patient_token(patient["login"])
    service, free = _referral_service_slots(api)

    refused = _book(api, token, free[0], service)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["code"] == "referral_required"
    assert "направлени" in refused.json()["error"]["message"]
    assert _own(api, token) == []

    expires = (date.today() + timedelta(days=30)).isoformat()
    issued = requests.post(f"{api}/registry/referrals", timeout=10, headers=bearer(registrar),
                           json={"patient_id": patient["id"], "service_id": service["id"],
                                 "expires_on": expires})
    assert issued.status_code == 201, issued.text
    referral = issued.json()
    assert (referral["service"]["id"], referral["status"]) == (service["id"], "active")

    booked = _book(api, token, free[1], service)
    assert booked.status_code == 201, booked.text
    appointment = booked.json()
    (mine,) = _own(api, token)
    assert (mine["id"], mine["status"], mine["used_by_appointment_id"]) == (
        referral["id"], "used", appointment["id"])

    cancelled = requests.post(f"{api}/appointments/{appointment['id']}/cancel", timeout=10,
                              headers=bearer(token))
    assert cancelled.status_code == 200, cancelled.text
    (mine,) = _own(api, token)
    assert (mine["status"], mine["used_by_appointment_id"]) == ("active", None)
    seen = requests.get(f"{api}/registry/patients/{patient['id']}/referrals", timeout=10,
                        headers=bearer(registrar))
    assert seen.status_code == 200, seen.text
    assert [r["status"] for r in seen.json()["items"]] == ["active"]


def test_the_reception_imports_referrals_once_and_another_organization_sees_none(stack, people):
    api = people.api
    registrar = people.new_registrar(ORG)
    patient = people.register_patient(registrar, ORG)
    number = uuid.uuid4().hex[:10]
    rows = [{"source_system": "mis-e2e", "source_number": number, "patient_id": patient["id"],
             "specialty": "Эндокринология", "doctor_name": "Петров П. П.",
             "expires_on": (date.today() + timedelta(days=10)).isoformat()},
            {"source_system": "mis-e2e", "source_number": number + "-bad",
             "patient_id": patient["id"], "specialty": "Эндокринология", "expires_on": "31.12"}]
    first = requests.post(f"{api}/registry/referrals/import", json=rows, timeout=10,
                          headers=bearer(registrar))
    assert first.status_code == 200, first.text
    assert (first.json()["created"], first.json()["unchanged"]) == (1, 0)
    assert [e["index"] for e in first.json()["errors"]] == [1]
    again = requests.post(f"{api}/registry/referrals/import", json=rows[:1], timeout=10,
                          headers=bearer(registrar))
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 1)
    other = people.new_registrar("o-0002")
    hidden = requests.get(f"{api}/registry/patients/{patient['id']}/referrals", timeout=10,
                          headers=bearer(other))
    assert hidden.status_code == 404
    token = people.patient_token(patient["login"])
    assert [r["source"]["number"] for r in _own(api, token)] == [number]
