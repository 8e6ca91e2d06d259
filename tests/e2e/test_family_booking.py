"""Issue 12 part 1 through the gateway, every service a real process: a parent links their
child, books for the child with an acting token and the talon names the child; booking's audit
names the parent; an adult's link that nobody confirmed books nothing; the reception unlinks."""
from __future__ import annotations

import time
import uuid
from datetime import date

import pytest
import requests
from jose import jwt

pytestmark = pytest.mark.e2e

ORG = "o-0001"
CERTIFICATE = "II-РУ 654321"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _years_ago(years: int) -> str:
    today = date.today()
    return today.replace(year=today.year - years, day=min(today.day, 28)).isoformat()


@pytest.fixture(scope="module")
def family(people):
    registrar = people.new_registrar(ORG)
    tag = uuid.uuid4().hex[:4]
    parent = people.register_patient(registrar, ORG, last_name="Семёнова", first_name="Ольга",
                                     birth_date="1988-02-11")
    child = people.register_patient(
        registrar, ORG, last_name="Семёнов", first_name="Пётр", middle_name=None, sex="M",
        birth_date=_years_ago(7),
        identity_documents=[{"type": "birth_certificate", "number": CERTIFICATE}])
    adult = people.register_patient(registrar, ORG, last_name="Семёнов", first_name="Аркадий",
                                    birth_date="1950-09-30")
    return {"registrar": registrar, "parent": parent, "child": child, "adult": adult, "tag": tag}


def _link(api: str, token: str, body: dict) -> requests.Response:
    return requests.post(f"{api}/me/links", json=body, headers=bearer(token), timeout=10)


def _talon_text(api: str, token: str, appointment_id: str, pdf_text) -> str:
    for _ in range(60):
        response = requests.get(f"{api}/appointments/{appointment_id}/ticket.pdf",
                                headers=bearer(token), timeout=10)
        if response.status_code == 200:
            return " ".join(pdf_text(response.content, layout=False).split())
        assert response.status_code == 202, response.text
        time.sleep(1)
    raise AssertionError("the talon was not rendered in time")


def test_a_parent_books_for_their_child_and_the_talon_names_the_child(stack, people, family,
                                                                      pdf_text):
    api = people.api
    parent_token = people.patient_token(family["parent"]["login"])
    child = family["child"]
    linked = _link(api, parent_token, {
        "kind": "child", "policy": {"type": "oms_unified", "number": child["login"]["policy_number"]},
        "birth_certificate": CERTIFICATE})
    assert linked.status_code == 201, linked.text
    assert linked.json()["status"] == "confirmed"

    acting = requests.post(f"{api}/auth/act-as", json={"patient_id": child["id"]},
                           headers=bearer(parent_token), timeout=10)
    assert acting.status_code == 200, acting.text
    act_token = acting.json()["access_token"]
    claims = jwt.get_unverified_claims(act_token)
    assert claims["sub"] == child["id"] and claims["act"]["sub"] == family["parent"]["id"]

    appointment = people.book(act_token, ORG)
    assert appointment["patient"]["id"] == child["id"]
    assert appointment["patient"]["full_name"] == "Семёнов Пётр"
    # The child's appointment is the child's: the parent's own list does not show it.
    own = requests.get(f"{api}/appointments", headers=bearer(parent_token), timeout=10).json()
    assert appointment["id"] not in [a["id"] for a in own["items"]]
    talon = _talon_text(api, act_token, appointment["id"], pdf_text)
    assert "Семёнов Пётр" in talon and "Семёнова Ольга" not in talon

    # Booking's audit names the parent who acted, for the child.
    admin = people.staff_token("admin", "admin-demo")
    audit = requests.get(f"{api}/admin/audit", params={"appointment_id": appointment["id"]},
                         headers=bearer(admin), timeout=10)
    assert audit.status_code == 200, audit.text
    entries = [(e["action"], e["actor_id"], e["actor_role"], e["patient_id"])
               for e in audit.json()["items"]]
    assert ("appointment.create", family["parent"]["id"], "proxy", child["id"]) in entries

    # The one-per-specialty rule is the child's: a second booking of the specialty is refused.
    # (The public slot list may still show the slot just booked: the gateway caches it briefly.)
    service, _doctor, free = people.free_slots(ORG)
    for slot in free:
        hold = requests.post(f"{api}/slots/{slot['id']}/hold", headers=bearer(act_token),
                             json={"session_id": uuid.uuid4().hex}, timeout=10)
        if hold.status_code != 409:
            break
    refusal = hold  # schedule may refuse the hold already; if not, booking refuses the booking
    if hold.status_code == 201:
        consent = requests.get(f"{api}/consent", timeout=10).json()["version"]
        refusal = requests.post(f"{api}/appointments", timeout=30, json={
            "slot_id": slot["id"], "service_id": service["id"], "consent_version": consent,
            "hold_id": hold.json()["hold_id"]},
            headers={**bearer(act_token), "Idempotency-Key": str(uuid.uuid4())})
    assert refusal.status_code in (409, 422), refusal.text
    assert refusal.json()["error"]["code"] == "duplicate_specialty"
    # ...while the parent's own booking of the same specialty is theirs to make.
    assert people.book(parent_token, ORG)["patient"]["id"] == \
        family["parent"]["id"]

    # The parent cancels the child's appointment with the acting token.
    cancelled = requests.post(f"{api}/appointments/{appointment['id']}/cancel",
                              headers=bearer(act_token), timeout=10)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


def test_an_unconfirmed_adult_link_books_nothing(stack, people, family):
    api = people.api
    parent_token = people.patient_token(family["parent"]["login"])
    adult = family["adult"]
    linked = _link(api, parent_token, {
        "kind": "adult", "policy": {"type": "oms_unified", "number": adult["login"]["policy_number"]},
        "birth_date": adult["login"]["birth_date"]})
    assert linked.status_code == 201, linked.text
    assert linked.json()["status"] == "pending"
    refused = requests.post(f"{api}/auth/act-as", json={"patient_id": adult["id"]},
                            headers=bearer(parent_token), timeout=10)
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["code"] == "link_not_confirmed"
    # Nothing was booked for the adult.
    adult_token = people.patient_token(adult["login"])
    mine = requests.get(f"{api}/appointments", headers=bearer(adult_token), timeout=10).json()
    assert mine["items"] == []

    # The adult accepts; then the reception ends the link, and acting stops again.
    incoming = requests.get(f"{api}/me/links", headers=bearer(adult_token), timeout=10).json()
    (item,) = incoming["items"]
    assert item["direction"] == "incoming" and item["holder"]["id"] == family["parent"]["id"]
    accepted = requests.post(f"{api}/me/links/{item['id']}/accept", headers=bearer(adult_token),
                             timeout=10)
    assert accepted.status_code == 200 and accepted.json()["status"] == "confirmed"
    assert requests.post(f"{api}/auth/act-as", json={"patient_id": adult["id"]},
                         headers=bearer(parent_token), timeout=10).status_code == 200
    ended = requests.delete(f"{api}/registry/links/{item['id']}",
                            headers=bearer(family["registrar"]), timeout=10)
    assert ended.status_code == 200 and ended.json()["end_reason"] == "registry"
    again = requests.post(f"{api}/auth/act-as", json={"patient_id": adult["id"]},
                          headers=bearer(parent_token), timeout=10)
    assert again.status_code == 403
