"""Who offers a service, for the earliest-time search («Ближайшее свободное время»).

A service id belongs to one organization; the same service elsewhere is the service of the same
name and specialty (the catalog's service kinds). ``offers`` lists, for an organization, a
district or the whole region, each organization's service of that kind (and, when asked, its
doctors with their areas, which the attachment rule needs); ``doctor_names`` names a few doctors.
"""
from __future__ import annotations

from sqlalchemy import select

from .adapters.models import District, Doctor, DoctorArea, DoctorService, Organization, Service
from .adapters.repository import _area_key, full_name
from .domain.errors import CatalogNotFound

MAX_NAMED = 200


def _service(session, service_id: str) -> Service:
    service = session.get(Service, service_id)
    if service is None:
        raise CatalogNotFound("Услуга не найдена")
    return service


def _scope(session, organization_id: str | None, district_id: str | None) -> list:
    if organization_id is not None:
        if session.get(Organization, organization_id) is None:
            raise CatalogNotFound("Медицинская организация не найдена")
        return [Organization.id == organization_id]
    if district_id is not None:
        if session.get(District, district_id) is None:
            raise CatalogNotFound("Район не найден")
        return [Organization.district_id == district_id]
    return []


def _doctors_of(session, service_ids: list[str]) -> dict[str, list[dict]]:
    if not service_ids:
        return {}
    rows = session.execute(
        select(DoctorService.service_id, Doctor.id, Doctor.last_name, Doctor.first_name,
               Doctor.middle_name)
        .join(Doctor, Doctor.id == DoctorService.doctor_id)
        .where(DoctorService.service_id.in_(service_ids))
        .order_by(Doctor.last_name, Doctor.first_name, Doctor.middle_name, Doctor.id)).all()
    areas: dict[str, list[str]] = {}
    doctor_ids = list({row.id for row in rows})
    if doctor_ids:
        for doctor_id, area in session.execute(select(DoctorArea.doctor_id, DoctorArea.area)
                                               .where(DoctorArea.doctor_id.in_(doctor_ids))):
            areas.setdefault(doctor_id, []).append(area)
    found: dict[str, list[dict]] = {}
    for row in rows:
        found.setdefault(row.service_id, []).append(
            {"id": row.id, "full_name": full_name(row),
             "areas": sorted(areas.get(row.id, []), key=_area_key)})
    return found


def offers(sessions, service_id: str, *, organization_id: str | None = None,
           district_id: str | None = None, organization_ids: list[str] | None = None,
           with_doctors: bool = False) -> dict:
    with sessions() as session:
        service = _service(session, service_id)
        conditions = _scope(session, organization_id, district_id)
        if organization_ids is not None:
            conditions.append(Organization.id.in_(organization_ids))
        rows = session.execute(
            select(Service.id, Service.self_bookable, Service.requires_attachment,
                   Organization.id.label("org_id"), Organization.name, Organization.short_name,
                   Organization.district_id)
            .join(Organization, Organization.id == Service.organization_id)
            .where(Service.name == service.name, Service.specialty == service.specialty,
                   *conditions)
            .order_by(Organization.position, Organization.name, Service.id)).all()
        doctors = _doctors_of(session, [row.id for row in rows]) if with_doctors else None
        items = []
        for row in rows:
            item = {"service_id": row.id, "self_bookable": row.self_bookable,
                    "requires_attachment": row.requires_attachment,
                    "organization": {"id": row.org_id, "name": row.name,
                                     "short_name": row.short_name,
                                     "district_id": row.district_id}}
            if doctors is not None:
                item["doctors"] = doctors.get(row.id, [])
            items.append(item)
        return {"service": {"id": service.id, "name": service.name,
                            "specialty": service.specialty,
                            "organization_id": service.organization_id,
                            "self_bookable": service.self_bookable,
                            "requires_attachment": service.requires_attachment},
                "items": items}


def doctor_names(sessions, doctor_ids: list[str]) -> list[dict]:
    with sessions() as session:
        rows = session.execute(select(Doctor.id, Doctor.last_name, Doctor.first_name,
                                      Doctor.middle_name, Doctor.specialty, Doctor.room,
                                      Doctor.organization_id)
                               .where(Doctor.id.in_(doctor_ids[:MAX_NAMED]))).all()
        return [{"id": row.id, "full_name": full_name(row), "specialty": row.specialty,
                 "room": row.room, "organization_id": row.organization_id} for row in rows]
