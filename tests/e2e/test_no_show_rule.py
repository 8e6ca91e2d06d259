"""The no-show rule through the gateway, every service a real process: the reception marks past
appointments, two no-shows suspend the patient's online booking (the reception still books), a
correction lifts it, and a suspension lifts by itself at its end.

An appointment is put into the past by moving its time back in booking's database (the slot in
schedule stays where it was): the same as letting the clock run, without a clock in production
that anyone could set.
"""
from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
import requests
from sqlalchemy import create_engine, text

pytestmark = pytest.mark.e2e

def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


RULE = {"no_show_limit": 2, "no_show_window_days": 90, "no_show_suspend_days": 30}


class Clinic:
    """One organization of the demo region, seen through the public API."""

    def __init__(self, stack, people, organization_id: str):
        self.stack, self.people, self.org = stack, people, organization_id
        self.api = people.api
        self.consent = requests.get(f"{self.api}/consent", timeout=10).json()["version"]

    def offers(self, wanted: int) -> list[tuple[dict, list[dict]]]:
        """(service, free slots) of ``wanted`` self-bookable services of distinct specialties."""
        found, seen = [], set()
        for service in self.people._get(f"/organizations/{self.org}/services"):
            if not service["self_bookable"] or service["requires_attachment"] \
                    or service["specialty"] in seen:
                continue
            slots = self._free(service)
            if len(slots) >= 4:
                seen.add(service["specialty"])
                found.append((service, slots))
            if len(found) == wanted:
                return found
        return found

    def _free(self, service: dict) -> list[dict]:
        today = date.today()
        path = f"/organizations/{self.org}/services/{service['id']}/doctors"
        for doctor in self.people._get(path):
            days = self.people._get(f"/doctors/{doctor['id']}/days", {
                "service_id": service["id"], "from": (today + timedelta(days=1)).isoformat(),
                "to": (today + timedelta(days=14)).isoformat()})
            for day in (d for d in days if d["bookable"]):
                free = [s for s in self.people._get(f"/doctors/{doctor['id']}/slots", {
                    "service_id": service["id"], "date": day["date"]}) if s["bookable"]]
                if len(free) >= 4:
                    return free
        return []

    def book(self, token: str, service: dict, slots: list[dict], *, patient_id: str | None = None):
        """Book the first slot of the list that is still free; the answer."""
        while slots:
            slot = slots.pop(0)
            body = {"slot_id": slot["id"], "service_id": service["id"],
                    "consent_version": self.consent}
            if patient_id:
                body["patient_id"] = patient_id
            answer = requests.post(f"{self.api}/appointments", json=body, timeout=30,
                                   headers={**bearer(token), "Idempotency-Key": str(uuid.uuid4())})
            if answer.json().get("error", {}).get("code") != "slot_unavailable":
                return answer
        raise AssertionError("no free slot left")

    def mark(self, token: str, appointment_id: str, attended: bool):
        return requests.post(f"{self.api}/appointments/{appointment_id}/attendance",
                             json={"attended": attended}, headers=bearer(token), timeout=10)

    def restrictions(self, token: str) -> list[dict]:
        answer = requests.get(f"{self.api}/me/restrictions", headers=bearer(token), timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()["items"]

    def cancel(self, token: str, appointment_id: str) -> None:
        answer = requests.post(f"{self.api}/appointments/{appointment_id}/cancel",
                               headers=bearer(token), timeout=10)
        assert answer.status_code == 200, answer.text


def _sql(stack, statement: str, **params) -> None:
    engine = create_engine(stack.database_urls["booking"])
    with engine.begin() as conn:
        conn.execute(text(statement), params)
    engine.dispose()


def into_the_past(stack, appointment_id: str, hours: int = 2) -> None:
    start = datetime.now(timezone.utc) - timedelta(hours=hours)
    _sql(stack, "UPDATE appointments SET start_utc = :start, end_utc = :end WHERE id = :id",
         start=start, end=start + timedelta(minutes=15), id=appointment_id)


def _pick_clinic(stack, people) -> tuple[Clinic, list]:
    """An organization with three specialties free, from the end of the region (other tests use
    its first organizations, whose doctor contexts booking may have cached already)."""
    region = json.loads(stack.region_file.read_text())
    for org in reversed(region["organizations"]):
        clinic = Clinic(stack, people, org["id"])
        offers = clinic.offers(3)
        if len(offers) == 3:
            return clinic, offers
    raise AssertionError("no organization offers three specialties")


def _metric(stack, name: str, label: str) -> float:
    internal = {"X-Internal-Token": stack.env().get("REGISTRATURA_INTERNAL_TOKEN")
                or "embedded-internal-token"}
    body = requests.get(stack.url("booking") + "/metrics", headers=internal, timeout=5).text
    values = [float(line.rsplit(" ", 1)[1]) for line in body.splitlines()
              if line.startswith(name + "{") and label in line]
    return sum(values)


def _no_shows(clinic, registrar, period) -> int:
    counts = requests.get(f"{clinic.api}/admin/no-shows", headers=bearer(registrar), timeout=10,
                          params=period)
    assert counts.status_code == 200, counts.text
    return counts.json()["total"]["no_show"]


def test_two_no_shows_suspend_online_booking_and_a_correction_or_the_end_lifts_it(stack, people):
    clinic, ((first, first_slots), (second, second_slots), (third, third_slots)) = \
        _pick_clinic(stack, people)
    registrar = people.new_registrar(clinic.org)
    saved = requests.put(f"{clinic.api}/admin/organizations/{clinic.org}/settings", json=RULE,
                         headers=bearer(registrar), timeout=10)
    assert saved.status_code == 200 and saved.json()["no_show_limit"] == 2, saved.text
    patient = people.register_patient(registrar, clinic.org)
    token = people.patient_token(patient["login"])
    # The browser tests share this stack and may have marked no-shows here already.
    started = datetime.now(timezone.utc)
    period = {"from": (started - timedelta(days=1)).isoformat(),
              "to": (started + timedelta(hours=1)).isoformat()}
    counted_before = _no_shows(clinic, registrar, period)

    a = clinic.book(token, first, first_slots)
    b = clinic.book(token, second, second_slots)
    assert a.status_code == 201 and b.status_code == 201, (a.text, b.text)
    a, b = a.json(), b.json()
    early = clinic.mark(registrar, a["id"], False)
    assert early.status_code == 422 and early.json()["error"]["code"] == "too_early_to_mark"
    assert clinic.mark(token, a["id"], False).status_code == 403  # patients do not mark
    into_the_past(stack, a["id"], hours=3)
    into_the_past(stack, b["id"], hours=2)
    marks_before = _metric(stack, "registratura_attendance_marks_total", 'result="no_show"')

    assert clinic.mark(registrar, a["id"], False).json()["suspension"] is None
    marked = clinic.mark(registrar, b["id"], False)
    assert marked.status_code == 200, marked.text
    suspension = marked.json()["suspension"]
    assert suspension["reason"] == "no_show" and suspension["count"] == 2
    assert _metric(stack, "registratura_attendance_marks_total", 'result="no_show"') \
        == marks_before + 2

    (shown,) = clinic.restrictions(token)
    assert shown["organization"]["id"] == clinic.org
    assert f"приостановлена до {suspension['ends_on']}: 2 неявки за 90 дней" in shown["message"]
    refused = clinic.book(token, third, third_slots)
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["code"] == "online_booking_suspended"
    assert suspension["ends_on"] in refused.json()["error"]["message"]
    by_reception = clinic.book(registrar, third, third_slots, patient_id=patient["id"])
    assert by_reception.status_code == 201, by_reception.text
    clinic.cancel(registrar, by_reception.json()["id"])

    # A correction: the second patient came after all. One no-show is under the limit.
    corrected = clinic.mark(registrar, b["id"], True)
    assert corrected.json()["suspension"] is None and corrected.json()["attendance"] == "attended"
    assert clinic.restrictions(token) == []
    online = clinic.book(token, third, third_slots)
    assert online.status_code == 201, online.text
    clinic.cancel(token, online.json()["id"])

    # Marked a no-show again: suspended again; at its end it lifts by itself.
    assert clinic.mark(registrar, b["id"], False).json()["suspension"] is not None
    assert clinic.book(token, third, third_slots).status_code == 403
    _sql(stack, "UPDATE booking_suspensions SET starts_at = :start, ends_at = :end "
                "WHERE patient_id = :patient AND lifted_at IS NULL",
         start=datetime.now(timezone.utc) - timedelta(days=30),
         end=datetime.now(timezone.utc) - timedelta(seconds=1), patient=patient["id"])
    assert clinic.restrictions(token) == []
    assert clinic.book(token, third, third_slots).status_code == 201

    assert _no_shows(clinic, registrar, period) == counted_before + 2
