"""The FHIR R4 API through the real stack gives the same answers as the public API for the same
data: the doctors, the free times of a doctor's day, the patient's own appointments."""
from __future__ import annotations

import json
import sys
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "gateway"))
from fhir_r4 import validate  # noqa: E402

pytestmark = pytest.mark.e2e

ORG = "o-0001"


@pytest.fixture(scope="module")
def urls(stack):
    base = stack.url("gateway")
    return base + "/api/v1", base + "/fhir/R4"


def fhir_get(url, params=None, headers=None):
    response = requests.get(url, params=params, headers=headers, timeout=30)
    assert response.headers["Content-Type"] == "application/fhir+json; charset=utf-8", \
        response.text
    body = response.json()
    validate(body)
    return response, body


def search_all(url, params=None, headers=None) -> list[dict]:
    """Every match of a search, following the next links."""
    found, pages = [], 0
    response, bundle = fhir_get(url, params, headers)
    while True:
        assert response.status_code == 200, bundle
        found += [e["resource"] for e in bundle.get("entry", [])]
        pages += 1
        following = [link["url"] for link in bundle["link"] if link["relation"] == "next"]
        if not following:
            break
        response, bundle = fhir_get(following[0], headers=headers)
    assert len(found) == bundle["total"]
    return found


def test_metadata_describes_the_api(urls):
    _api, fhir = urls
    response, statement = fhir_get(f"{fhir}/metadata")
    assert response.status_code == 200 and statement["fhirVersion"] == "4.0.1"


def test_organization_services_and_practitioners_are_the_catalogs(urls):
    api, fhir = urls
    org = requests.get(f"{api}/organizations/{ORG}", timeout=10).json()
    _, organization = fhir_get(f"{fhir}/Organization/{ORG}")
    assert organization["name"] == org["name"]
    assert organization["address"][0]["text"] == org["address"]
    everyone = requests.get(f"{api}/organizations", timeout=10).json()["items"]
    assert sorted(o["id"] for o in search_all(f"{fhir}/Organization", {"_count": 7})) == \
        sorted(o["id"] for o in everyone)

    services = requests.get(f"{api}/organizations/{ORG}/services", timeout=10).json()["items"]
    fhir_services = search_all(f"{fhir}/HealthcareService", {"organization": ORG})
    assert [s["name"] for s in fhir_services] == [s["name"] for s in services]

    doctors: dict = {}
    for service in services:
        for doctor in requests.get(f"{api}/organizations/{ORG}/services/{service['id']}/doctors",
                                   timeout=10).json()["items"]:
            doctors[doctor["id"]] = doctor
    practitioners = search_all(f"{fhir}/Practitioner", {"organization": ORG, "_count": 5})
    assert {p["identifier"][0]["value"]: p["name"][0]["text"] for p in practitioners} == \
        {d["id"]: d["full_name"] for d in doctors.values()}
    roles = search_all(f"{fhir}/PractitionerRole", {"organization": f"Organization/{ORG}"})
    assert len(roles) == len(doctors)


def _doctor_day(api):
    """A self-bookable service, one of its doctors and a day with free times (public API)."""
    services = requests.get(f"{api}/organizations/{ORG}/services", timeout=10).json()["items"]
    today = date.today()
    for service in (s for s in services if s["self_bookable"] and not s["requires_attachment"]
                    and not s.get("requires_referral")):
        for doctor in requests.get(f"{api}/organizations/{ORG}/services/{service['id']}/doctors",
                                   timeout=10).json()["items"]:
            days = requests.get(f"{api}/doctors/{doctor['id']}/days", timeout=10, params={
                "service_id": service["id"], "from": today.isoformat(),
                "to": (today + timedelta(days=13)).isoformat()}).json()["items"]
            for day in days:
                if day["bookable"] and day["free"]:
                    return service, doctor, day
    raise AssertionError("no doctor-day with free times in the demo organization")


def test_free_slots_of_a_doctor_day_are_the_public_apis_bookable_times(urls):
    api, fhir = urls
    service, doctor, day = _doctor_day(api)
    schedule_id = f"{ORG}.{doctor['id']}.{service['id']}"
    schedules = search_all(f"{fhir}/Schedule", {"actor": f"Practitioner/{ORG}.{doctor['id']}"})
    assert schedule_id in [s["id"] for s in schedules]

    def public_slots():
        # Past the gateway's micro-cache (a copy up to 5 s old would compare stale times).
        return requests.get(f"{api}/doctors/{doctor['id']}/slots", timeout=10, params={
            "service_id": service["id"], "date": day["date"],
            "fresh": uuid.uuid4().hex}).json()["items"]

    following = (date.fromisoformat(day["date"]) + timedelta(days=1)).isoformat()
    for _attempt in range(3):
        # Earlier tests leave work behind (waiting-list offers hold freed times): compare a
        # FHIR answer with public answers read just before and after it that agree.
        public = public_slots()
        free = search_all(f"{fhir}/Slot", [("schedule", f"Schedule/{schedule_id}"),
                                           ("start", f"ge{day['date']}"),
                                           ("start", f"lt{following}"),
                                           ("status", "free"), ("_count", "4")])
        if public_slots() == public:
            break
    assert [(s["start"], s["end"]) for s in free] == \
        [(p["start"], p["end"]) for p in public if p["bookable"]]
    counted = requests.get(f"{api}/doctors/{doctor['id']}/days", timeout=10, params={
        "service_id": service["id"], "from": day["date"], "to": day["date"],
        "fresh": uuid.uuid4().hex}).json()["items"][0]
    assert len(free) == counted["free"]
    every = search_all(f"{fhir}/Slot", {"schedule": schedule_id, "start": day["date"]})
    assert len(every) == len(public)
    _, one = fhir_get(f"{fhir}/Slot/{free[0]['id']}")
    assert one == free[0]
    # The day is the doctor's first with free times: $find offers its first free time.
    _, offers = fhir_get(f"{fhir}/Appointment/$find", {
        "practitioner": f"Practitioner/{ORG}.{doctor['id']}", "visit-type": service["id"],
        "_count": "1"})
    assert [e["resource"]["slot"][0]["reference"] for e in offers["entry"]] == \
        [f"Slot/{free[0]['id']}"]


@pytest.fixture(scope="module")
def two_patients(stack, tmp_path_factory, urls):
    api, _fhir = urls
    out = tmp_path_factory.mktemp("fhir_patients") / "patients.json"
    stack.run_step("auth", "seed-bench-patients", "--count", "2", "--organization-id", ORG,
                   "--out", str(out), quiet=True)
    logged_in = []
    for patient in json.loads(out.read_text())["patients"]:
        answer = requests.post(f"{api}/auth/oms", timeout=30, json={
            "document_type": patient["document_type"], "policy_number": patient["policy_number"],
            "birth_date": patient["birth_date"]})
        assert answer.status_code == 200, answer.text
        logged_in.append((answer.json()["patient"]["id"],
                          {"Authorization": f"Bearer {answer.json()['access_token']}"}))
    return logged_in


def test_the_patients_appointments_are_the_public_apis_and_nobody_elses(urls, two_patients):
    api, fhir = urls
    (patient_id, mine), (other_id, theirs) = two_patients
    service, doctor, day = _doctor_day(api)
    slot = next(s for s in requests.get(f"{api}/doctors/{doctor['id']}/slots", timeout=10, params={
        "service_id": service["id"], "date": day["date"]}).json()["items"] if s["bookable"])
    consent = requests.get(f"{api}/consent", timeout=10).json()["version"]
    booked = requests.post(f"{api}/appointments", timeout=30, headers={
        **mine, "Idempotency-Key": str(uuid.uuid4())}, json={
        "slot_id": slot["id"], "service_id": service["id"], "consent_version": consent})
    assert booked.status_code == 201, booked.text

    public = requests.get(f"{api}/appointments", params={"status": "active"}, headers=mine,
                          timeout=10).json()["items"]
    found = search_all(f"{fhir}/Appointment", {"patient": f"Patient/{patient_id}"}, mine)
    assert [(a["id"], a["status"], a["start"], a["end"]) for a in found] == \
        [(p["id"], "booked", p["start"], p["end"]) for p in public]
    assert booked.json()["id"] in [a["id"] for a in found]
    _, read = fhir_get(f"{fhir}/Appointment/{booked.json()['id']}", headers=mine)
    assert read["participant"][1]["actor"]["reference"] == f"Practitioner/{ORG}.{doctor['id']}"

    response, outcome = fhir_get(f"{fhir}/Appointment/{booked.json()['id']}", headers=theirs)
    assert response.status_code == 404 and outcome["issue"][0]["code"] == "not-found"
    _, nothing = fhir_get(f"{fhir}/Appointment", {"patient": f"Patient/{patient_id}"}, theirs)
    assert nothing["total"] == 0
    _, not_mine = fhir_get(f"{fhir}/Appointment", {"patient": f"Patient/{other_id}"}, mine)
    assert not_mine["total"] == 0
    response, outcome = fhir_get(f"{fhir}/Appointment")
    assert response.status_code == 401 and outcome["issue"][0]["code"] == "login"
