"""The waiting list through the real processes: a cancellation frees a slot (schedule), the slot is
offered to the waiting patient (booking), and a message with a link reaches them (tickets)."""
from __future__ import annotations

import time
import uuid
from datetime import date, timedelta

import pytest
import requests

pytestmark = pytest.mark.e2e

BOOKER = {"document_type": "oms_old", "policy_series": "ОРБ", "policy_number": "123456789012",
          "birth_date": "1958-07-21"}
WAITER = {"document_type": "oms_unified", "policy_number": "5600000000000003",
          "identity_document": {"type": "birth_certificate", "number": "IV-РА 654321"}}


def _token(api: str, body: dict) -> dict:
    response = requests.post(f"{api}/auth/oms", json=body, timeout=10)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_a_waiting_patient_hears_about_a_cancelled_slot(stack):
    api = stack.url("gateway") + "/api/v1"
    booker, waiter = _token(api, BOOKER), _token(api, WAITER)
    consent = requests.get(f"{api}/consent", timeout=10).json()["version"]
    services = requests.get(f"{api}/organizations/o-0001/services", timeout=10).json()["items"]
    service = [s for s in services if s["self_bookable"] and not s["requires_attachment"]
               and not s.get("requires_referral")][2]
    doctor = requests.get(f"{api}/organizations/o-0001/services/{service['id']}/doctors",
                          timeout=10).json()["items"][0]
    today = date.today()
    days = requests.get(f"{api}/doctors/{doctor['id']}/days", timeout=10, params={
        "service_id": service["id"], "from": today.isoformat(),
        "to": (today + timedelta(days=14)).isoformat()}).json()["items"]
    day = [d for d in days if d["bookable"]][0]["date"]
    slot = [s for s in requests.get(f"{api}/doctors/{doctor['id']}/slots", timeout=10, params={
        "service_id": service["id"], "date": day}).json()["items"] if s["bookable"]][0]

    booked = requests.post(f"{api}/appointments", timeout=10, json={
        "slot_id": slot["id"], "service_id": service["id"], "consent_version": consent},
        headers={**booker, "Idempotency-Key": str(uuid.uuid4())})
    assert booked.status_code == 201, booked.text

    entry = requests.post(f"{api}/waitlist", timeout=10, headers=waiter, json={
        "organization_id": "o-0001", "service_id": service["id"], "doctor_id": doctor["id"],
        "from": day, "to": day})
    assert entry.status_code == 201 and entry.json()["status"] == "waiting", entry.text

    outbox = stack.var_dir / "outbox"
    before = {p.name for p in outbox.rglob("*") if p.is_file()}
    cancelled = requests.post(f"{api}/appointments/{booked.json()['id']}/cancel", headers=booker, timeout=10)
    assert cancelled.status_code == 200

    deadline, offered, message = time.time() + 45, None, None
    while time.time() < deadline and not (offered and message):
        entries = requests.get(f"{api}/waitlist", headers=waiter, timeout=10).json()["items"]
        offered = next((e for e in entries if e["id"] == entry.json()["id"] and e["status"] == "offered"), None)
        for path in outbox.rglob("*"):
            if path.is_file() and path.name not in before:
                text = path.read_text(errors="replace")
                if f"/book/slot/{slot['id']}" in text:  # the SMS is plain text with the link
                    message = text
        time.sleep(1)
    assert offered is not None, "the waiting-list entry was never offered the freed slot"
    assert offered["offered_slot_id"] == slot["id"]
    assert message is not None, "no message with the booking link reached the waiting patient"
    assert "Появилось свободное время" in message
    # The link opens the day page of the offered time, where it can be booked.
    link = stack.url("gateway") + f"/book/slot/{slot['id']}?service_id={service['id']}"
    assert link in message
    page = requests.get(link, timeout=10)
    assert page.status_code == 200
    assert f'data-slot-id="{slot["id"]}"' in page.text
