"""Bookings keep working while the broker is unreachable; once it is back, every one of them gets
its talon (the relay publishes what the outbox kept)."""
from __future__ import annotations

import socket
import time
import uuid
from datetime import date, timedelta

import pytest
import requests

pytestmark = pytest.mark.e2e



def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _free_slots(api: str, count: int) -> list[tuple[str, str]]:
    """Free slots of distinct specialties at o-0001 (one active appointment per specialty)."""
    found, today = [], date.today()
    services = requests.get(f"{api}/organizations/o-0001/services", timeout=10).json()["items"]
    for service in reversed(services):
        if not service["self_bookable"] or service["requires_attachment"] or len(found) == count \
                or service.get("requires_referral"):
            continue
        doctors = requests.get(f"{api}/organizations/o-0001/services/{service['id']}/doctors",
                               timeout=10).json()["items"]
        for doctor in doctors:
            days = requests.get(f"{api}/doctors/{doctor['id']}/days", timeout=10, params={
                "service_id": service["id"], "from": today.isoformat(),
                "to": (today + timedelta(days=14)).isoformat()}).json()["items"]
            bookable = [d["date"] for d in days if d["bookable"]]
            if not bookable:
                continue
            slots = requests.get(f"{api}/doctors/{doctor['id']}/slots", timeout=10, params={
                "service_id": service["id"], "date": bookable[-1]}).json()["items"]
            free = [s for s in slots if s["bookable"]]
            if free:
                found.append((free[-1]["id"], service["id"]))
                break
    assert len(found) == count, "not enough free slots in the demo region"
    return found


def test_bookings_answer_while_the_broker_is_down_and_get_talons_after(stack):
    api = stack.url("gateway") + "/api/v1"
    login = requests.post(f"{api}/auth/oms", timeout=10, json={
        "document_type": "temporary_certificate", "policy_number": "560123456", "birth_date": "1999-01-30"})
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    consent = requests.get(f"{api}/consent", timeout=10).json()["version"]

    # The relay cannot reach any broker now.
    stack.restart("booking-relay", {"REGISTRATURA_BROKER_URL": f"amqp://guest:guest@127.0.0.1:{_closed_port()}//"})
    booked = []
    try:
        for slot_id, service_id in _free_slots(api, 3):
            started = time.perf_counter()
            response = requests.post(f"{api}/appointments", timeout=10, headers={
                **headers, "Idempotency-Key": str(uuid.uuid4())}, json={
                "slot_id": slot_id, "service_id": service_id, "consent_version": consent})
            elapsed = time.perf_counter() - started
            assert response.status_code == 201, response.text
            assert elapsed < 2.0, f"booking took {elapsed:.1f} s while the broker was down"
            booked.append(response.json()["id"])
        time.sleep(3)
        for appointment_id in booked:  # nothing reached the tickets service
            pending = requests.get(f"{api}/appointments/{appointment_id}/ticket.pdf", headers=headers, timeout=10)
            assert pending.status_code == 202
    finally:
        stack.restart("booking-relay")  # the broker is back

    deadline = time.time() + 60
    ready = set()
    while time.time() < deadline and len(ready) < len(booked):
        for appointment_id in set(booked) - ready:
            response = requests.get(f"{api}/appointments/{appointment_id}/ticket.pdf", headers=headers, timeout=10)
            if response.status_code == 200:
                assert response.content.startswith(b"%PDF")
                ready.add(appointment_id)
        time.sleep(1)
    assert ready == set(booked), "some talons never arrived after the broker came back"
    for appointment_id in booked:
        requests.post(f"{api}/appointments/{appointment_id}/cancel", headers=headers, timeout=10)
