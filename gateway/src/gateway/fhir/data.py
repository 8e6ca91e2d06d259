"""What the FHIR API reads, through the gateway's upstream helper to the services' public routes.

Anonymous catalog and schedule reads may come from the gateway's micro-cache, like the UI's;
appointments are read with the caller's own token and never cached.
"""
from __future__ import annotations

from regcommon.errors import ApiError

from ..ui.common import get_json, q


def _get(service: str, path: str, *, params=None, token=None, missing_ok=False):
    try:
        return get_json(service, path, params=params, token=token, cached=token is None)
    except ApiError as exc:
        if missing_ok and exc.status == 404:
            return None
        raise


def organizations(text: str | None = None) -> list[dict]:
    params = {"q": text} if text else None
    return _get("catalog", "/v1/organizations", params=params)["items"]


def organization(org_id: str) -> dict | None:
    """The organization with its ``subdivisions``, or None if there is none."""
    return _get("catalog", f"/v1/organizations/{q(org_id)}", missing_ok=True)


def services(org_id: str) -> list[dict]:
    found = _get("catalog", f"/v1/organizations/{q(org_id)}/services", missing_ok=True)
    return found["items"] if found else []


def doctors(org_id: str, service_id: str) -> list[dict]:
    found = _get("catalog", f"/v1/organizations/{q(org_id)}/services/{q(service_id)}/doctors",
                 missing_ok=True)
    return found["items"] if found else []


def org_doctors(org_id: str, service_list: list[dict] | None = None) -> dict:
    """Every doctor of the organization: ``{doctor_id: (doctor, [service ids])}``, in order."""
    found: dict = {}
    for service in services(org_id) if service_list is None else service_list:
        for doctor in doctors(org_id, service["id"]):
            found.setdefault(doctor["id"], (doctor, []))[1].append(service["id"])
    return found


def days(doctor_id: str, service_id: str, first: str, last: str) -> list[dict]:
    found = _get("schedule", f"/v1/doctors/{q(doctor_id)}/days", missing_ok=True,
                 params={"service_id": service_id, "from": first, "to": last})
    return found["items"] if found else []


def slots(doctor_id: str, service_id: str, day: str) -> list[dict]:
    found = _get("schedule", f"/v1/doctors/{q(doctor_id)}/slots", missing_ok=True,
                 params={"service_id": service_id, "date": day})
    return found["items"] if found else []


def appointments(token: str, patient_id: str | None) -> list[dict]:
    """The caller's appointments, active and past (a staff token needs ``patient_id``)."""
    items: list = []
    for status in ("active", "past"):
        params = {"status": status, **({"patient_id": patient_id} if patient_id else {})}
        items += _get("booking", "/v1/appointments", params=params, token=token)["items"]
    return items


def appointment(token: str, appointment_id: str) -> dict | None:
    return _get("booking", f"/v1/appointments/{q(appointment_id)}", token=token, missing_ok=True)
