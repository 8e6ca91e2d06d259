"""Pure mappings from the public API's JSON (docs api.md) to FHIR R4 resources.

No Flask, no I/O: each function takes what the services answered and returns a resource dict.
Instants keep the organization's offset, as the services give them (api.md).
"""
from __future__ import annotations

from datetime import datetime

from .ids import make_id

SYSTEM = "urn:registratura:"
ORGANIZATION_SYSTEM = SYSTEM + "organization"
ORGANIZATION_TYPE_SYSTEM = SYSTEM + "organization-type"
SUBDIVISION_SYSTEM = SYSTEM + "subdivision"
SERVICE_SYSTEM = SYSTEM + "service"
SERVICE_FLAG_SYSTEM = SYSTEM + "service-flag"
DOCTOR_SYSTEM = SYSTEM + "doctor"
APPOINTMENT_SYSTEM = SYSTEM + "appointment"
TALON_SYSTEM = SYSTEM + "talon"
SLOT_SYSTEM = SYSTEM + "slot"
HL7_ORG_TYPE = "http://terminology.hl7.org/CodeSystem/organization-type"
HL7_ROLE = "http://terminology.hl7.org/CodeSystem/practitioner-role"

# api.md appointment statuses -> R4 AppointmentStatus (a required binding).
APPOINTMENT_STATUS = {"booked": "booked", "cancelled": "cancelled", "completed": "fulfilled",
                      "no_show": "noshow", "pending": "pending"}
SERVICE_FLAGS = (  # (field of the catalog service, code, display)
    ("self_bookable", "self-bookable", "Запись через портал"),
    ("paid", "paid", "Платная услуга"),
    ("requires_attachment", "requires-attachment", "Только для прикреплённых пациентов"),
)


def reference(resource_type: str, fhir_id: str, display: str | None = None) -> dict:
    ref = {"reference": f"{resource_type}/{fhir_id}"}
    if display:
        ref["display"] = display
    return ref


def instant(value: str) -> str:
    """An ISO 8601 instant with seconds and its offset (FHIR ``instant`` needs both)."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"instant without an offset: {value!r}")
    return moment.isoformat(timespec="seconds")


def _text_concept(text: str | None, system: str | None = None, code: str | None = None) -> dict:
    concept: dict = {}
    if system and code:
        coding = {"system": system, "code": code}
        if text:
            coding["display"] = text
        concept["coding"] = [coding]
    if text:
        concept["text"] = text
    return concept


def _identifier(system: str, value: str) -> list[dict]:
    return [{"use": "official", "system": system, "value": value}]


def organization(org: dict) -> dict:
    resource = {
        "resourceType": "Organization",
        "id": make_id(org["id"]),
        "identifier": _identifier(ORGANIZATION_SYSTEM, org["id"]),
        "active": True,
        "type": [{"coding": [{"system": HL7_ORG_TYPE, "code": "prov",
                              "display": "Healthcare Provider"}]}],
        "name": org["name"],
    }
    if org.get("type_id"):
        resource["type"].append(_text_concept(None, ORGANIZATION_TYPE_SYSTEM, org["type_id"]))
    if org.get("short_name") and org["short_name"] != org["name"]:
        resource["alias"] = [org["short_name"]]
    if org.get("phone"):
        resource["telecom"] = [{"system": "phone", "value": org["phone"], "use": "work"}]
    if org.get("address"):
        resource["address"] = [{"use": "work", "text": org["address"]}]
    return resource


def _location(fhir_id: str, name: str, address: str | None, org: dict,
              identifier: list | None = None) -> dict:
    resource = {"resourceType": "Location", "id": fhir_id, "status": "active", "mode": "instance",
                "name": name,
                "managingOrganization": reference("Organization", make_id(org["id"]), org["name"])}
    if identifier:
        resource["identifier"] = identifier
    if address:
        resource["address"] = {"use": "work", "text": address}
    if org.get("phone"):
        resource["telecom"] = [{"system": "phone", "value": org["phone"], "use": "work"}]
    return resource


def main_location(org: dict) -> dict:
    """The organization's own address as a Location (its id is the organization's)."""
    return _location(make_id(org["id"]), org["name"], org.get("address"), org)


def subdivision_location(org: dict, subdivision: dict) -> dict:
    return _location(make_id(org["id"], subdivision["id"]), subdivision["name"],
                     subdivision.get("address") or org.get("address"), org,
                     _identifier(SUBDIVISION_SYSTEM, subdivision["id"]))


def location_id(org_id: str, subdivision_id: str | None) -> str:
    return make_id(org_id, subdivision_id) if subdivision_id else make_id(org_id)


def healthcare_service(org: dict, service: dict) -> dict:
    flags = [_text_concept(display, SERVICE_FLAG_SYSTEM, code)
             for field, code, display in SERVICE_FLAGS if service.get(field)]
    resource = {
        "resourceType": "HealthcareService",
        "id": make_id(org["id"], service["id"]),
        "identifier": _identifier(SERVICE_SYSTEM, service["id"]),
        "active": True,
        "providedBy": reference("Organization", make_id(org["id"]), org["name"]),
        "type": [_text_concept(service["name"], SERVICE_SYSTEM, service["id"])],
        "name": service["name"],
        "appointmentRequired": True,
    }
    if service.get("specialty"):
        resource["specialty"] = [_text_concept(service["specialty"])]
    if flags:
        resource["characteristic"] = flags
    return resource


def human_name(full_name: str) -> dict:
    """Russian order: family name, given name, patronymic (the patronymic is a given name)."""
    words = full_name.split()
    name = {"use": "official", "text": full_name}
    if words:
        name["family"] = words[0]
    if len(words) > 1:
        name["given"] = words[1:]
    return name


def practitioner(org_id: str, doctor: dict) -> dict:
    return {
        "resourceType": "Practitioner",
        "id": make_id(org_id, doctor["id"]),
        "identifier": _identifier(DOCTOR_SYSTEM, doctor["id"]),
        "active": True,
        "name": [human_name(doctor["full_name"])],
    }


def practitioner_role(org: dict, doctor: dict, service_ids: list[str]) -> dict:
    doctor_ref = make_id(org["id"], doctor["id"])
    resource = {
        "resourceType": "PractitionerRole",
        "id": doctor_ref,
        "identifier": _identifier(DOCTOR_SYSTEM, doctor["id"]),
        "active": True,
        "practitioner": reference("Practitioner", doctor_ref, doctor["full_name"]),
        "organization": reference("Organization", make_id(org["id"]), org["name"]),
        "code": [{"coding": [{"system": HL7_ROLE, "code": "doctor", "display": "Doctor"}]}],
        "location": [reference("Location", location_id(org["id"], doctor.get("subdivision_id")))],
        "healthcareService": [reference("HealthcareService", make_id(org["id"], sid))
                              for sid in service_ids],
    }
    if doctor.get("specialty"):
        resource["specialty"] = [_text_concept(doctor["specialty"])]
    return resource


def schedule(org: dict, doctor: dict, service: dict) -> dict:
    resource = {
        "resourceType": "Schedule",
        "id": make_id(org["id"], doctor["id"], service["id"]),
        "active": True,
        "serviceType": [_text_concept(service["name"], SERVICE_SYSTEM, service["id"])],
        "actor": [
            reference("Practitioner", make_id(org["id"], doctor["id"]), doctor["full_name"]),
            reference("PractitionerRole", make_id(org["id"], doctor["id"])),
            reference("HealthcareService", make_id(org["id"], service["id"]), service["name"]),
            reference("Location", location_id(org["id"], doctor.get("subdivision_id"))),
        ],
    }
    if service.get("specialty") or doctor.get("specialty"):
        resource["specialty"] = [_text_concept(service.get("specialty") or doctor["specialty"])]
    if doctor.get("room"):
        resource["comment"] = f"Кабинет {doctor['room']}"
    return resource


def slot_id(org_id: str, doctor_id: str, service_id: str, slot: dict) -> str:
    day = datetime.fromisoformat(slot["start"]).strftime("%Y%m%d")
    return make_id(org_id, doctor_id, service_id, day, str(slot["id"]))


def slot(org_id: str, doctor_id: str, service_id: str, item: dict) -> dict:
    """A slot of the doctor's day for this service; the public API only tells bookable or not."""
    return {
        "resourceType": "Slot",
        "id": slot_id(org_id, doctor_id, service_id, item),
        "identifier": _identifier(SLOT_SYSTEM, str(item["id"])),
        "serviceType": [_text_concept(None, SERVICE_SYSTEM, service_id)],
        "schedule": reference("Schedule", make_id(org_id, doctor_id, service_id)),
        "status": "free" if item.get("bookable") else "busy",
        "start": instant(item["start"]),
        "end": instant(item["end"]),
    }


def appointment(item: dict) -> dict:
    org, doctor, service = item["organization"], item["doctor"], item["service"]
    patient = item.get("patient") or {}
    resource = {
        "resourceType": "Appointment",
        "id": make_id(item["id"]),
        "identifier": _identifier(APPOINTMENT_SYSTEM, item["id"]),
        "status": APPOINTMENT_STATUS.get(item["status"], "entered-in-error"),
        "serviceType": [_text_concept(service.get("name"), SERVICE_SYSTEM, service["id"])],
        "start": instant(item["start"]),
        "end": instant(item["end"]),
        "participant": [
            {"actor": reference("Patient", make_id(patient["id"]), patient.get("full_name")),
             "required": "required", "status": "accepted"},
            {"actor": reference("Practitioner", make_id(org["id"], doctor["id"]),
                                doctor.get("full_name")),
             "required": "required", "status": "accepted"},
            {"actor": reference("HealthcareService", make_id(org["id"], service["id"]),
                                service.get("name")),
             "required": "information-only", "status": "accepted"},
            {"actor": reference("Location", make_id(org["id"]),
                                org.get("address") or org.get("name")),
             "required": "information-only", "status": "accepted"},
        ],
    }
    ticket = (item.get("ticket") or {}).get("number")
    if ticket:
        resource["identifier"].append({"use": "secondary", "system": TALON_SYSTEM, "value": ticket})
    if doctor.get("specialty"):
        resource["specialty"] = [_text_concept(doctor["specialty"])]
    if item.get("created_at"):
        resource["created"] = instant(item["created_at"])
    if doctor.get("room"):
        resource["comment"] = f"Кабинет {doctor['room']}"
    return resource


def proposed_appointment(slot_resource: dict, schedule_resource: dict, window: tuple) -> dict:
    """A free slot offered as an Appointment to book ($find); it has no id until it is booked."""
    actors = {a["reference"].split("/")[0]: a for a in schedule_resource["actor"]}
    resource = {
        "resourceType": "Appointment",
        "status": "proposed",
        "serviceType": schedule_resource["serviceType"],
        "start": slot_resource["start"],
        "end": slot_resource["end"],
        "slot": [reference("Slot", slot_resource["id"])],
        "participant": [
            {"actor": actors["Practitioner"], "required": "required", "status": "needs-action"},
            {"actor": actors["Location"], "required": "required", "status": "needs-action"},
            {"actor": actors["HealthcareService"], "required": "information-only",
             "status": "needs-action"},
        ],
        "requestedPeriod": [{"start": window[0].isoformat(timespec="seconds"),
                             "end": window[1].isoformat(timespec="seconds")}],
    }
    if schedule_resource.get("specialty"):
        resource["specialty"] = schedule_resource["specialty"]
    if schedule_resource.get("comment"):
        resource["comment"] = schedule_resource["comment"]
    return resource
