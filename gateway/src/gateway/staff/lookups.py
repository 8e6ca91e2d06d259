"""Small read helpers shared by the pages: organizations, the patient, appointments."""
from __future__ import annotations

from datetime import date, datetime

from flask import g
from regcommon.instants import zone

from . import upstream
from .guards import PageError



def organization(organization_id: str | None) -> dict | None:
    """The catalog's organization, cached for the request; None when unknown or unreachable."""
    if not organization_id:
        return None
    cache = g.setdefault("staff_orgs", {})
    if organization_id not in cache:
        try:
            cache[organization_id] = upstream.call(
                "catalog", "GET", f"/v1/organizations/{organization_id}", token=g.staff.token)
        except upstream.UpstreamError:
            cache[organization_id] = None
    return cache[organization_id]


def organization_name(organization_id: str | None) -> str:
    org = organization(organization_id)
    if org:
        return org.get("short_name") or org.get("name") or organization_id
    return organization_id or ""


def local_today(organization_id: str | None) -> date:
    """Today in the organization's time zone (a clinic's day, not the server's)."""
    org = organization(organization_id) or {}
    return datetime.now(zone(org.get("timezone"))).date()


def patient(patient_id: str) -> dict:
    """A patient the staff member may see: the registry scopes the card to the registrar's
    organization, and the page checks it again (someone else's patient is "not found")."""
    found = upstream.call("auth", "GET", f"/v1/registry/patients/{patient_id}",
                          token=g.staff.token)
    if not isinstance(found, dict) or not _visible(found):
        raise PageError(404, "Пациент не найден")
    return found


def _visible(patient: dict) -> bool:
    return g.staff.is_admin or any(
        isinstance(a, dict) and g.staff.may_manage(a.get("organization_id"))
        for a in patient.get("attachments") or [])


def appointment(appointment_id: str) -> dict:
    found = upstream.call("booking", "GET", f"/v1/appointments/{appointment_id}",
                          token=g.staff.token)
    if not isinstance(found, dict):
        raise PageError(404, "Запись не найдена")
    return found


def appointments_of(patient_id: str, status: str) -> list[dict]:
    return upstream.items(upstream.call(
        "booking", "GET", "/v1/appointments", token=g.staff.token,
        params={"patient_id": patient_id, "status": status}))


def services(organization_id: str) -> list[dict]:
    return upstream.items(upstream.call(
        "catalog", "GET", f"/v1/organizations/{organization_id}/services", token=g.staff.token))


def doctors(organization_id: str, service_id: str) -> list[dict]:
    return upstream.items(upstream.call(
        "catalog", "GET", f"/v1/organizations/{organization_id}/services/{service_id}/doctors",
        token=g.staff.token))


def doctors_of_organization(organization_id: str) -> list[dict]:
    """Every doctor of the organization, gathered over its services (no flat list in catalog)."""
    seen: dict[str, dict] = {}
    for service in services(organization_id):
        for doctor in doctors(organization_id, service["id"]):
            entry = seen.setdefault(doctor["id"], {**doctor, "services": []})
            entry["services"].append(service)
    return sorted(seen.values(), key=lambda d: d.get("full_name") or "")
