"""The FHIR R4 read API against fake services: every resource valid R4, the searches the
scheduling guides name, paging, and an OperationOutcome for every error."""
from __future__ import annotations

import sys
import uuid
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fhir_r4 import validate  # noqa: E402

pytestmark = pytest.mark.integration

FHIR = "/fhir/R4"
TOKEN = "tok-patient-1"  # the fake auth's patient p-1
BEARER = {"Authorization": f"Bearer {TOKEN}"}
SCHEDULE = "o-0001.doc-1.svc-01"
MONDAY = date.today() + timedelta(days=7 - date.today().weekday())


def fhir_get(client, path, **kw):
    response = client.get(FHIR + path, **kw)
    assert response.content_type == "application/fhir+json; charset=utf-8", response.data
    body = response.get_json(force=True)
    validate(body)
    return response, body


def entries(bundle):
    return [e["resource"] for e in bundle.get("entry", [])]


def book(client, day: date) -> str:
    response = client.post("/api/v1/appointments", headers={
        **BEARER, "Idempotency-Key": str(uuid.uuid4())},
        json={"slot_id": f"{day.isoformat()}-101", "service_id": "svc-01",
              "consent_version": "2026-01"})
    assert response.status_code == 201, response.data
    return response.get_json()["id"]


def test_metadata_is_a_capability_statement_for_every_type(client, fakes):
    response, body = fhir_get(client, "/metadata")
    assert response.status_code == 200
    assert body["resourceType"] == "CapabilityStatement" and body["fhirVersion"] == "4.0.1"
    types = {r["type"] for r in body["rest"][0]["resource"]}
    assert types == {"Slot", "Schedule", "Appointment", "Practitioner", "PractitionerRole",
                     "HealthcareService", "Location", "Organization"}
    assert "Set-Cookie" not in response.headers  # stateless: no session is opened


SEARCHES = [
    ("Organization", "", "o-0001"),
    ("Organization", "?name=ГАУЗ", "o-0001"),
    ("Organization", "?identifier=urn:registratura:organization|o-0001", "o-0001"),
    ("Location", "?organization=Organization/o-0001", "o-0001.sd-1"),
    ("HealthcareService", "?organization=o-0001", "o-0001.svc-02"),
    ("Practitioner", "?organization=o-0001&name=Петрова", "o-0001.doc-1"),
    ("Practitioner", "?_id=o-0001.doc-1", "o-0001.doc-1"),
    ("PractitionerRole", "?service=HealthcareService/o-0001.svc-01", "o-0001.doc-1"),
    ("Schedule", "?actor=Practitioner/o-0001.doc-1", SCHEDULE),
    ("Schedule", "?actor=HealthcareService/o-0001.svc-01", SCHEDULE),
    ("Schedule", "?actor:Location=o-0001.sd-1", SCHEDULE),
    ("Slot", f"?schedule=Schedule/{SCHEDULE}&start=ge{MONDAY}&start=lt{MONDAY + timedelta(1)}"
             "&status=free", f"{SCHEDULE}.{MONDAY:%Y%m%d}.{MONDAY}-101"),
]


@pytest.mark.parametrize("resource_type,query,expected_id", SEARCHES)
def test_searches_answer_valid_searchset_bundles_that_read_back(client, fakes, resource_type,
                                                                query, expected_id):
    response, bundle = fhir_get(client, f"/{resource_type}{query}")
    assert response.status_code == 200
    assert bundle["type"] == "searchset"
    found = {r["id"]: r for r in entries(bundle)}
    assert expected_id in found and all(r["resourceType"] == resource_type for r in found.values())
    read, resource = fhir_get(client, f"/{resource_type}/{expected_id}")
    assert read.status_code == 200 and resource == found[expected_id]


def test_a_doctor_days_free_slots_are_the_bookable_times_of_the_public_api(client, fakes):
    day = MONDAY.isoformat()
    public = client.get(f"/api/v1/doctors/doc-1/slots?service_id=svc-01&date={day}").get_json()
    _, free = fhir_get(client, f"/Slot?schedule={SCHEDULE}&start=ge{day}&start=le{day}"
                               "&status=free")
    _, busy = fhir_get(client, f"/Slot?schedule={SCHEDULE}&start={day}&status=busy")
    assert [s["start"] for s in entries(free)] == \
        [s["start"] for s in public["items"] if s["bookable"]]
    assert [s["start"] for s in entries(busy)] == \
        [s["start"] for s in public["items"] if not s["bookable"]]
    assert free["total"] == 2 and busy["total"] == 1


def test_the_default_slot_search_covers_the_grids_two_weeks(client, fakes):
    _, bundle = fhir_get(client, f"/Slot?schedule=Schedule/{SCHEDULE}&status=free&_count=500")
    days = client.get(f"/api/v1/doctors/doc-1/days?service_id=svc-01&from={date.today()}"
                      f"&to={date.today() + timedelta(days=13)}").get_json()["items"]
    assert bundle["total"] == sum(d["free"] for d in days)
    starts = [s["start"] for s in entries(bundle)]
    assert starts == sorted(starts)


def test_next_links_walk_every_page_once(client, fakes):
    url = f"{FHIR}/Slot?schedule=Schedule/{SCHEDULE}&status=free&_count=3"
    seen, pages = [], 0
    while url:
        _, bundle = fhir_get(client, url[len(FHIR):] if url.startswith(FHIR) else
                             urlsplit(url).path[len(FHIR):] + "?" + urlsplit(url).query)
        pages += 1
        seen += [r["id"] for r in entries(bundle)]
        assert len(entries(bundle)) <= 3
        url = next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None)
    assert len(seen) == len(set(seen)) == bundle["total"]
    assert pages == -(-bundle["total"] // 3)


def test_a_patient_reads_and_finds_their_own_appointment(client, fakes):
    appointment_id = book(client, MONDAY)
    public = client.get(f"/api/v1/appointments/{appointment_id}", headers=BEARER).get_json()
    response, resource = fhir_get(client, f"/Appointment/{appointment_id}", headers=BEARER)
    assert response.status_code == 200
    assert resource["status"] == "booked" and resource["start"] == public["start"]
    assert resource["participant"][0]["actor"]["reference"] == "Patient/p-1"
    assert response.headers["Cache-Control"] == "private, no-store"
    _, mine = fhir_get(client, "/Appointment?patient=Patient/p-1", headers=BEARER)
    assert [a["id"] for a in entries(mine)] == [appointment_id]
    _, theirs = fhir_get(client, "/Appointment?patient=Patient/p-2", headers=BEARER)
    assert theirs["total"] == 0


def test_someone_elses_appointment_is_not_found(client, fakes):
    response, outcome = fhir_get(client, f"/Appointment/{uuid.uuid4()}", headers=BEARER)
    assert response.status_code == 404
    assert outcome["issue"][0]["code"] == "not-found"


ERRORS = [
    ("/Patient", {}, 404, "not-supported"),
    ("/Slot/o-0001.doc-1.svc-01.20261201.nope", {}, 404, "not-found"),
    ("/Organization/o-9999", {}, 404, "not-found"),
    ("/Practitioner/not_an_id", {}, 404, "not-found"),
    ("/Slot?schedule=Schedule/x.y.z&colour=red", {}, 400, "invalid"),
    ("/Slot?schedule=Schedule/x.y.z&start=tomorrow", {}, 400, "invalid"),
    ("/Slot?schedule=Schedule/x.y.z&start=sa2026-12-01", {}, 400, "invalid"),
    (f"/Slot?schedule={SCHEDULE}&start=ge2026-01-01&start=lt2026-12-31", {}, 400, "too-costly"),
    ("/Slot?status=free", {}, 400, "too-costly"),
    ("/Practitioner?name=Петрова", {}, 400, "too-costly"),
    ("/Schedule?actor=o-0001.doc-1", {}, 400, "invalid"),
    ("/Slot?_count=many", {}, 400, "invalid"),
    ("/Appointment", {}, 401, "login"),
    ("/Appointment/a-1", {}, 401, "login"),
    ("/Appointment", {"Authorization": "Bearer expired"}, 401, "login"),
    ("/Appointment", {"Authorization": "Basic abc"}, 401, "login"),
    ("/metadata?_format=xml", {}, 406, "not-supported"),
    ("/Slot/a/_history/1", {}, 404, "not-supported"),
]


@pytest.mark.parametrize("path,headers,status,issue", ERRORS)
def test_every_error_is_an_operation_outcome(client, fakes, path, headers, status, issue):
    response, outcome = fhir_get(client, path, headers=headers)
    assert response.status_code == status
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == issue
    assert outcome["issue"][0]["details"]["text"]
    if status == 401:
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_writes_are_refused_with_an_operation_outcome(client, fakes):
    response = client.post(FHIR + "/Slot", json={"resourceType": "Slot"})
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD"
    validate(response.get_json(force=True))


def test_lenient_handling_ignores_unknown_parameters(client, fakes):
    response, bundle = fhir_get(client, "/Organization?colour=red",
                                headers={"Prefer": "handling=lenient"})
    assert response.status_code == 200 and bundle["total"] == 1
    assert "colour" not in bundle["link"][0]["url"]


def test_only_public_routes_are_called_without_the_internal_token(client, fakes):
    for path in ("/Practitioner/o-0001.doc-1", "/Schedule/" + SCHEDULE,
                 f"/Slot?schedule={SCHEDULE}&start={MONDAY}", "/Location/o-0001.sd-1",
                 "/PractitionerRole/o-0001.doc-1", "/HealthcareService/o-0001.svc-01"):
        assert fhir_get(client, path)[0].status_code == 200
    assert fakes.calls
    assert all(c["path"].startswith("/v1/") for c in fakes.calls)
    assert not any("X-Internal-Token" in c["headers"] for c in fakes.calls)


def test_a_service_down_is_a_transient_operation_outcome(gateway_db, fake_urls, fakes):
    from gateway.app import create_app

    from .conftest import make_settings

    closed = dict(fake_urls, schedule="http://127.0.0.1:9")
    app = create_app(make_settings(gateway_db, closed, http_timeout_seconds=0.5))
    response = app.test_client().get(f"{FHIR}/Slot?schedule={SCHEDULE}")
    assert response.status_code == 503
    outcome = response.get_json(force=True)
    validate(outcome)
    assert outcome["issue"][0]["code"] == "transient"


def test_an_unexpected_failure_is_an_operation_outcome_too(client, fakes, monkeypatch):
    from gateway.fhir import data

    def broken(_text=None):
        raise RuntimeError("boom")

    monkeypatch.setattr(data, "organizations", broken)
    response, outcome = fhir_get(client, "/Organization")
    assert response.status_code == 500
    assert outcome["issue"][0]["code"] == "exception"
    assert "boom" not in response.get_data(as_text=True)


def test_find_offers_the_earliest_free_times_of_a_doctor(client, fakes):
    response, bundle = fhir_get(client, "/Appointment/$find?practitioner=Practitioner/o-0001.doc-1"
                                        f"&start={MONDAY}&_count=3")
    assert response.status_code == 200
    offers = entries(bundle)
    _, free = fhir_get(client, f"/Slot?schedule={SCHEDULE}&start=ge{MONDAY}&status=free&_count=3")
    assert [o["slot"][0]["reference"] for o in offers] == \
        [f"Slot/{s['id']}" for s in entries(free)]
    assert all(o["status"] == "proposed" for o in offers)
    assert offers[0]["participant"][0]["actor"]["reference"] == "Practitioner/o-0001.doc-1"
    assert len({e["fullUrl"] for e in bundle["entry"]}) == 3


def test_find_by_service_needs_the_organization(client, fakes):
    response, bundle = fhir_get(client, "/Appointment/$find?visit-type=svc-01&organization=o-0001"
                                        f"&start={MONDAY}T08:10:00%2B05:00&end={MONDAY}")
    assert response.status_code == 200
    assert [o["start"] for o in entries(bundle)] == [f"{MONDAY}T08:30:00+05:00"]
    response, outcome = fhir_get(client, "/Appointment/$find?visit-type=svc-01")
    assert response.status_code == 400 and outcome["issue"][0]["code"] == "too-costly"
    response, outcome = fhir_get(client, "/Appointment/$find?practitioner=Practitioner/o-0001"
                                         ".doc-1&start=ge2026-12-01")
    assert response.status_code == 400 and outcome["issue"][0]["code"] == "invalid"


def test_metadata_declares_the_find_operation(client, fakes):
    _, statement = fhir_get(client, "/metadata")
    appointment = next(r for r in statement["rest"][0]["resource"] if r["type"] == "Appointment")
    assert appointment["operation"][0]["name"] == "find"
