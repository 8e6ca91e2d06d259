"""The seed's patient flow through the gateway's public API, every service a real process on
PostgreSQL and RabbitMQ: district → organization → service → doctor → day → time → hold →
consent → OMS login → booking → talon (PDF) → cancel."""
from __future__ import annotations

import time
import uuid
from datetime import date, timedelta

import pytest
import requests

pytestmark = pytest.mark.e2e

DEMO_POLICY = "5680784863159153"
DEMO_BIRTH_DATE = "1985-03-14"
SEED_DISTRICTS = ["г. Оренбург", "г. Орск", "г. Бугуруслан", "г. Бузулук", "Абдулинский район",
                  "Адамовский район", "Александровский район", "Асекеевский район"]


@pytest.fixture(scope="module")
def api(stack):
    return stack.url("gateway") + "/api/v1"


@pytest.fixture(scope="module")
def login(api):
    response = requests.post(f"{api}/auth/oms", json={
        "document_type": "oms_unified", "policy_number": DEMO_POLICY, "birth_date": DEMO_BIRTH_DATE})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer"
    return {"Authorization": f"Bearer {body['access_token']}"}


def _bookable_slot(api, organization_id, *, skip_specialties=()):
    """The first bookable slot of a self-bookable service of the organization."""
    services = requests.get(f"{api}/organizations/{organization_id}/services").json()["items"]
    today = date.today()
    for service in services:
        if (not service["self_bookable"] or service["requires_attachment"]
                or service.get("requires_referral")
                or service["specialty"] in skip_specialties):
            continue
        doctors = requests.get(f"{api}/organizations/{organization_id}/services/{service['id']}/doctors").json()["items"]
        for doctor in doctors:
            days = requests.get(f"{api}/doctors/{doctor['id']}/days", params={
                "service_id": service["id"], "from": today.isoformat(),
                "to": (today + timedelta(days=15)).isoformat()}).json()["items"]
            for day in days:
                if not day["bookable"]:
                    continue
                slots = requests.get(f"{api}/doctors/{doctor['id']}/slots", params={
                    "service_id": service["id"], "date": day["date"]}).json()["items"]
                free = [s for s in slots if s["bookable"]]
                if free:
                    return service, doctor, day, free
    raise AssertionError("no bookable slot in the demo organization")


def test_every_service_is_ready_and_documents_itself(stack):
    for name in ("gateway", "catalog", "schedule", "auth", "booking", "tickets"):
        response = requests.get(stack.url(name) + "/readyz", timeout=5)
        assert response.status_code == 200, (name, response.text)
        spec = requests.get(stack.url(name) + "/openapi.json", timeout=5)
        assert spec.status_code == 200 and spec.json()["openapi"].startswith("3."), name
        assert spec.json()["paths"], name
        # The gateway is reachable from the internet: its metrics need the internal token.
        internal = {"X-Internal-Token": stack.env().get("REGISTRATURA_INTERNAL_TOKEN")
                    or "embedded-internal-token"}
        metrics = requests.get(stack.url(name) + "/metrics", timeout=5, headers=internal)
        assert metrics.status_code == 200 and "http_requests_total" in metrics.text, name
    assert requests.get(stack.url("gateway") + "/metrics", timeout=5).status_code == 403


def test_the_catalog_walk_reaches_doctors(api):
    districts = requests.get(f"{api}/districts").json()["items"]
    names = [d["name"] for d in districts]
    for seed_name in SEED_DISTRICTS:
        assert seed_name in names
    orenburg = next(d for d in districts if d["name"] == "г. Оренбург")
    organizations = requests.get(f"{api}/organizations", params={"district_id": orenburg["id"]}).json()["items"]
    assert organizations and all(o["district_id"] == orenburg["id"] for o in organizations)
    detail = requests.get(f"{api}/organizations/{organizations[0]['id']}").json()
    assert detail["timezone"] == "Asia/Yekaterinburg" and "subdivisions" in detail


def test_the_day_grid_has_one_item_per_date_with_an_en_dash_interval(api):
    service, doctor, _day, _ = _bookable_slot(api, "o-0001")
    today = date.today()
    days = requests.get(f"{api}/doctors/{doctor['id']}/days", params={
        "service_id": service["id"], "from": today.isoformat(),
        "to": (today + timedelta(days=6)).isoformat()}).json()["items"]
    assert [d["date"] for d in days] == [(today + timedelta(days=i)).isoformat() for i in range(7)]
    working = [d for d in days if d["interval"]]
    assert working and all("–" in d["interval"] for d in working)


def test_unknown_ids_and_bad_parameters_are_json_errors(api):
    assert requests.get(f"{api}/organizations/o-nope").status_code == 404
    bad = requests.get(f"{api}/doctors/doc-000001/days", params={"from": "tomorrow", "to": "x"})
    assert bad.status_code in (404, 422)
    assert "error" in bad.json()
    missing = requests.get(f"{api}/no-such-thing")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_a_patient_books_gets_a_talon_and_cancels(api, login, stack, pdf_text):
    service, doctor, _day, free = _bookable_slot(api, "o-0001")
    anonymous = requests.post(f"{api}/slots/{free[0]['id']}/hold",
                              json={"session_id": uuid.uuid4().hex})
    assert anonymous.status_code == 401, anonymous.text  # holds need a login
    # The public list may be up to 5 s old (the gateway's micro-cache) while other tests of the
    # session book on the same stack: a time listed free but taken since is a 409, so try the next.
    for slot in free:
        hold = requests.post(f"{api}/slots/{slot['id']}/hold",
                             json={"session_id": uuid.uuid4().hex}, headers=login)
        if hold.status_code != 409:
            break
        assert hold.json()["error"]["code"] == "slot_unavailable", hold.text
    assert hold.status_code == 201, hold.text
    second_hold = requests.post(f"{api}/slots/{slot['id']}/hold",
                                json={"session_id": uuid.uuid4().hex}, headers=login)
    assert second_hold.status_code == 409

    consent = requests.get(f"{api}/consent").json()
    key = str(uuid.uuid4())
    body = {"slot_id": slot["id"], "service_id": service["id"], "consent_version": consent["version"],
            "hold_id": hold.json()["hold_id"]}
    created = requests.post(f"{api}/appointments", json=body, headers={**login, "Idempotency-Key": key})
    assert created.status_code == 201, created.text
    appointment = created.json()
    assert appointment["status"] == "booked"
    assert appointment["doctor"]["id"] == doctor["id"]
    assert appointment["start"] == slot["start"]
    assert appointment["ticket"]["number"]

    replay = requests.post(f"{api}/appointments", json=body, headers={**login, "Idempotency-Key": key})
    assert replay.status_code == 201 and replay.json()["id"] == appointment["id"]

    listed = requests.get(f"{api}/appointments", params={"status": "active"}, headers=login).json()["items"]
    assert appointment["id"] in [a["id"] for a in listed]

    pdf = None
    for _ in range(60):
        response = requests.get(f"{api}/appointments/{appointment['id']}/ticket.pdf", headers=login)
        if response.status_code == 200:
            pdf = response
            break
        assert response.status_code == 202 and response.headers.get("Retry-After")
        time.sleep(1)
    assert pdf is not None, "the talon was not rendered in time"
    assert pdf.headers["Content-Type"].startswith("application/pdf")
    assert "no-store" in pdf.headers.get("Cache-Control", "")
    flat = " ".join(pdf_text(pdf.content, layout=False).split())
    assert appointment["patient"]["full_name"] in flat
    assert appointment["doctor"]["full_name"] in flat
    assert appointment["organization"]["name"] in flat
    assert appointment["service"]["name"] in flat
    assert DEMO_POLICY not in flat.replace(" ", "")

    cancelled = requests.post(f"{api}/appointments/{appointment['id']}/cancel", headers=login)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = requests.post(f"{api}/appointments/{appointment['id']}/cancel", headers=login)
    assert again.status_code == 200 and again.json()["status"] == "cancelled"

    # The slot is free again for the next patient.
    slots = requests.get(f"{api}/doctors/{doctor['id']}/slots", params={
        "service_id": service["id"], "date": slot["start"][:10]}).json()["items"]
    assert next(s for s in slots if s["id"] == slot["id"])["bookable"] is True


def test_someone_elses_appointment_is_a_404(api, login):
    response = requests.get(f"{api}/appointments/{uuid.uuid4()}", headers=login)
    assert response.status_code == 404


def test_a_failed_login_names_both_reasons(api):
    wrong = requests.post(f"{api}/auth/oms", json={
        "document_type": "oms_unified", "policy_number": "5649309309826023", "birth_date": "2001-01-01"})
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "authentication_failed"
    malformed = requests.post(f"{api}/auth/oms", json={
        "document_type": "oms_unified", "policy_number": "5680784863159154", "birth_date": "1985-03-14"})
    assert malformed.status_code == 422
    assert "policy_number" in malformed.json()["error"]["fields"]
