"""Read queries and settings updates of the catalog, as plain dictionaries."""
from __future__ import annotations

from sqlalchemy import select, update

from ..domain.search import like_pattern
from .models import (District, Doctor, DoctorArea, DoctorService, Organization, OrganizationType,
                     Service, Subdivision)

SETTING_KEYS = ("booking_horizon_days", "day_opens_at", "same_day_booking", "cancel_cutoff_hours",
                "no_show_limit", "no_show_window_days", "no_show_suspend_days")
ORG_PUBLIC = ("id", "name", "short_name", "address", "phone", "district_id", "type_id", "timezone")


def _org_public(org: Organization) -> dict:
    return {key: getattr(org, key) for key in ORG_PUBLIC}


def _settings(org: Organization) -> dict:
    return {key: getattr(org, key) for key in SETTING_KEYS}


def _service(service: Service) -> dict:
    return {"id": service.id, "name": service.name, "specialty": service.specialty,
            "self_bookable": service.self_bookable, "paid": service.paid,
            "requires_attachment": service.requires_attachment,
            "requires_referral": bool(service.requires_referral)}


def full_name(doctor: Doctor) -> str:
    return " ".join(p for p in (doctor.last_name, doctor.first_name, doctor.middle_name) if p)


def _doctor(doctor: Doctor) -> dict:
    return {"id": doctor.id, "full_name": full_name(doctor), "specialty": doctor.specialty,
            "subdivision_id": doctor.subdivision_id, "room": doctor.room}


class CatalogRepository:
    def __init__(self, sessions):
        self.sessions = sessions

    def districts(self) -> list[dict]:
        with self.sessions() as session:
            rows = session.scalars(select(District).order_by(District.position, District.name))
            return [{"id": d.id, "name": d.name} for d in rows]

    def organization_types(self) -> list[dict]:
        with self.sessions() as session:
            rows = session.scalars(select(OrganizationType)
                                   .order_by(OrganizationType.position, OrganizationType.name))
            return [{"id": t.id, "name": t.name} for t in rows]

    def organizations(self, district_id: str | None, type_id: str | None,
                      q: str | None) -> list[dict]:
        stmt = select(Organization)
        if district_id:
            stmt = stmt.where(Organization.district_id == district_id)
        if type_id:
            stmt = stmt.where(Organization.type_id == type_id)
        if q:
            stmt = stmt.where(Organization.search_text.like(like_pattern(q), escape="\\"))
        with self.sessions() as session:
            rows = session.scalars(stmt.order_by(Organization.position, Organization.name))
            return [_org_public(o) for o in rows]

    def organization(self, organization_id: str, *, with_settings: bool = False) -> dict | None:
        with self.sessions() as session:
            org = session.get(Organization, organization_id)
            if org is None:
                return None
            result = _org_public(org)
            if with_settings:  # the internal view (booking): messages judge by the type too
                result["settings"] = _settings(org)
                kind = session.get(OrganizationType, org.type_id)
                result["type_name"] = kind.name if kind is not None else None
                return result
            subs = session.scalars(select(Subdivision)
                                   .where(Subdivision.organization_id == organization_id)
                                   .order_by(Subdivision.position, Subdivision.name))
            result["subdivisions"] = [{"id": s.id, "name": s.name, "address": s.address}
                                      for s in subs]
            return result

    def all_settings(self) -> dict[str, dict]:
        """Every organization's booking settings, by organization id (one query)."""
        with self.sessions() as session:
            return {org.id: _settings(org) for org in session.scalars(select(Organization))}

    def services(self, organization_id: str) -> list[dict]:
        with self.sessions() as session:
            rows = session.scalars(select(Service)
                                   .where(Service.organization_id == organization_id)
                                   .order_by(Service.position, Service.name))
            return [_service(s) for s in rows]

    def service(self, service_id: str) -> dict | None:
        with self.sessions() as session:
            service = session.get(Service, service_id)
            if service is None:
                return None
            return {**_service(service), "organization_id": service.organization_id}

    def doctors_of_service(self, service_id: str) -> list[dict]:
        stmt = (select(Doctor).join(DoctorService, DoctorService.doctor_id == Doctor.id)
                .where(DoctorService.service_id == service_id)
                .order_by(Doctor.last_name, Doctor.first_name, Doctor.middle_name, Doctor.id))
        with self.sessions() as session:
            return [_doctor(d) for d in session.scalars(stmt)]

    def doctor(self, doctor_id: str) -> dict | None:
        with self.sessions() as session:
            doctor = session.get(Doctor, doctor_id)
            if doctor is None:
                return None
            service_ids = session.scalars(
                select(DoctorService.service_id).join(Service, Service.id == DoctorService.service_id)
                .where(DoctorService.doctor_id == doctor_id).order_by(Service.position))
            areas = session.scalars(select(DoctorArea.area)
                                    .where(DoctorArea.doctor_id == doctor_id))
            return {**_doctor(doctor), "organization_id": doctor.organization_id,
                    # Numeric areas sort as numbers ("2" before "10").
                    "areas": sorted(areas, key=_area_key), "service_ids": list(service_ids)}

    def contexts(self) -> dict:
        """Everything :meth:`doctor` and :meth:`organization` (with settings) say, for the whole
        region in four queries: what the booking service keeps as its snapshot."""
        with self.sessions() as session:
            types = dict(session.execute(select(OrganizationType.id, OrganizationType.name)).all())
            organizations = {o.id: {**_org_public(o), "settings": _settings(o),
                                    "type_name": types.get(o.type_id)}
                             for o in session.scalars(select(Organization))}
            services = {s.id: {**_service(s), "organization_id": s.organization_id}
                        for s in session.scalars(select(Service))}
            doctors = {d.id: {**_doctor(d), "organization_id": d.organization_id, "areas": [],
                              "service_ids": []} for d in session.scalars(select(Doctor))}
            for doctor_id, service_id in session.execute(
                    select(DoctorService.doctor_id, DoctorService.service_id)
                    .join(Service, Service.id == DoctorService.service_id)
                    .order_by(DoctorService.doctor_id, Service.position)):
                doctors[doctor_id]["service_ids"].append(service_id)
            for doctor_id, area in session.execute(select(DoctorArea.doctor_id, DoctorArea.area)):
                doctors[doctor_id]["areas"].append(area)
        for doctor in doctors.values():
            doctor["areas"].sort(key=_area_key)
        return {"organizations": organizations, "services": services, "doctors": doctors}

    def update_settings(self, organization_id: str, values: dict) -> dict | None:
        with self.sessions() as session, session.begin():
            result = session.execute(update(Organization)
                                     .where(Organization.id == organization_id).values(**values))
            if result.rowcount == 0:
                return None
            return _settings(session.get(Organization, organization_id))


def _area_key(area: str):
    return (0, int(area), "") if area.isdigit() else (1, 0, area)
