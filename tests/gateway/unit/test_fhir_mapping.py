"""The FHIR mappers: each resource type they produce is valid against the HL7 definitions."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from gateway.fhir import mapping
from gateway.fhir.capability import capability_statement
from gateway.fhir.ids import make_id, split_id
from gateway.fhir.outcome import FhirError, operation_outcome, searchset

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fhir_r4 import validate  # noqa: E402

pytestmark = pytest.mark.unit

ORG = {"id": "o-0001", "name": "ГАУЗ «Городская поликлиника № 1»", "short_name": "ГП № 1",
       "address": "г. Оренбург, ул. Советская, 1", "phone": "+7 (3532) 00-00-01",
       "district_id": "d-001", "type_id": "t-01", "timezone": "Asia/Yekaterinburg",
       "subdivisions": [{"id": "sd-0001-1", "name": "Взрослая поликлиника",
                         "address": "г. Оренбург, ул. Советская, 3"}]}
SERVICE = {"id": "svc-0001-01", "name": "Приём врача-терапевта участкового",
           "specialty": "Терапия", "self_bookable": True, "paid": False,
           "requires_attachment": True}
DOCTOR = {"id": "doc-000001", "full_name": "Петрова Анна Сергеевна", "specialty": "Терапия",
          "subdivision_id": "sd-0001-1", "room": "101"}
SLOT = {"id": "123456", "start": "2026-12-01T08:15:00+05:00", "end": "2026-12-01T08:30:00+05:00",
        "bookable": True}
APPOINTMENT = {
    "id": "3f2b8c1e-5d4a-4b7e-9c1f-2a3b4c5d6e7f", "status": "booked",
    "start": "2026-12-01T08:15:00+05:00", "end": "2026-12-01T08:30:00+05:00",
    "organization": {"id": "o-0001", "name": ORG["name"], "address": ORG["address"]},
    "doctor": {"id": "doc-000001", "full_name": DOCTOR["full_name"], "specialty": "Терапия",
               "room": "101"},
    "service": {"id": "svc-0001-01", "name": SERVICE["name"], "paid": False},
    "patient": {"id": "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d", "full_name": "Иванов Иван Иванович"},
    "ticket": {"number": "ГП1-000123"}, "created_at": "2026-11-29T10:00:00+05:00",
    "channel": "portal", "flagged": False, "flag_reason": None}


def test_organization_is_valid_r4_and_keeps_the_catalog_id():
    resource = mapping.organization(ORG)
    validate(resource)
    assert resource["id"] == "o-0001"
    assert resource["identifier"][0] == {"use": "official", "system": mapping.ORGANIZATION_SYSTEM,
                                         "value": "o-0001"}
    assert resource["alias"] == ["ГП № 1"]
    assert resource["address"][0]["text"] == ORG["address"]


def test_main_and_subdivision_locations_are_valid_r4():
    main = mapping.main_location(ORG)
    sub = mapping.subdivision_location(ORG, ORG["subdivisions"][0])
    for resource in (main, sub):
        validate(resource)
        assert resource["managingOrganization"]["reference"] == "Organization/o-0001"
    assert main["id"] == "o-0001" and sub["id"] == "o-0001.sd-0001-1"
    assert sub["address"]["text"] == "г. Оренбург, ул. Советская, 3"


def test_healthcare_service_tells_its_booking_rules_as_characteristics():
    resource = mapping.healthcare_service(ORG, SERVICE)
    validate(resource)
    assert resource["id"] == "o-0001.svc-0001-01"
    codes = [c["coding"][0]["code"] for c in resource["characteristic"]]
    assert codes == ["self-bookable", "requires-attachment"]
    assert resource["providedBy"]["reference"] == "Organization/o-0001"


def test_practitioner_name_is_family_then_given_names():
    resource = mapping.practitioner("o-0001", DOCTOR)
    validate(resource)
    assert resource["id"] == "o-0001.doc-000001"
    assert resource["name"][0] == {"use": "official", "text": "Петрова Анна Сергеевна",
                                   "family": "Петрова", "given": ["Анна", "Сергеевна"]}


def test_practitioner_role_links_doctor_organization_place_and_services():
    resource = mapping.practitioner_role(ORG, DOCTOR, ["svc-0001-01", "svc-0001-02"])
    validate(resource)
    assert resource["practitioner"]["reference"] == "Practitioner/o-0001.doc-000001"
    assert resource["location"][0]["reference"] == "Location/o-0001.sd-0001-1"
    assert [r["reference"] for r in resource["healthcareService"]] == [
        "HealthcareService/o-0001.svc-0001-01", "HealthcareService/o-0001.svc-0001-02"]


def test_a_doctor_without_subdivision_works_at_the_organizations_address():
    resource = mapping.practitioner_role(ORG, {**DOCTOR, "subdivision_id": None}, ["svc-0001-01"])
    validate(resource)
    assert resource["location"][0]["reference"] == "Location/o-0001"


def test_schedule_id_is_organization_doctor_and_service():
    resource = mapping.schedule(ORG, DOCTOR, SERVICE)
    validate(resource)
    assert resource["id"] == "o-0001.doc-000001.svc-0001-01"
    assert split_id("Schedule", resource["id"]) == ("o-0001", "doc-000001", "svc-0001-01")
    assert [a["reference"].split("/")[0] for a in resource["actor"]] == [
        "Practitioner", "PractitionerRole", "HealthcareService", "Location"]
    assert resource["comment"] == "Кабинет 101"


@pytest.mark.parametrize("bookable,status", [(True, "free"), (False, "busy")])
def test_slot_keeps_the_organizations_offset_and_tells_free_or_busy(bookable, status):
    resource = mapping.slot("o-0001", "doc-000001", "svc-0001-01", {**SLOT, "bookable": bookable})
    validate(resource)
    assert resource["status"] == status
    assert resource["start"] == "2026-12-01T08:15:00+05:00"
    assert resource["end"] == "2026-12-01T08:30:00+05:00"
    assert resource["id"] == "o-0001.doc-000001.svc-0001-01.20261201.123456"
    assert resource["schedule"]["reference"] == "Schedule/o-0001.doc-000001.svc-0001-01"


def test_slot_instants_get_seconds_when_the_service_gave_minutes():
    resource = mapping.slot("o-0001", "doc-000001", "svc-0001-01",
                            {**SLOT, "start": "2026-12-01T08:15+05:00"})
    assert resource["start"] == "2026-12-01T08:15:00+05:00"


@pytest.mark.parametrize("status,fhir_status", [
    ("booked", "booked"), ("cancelled", "cancelled"), ("completed", "fulfilled"),
    ("no_show", "noshow")])
def test_appointment_is_valid_r4_with_its_status_mapped(status, fhir_status):
    resource = mapping.appointment({**APPOINTMENT, "status": status})
    validate(resource)
    assert resource["status"] == fhir_status
    actors = [p["actor"]["reference"] for p in resource["participant"]]
    assert actors == ["Patient/0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d",
                      "Practitioner/o-0001.doc-000001", "HealthcareService/o-0001.svc-0001-01",
                      "Location/o-0001"]
    assert {"use": "secondary", "system": mapping.TALON_SYSTEM, "value": "ГП1-000123"} in \
        resource["identifier"]
    assert resource["start"] == "2026-12-01T08:15:00+05:00"
    assert resource["created"] == "2026-11-29T10:00:00+05:00"


def test_ids_that_are_not_fhir_ids_are_encoded_reversibly():
    odd = "svc_01.a"
    fhir_id = make_id("o-0001", odd)
    assert fhir_id == "o-0001.-" + odd.encode().hex()
    assert split_id("HealthcareService", fhir_id) == ("o-0001", odd)
    validate(mapping.healthcare_service(ORG, {**SERVICE, "id": odd}))


@pytest.mark.parametrize("kind,fhir_id", [
    ("Schedule", "o-0001.doc-1"),          # a part missing
    ("Practitioner", "o-0001.doc_1"),      # not a FHIR id
    ("Organization", "-zz"),               # not hex
    ("Organization", "-ff"),               # not UTF-8
    ("Slot", "a" * 65),                    # too long
])
def test_ids_that_cannot_be_ours_are_refused(kind, fhir_id):
    assert split_id(kind, fhir_id) is None


def test_operation_outcome_is_valid_r4():
    validate(operation_outcome("not-found", "Ресурс не найден"))
    validate(FhirError(400, "Параметр поиска foo не поддерживается").resource())


def test_searchset_pages_carry_next_and_previous_links():
    slots = [mapping.slot("o-0001", "doc-000001", "svc-0001-01",
                          {**SLOT, "id": str(n)}) for n in range(5)]
    page = searchset(slots, base_url="http://x/fhir/R4", resource_type="Slot",
                     query=[("status", "free")], offset=2, count=2)
    validate(page)
    assert page["total"] == 5
    assert [e["resource"]["identifier"][0]["value"] for e in page["entry"]] == ["2", "3"]
    links = {link["relation"]: link["url"] for link in page["link"]}
    assert links["next"] == "http://x/fhir/R4/Slot?status=free&_count=2&_offset=4"
    assert links["previous"] == "http://x/fhir/R4/Slot?status=free&_count=2&_offset=0"
    last = searchset(slots, base_url="http://x/fhir/R4", resource_type="Slot", query=[],
                     offset=4, count=2)
    assert "next" not in {link["relation"] for link in last["link"]}


def test_an_empty_searchset_has_no_entry_array():
    page = searchset([], base_url="http://x/fhir/R4", resource_type="Slot", query=[], offset=0,
                     count=10)
    validate(page)
    assert page["total"] == 0 and "entry" not in page


def test_capability_statement_is_valid_r4_and_lists_every_type():
    from gateway.fhir.api import KINDS

    statement = capability_statement(KINDS, "http://x/fhir/R4", "0.1.0", "2026-12-01")
    validate(statement)
    resources = {r["type"]: r for r in statement["rest"][0]["resource"]}
    assert set(resources) == {"Slot", "Schedule", "Appointment", "Practitioner",
                              "PractitionerRole", "HealthcareService", "Location", "Organization"}
    slot_params = {p["name"] for p in resources["Slot"]["searchParam"]}
    assert {"schedule", "start", "status", "_count"} <= slot_params
    assert statement["fhirVersion"] == "4.0.1"


def test_a_proposed_appointment_names_its_slot_and_who_to_see():
    from datetime import datetime

    free = mapping.slot("o-0001", "doc-000001", "svc-0001-01", SLOT)
    schedule = mapping.schedule(ORG, DOCTOR, SERVICE)
    window = (datetime.fromisoformat("2026-12-01T00:00:00+05:00"),
              datetime.fromisoformat("2026-12-15T00:00:00+05:00"))
    offer = mapping.proposed_appointment(free, schedule, window)
    validate(offer)
    assert offer["status"] == "proposed" and "id" not in offer
    assert offer["slot"] == [{"reference": f"Slot/{free['id']}"}]
    assert [p["actor"]["reference"] for p in offer["participant"]] == [
        "Practitioner/o-0001.doc-000001", "Location/o-0001.sd-0001-1",
        "HealthcareService/o-0001.svc-0001-01"]
    assert offer["requestedPeriod"] == [{"start": "2026-12-01T00:00:00+05:00",
                                         "end": "2026-12-15T00:00:00+05:00"}]


@pytest.mark.parametrize("change", [
    {"status": "open"},                                  # not an R4 SlotStatus code
    {"schedule": None},                                  # a required element missing
    {"identifier": []},                                  # FHIR JSON has no empty arrays
    {"start": "2026-12-01T08:15:00"},                    # an instant needs its offset
    {"colour": "green"},                                 # no such element
    {"id": "o-0001.doc_1"},                              # not a FHIR id
])
def test_the_validation_itself_refuses_what_r4_forbids(change):
    resource = {**mapping.slot("o-0001", "doc-000001", "svc-0001-01", SLOT), **change}
    resource = {k: v for k, v in resource.items() if v is not None}
    with pytest.raises((AssertionError, ValueError)):
        validate(resource)
