"""Use cases of the catalog: browse the region, give other services a doctor's context, let staff
change an organization's booking settings, and import a region file."""
from __future__ import annotations

import logging
import time

from .domain.access import may_edit_settings, may_import
from .domain.errors import CatalogNotFound, NotAllowed, SettingsInvalid
from .domain.org_settings import setting_errors
from .domain.region_file import RegionFileInvalid, validate_region
from .domain.region_rows import region_rows
from .ports import CatalogStore, RegionWriter

log = logging.getLogger(__name__)

ORGANIZATION_NOT_FOUND = "Медицинская организация не найдена"
SERVICE_NOT_FOUND = "Услуга не найдена в этой медицинской организации"
DOCTOR_NOT_FOUND = "Врач не найден"
DOCTOR_SERVICE_NOT_FOUND = "Врач не оказывает эту услугу"


def import_region(write: RegionWriter, document) -> dict:
    """Validate the whole document, then upsert it in one transaction; counts per table.

    Raises :class:`RegionFileInvalid` with every problem, before anything is written.
    """
    started = time.perf_counter()
    problems = validate_region(document)
    if problems:
        raise RegionFileInvalid(problems)
    counts = write(region_rows(document))
    elapsed = round(time.perf_counter() - started, 3)
    log.info("region imported", extra={"elapsed_seconds": elapsed, "counts": counts})
    return {"elapsed_seconds": elapsed, "counts": counts}


class Catalog:
    def __init__(self, repository: CatalogStore, write_region: RegionWriter):
        self.repo = repository
        self.write_region = write_region

    def districts(self) -> list[dict]:
        return self.repo.districts()

    def organization_types(self) -> list[dict]:
        return self.repo.organization_types()

    def organizations(self, district_id=None, type_id=None, q=None) -> list[dict]:
        return self.repo.organizations(district_id, type_id, q)

    def organization(self, organization_id: str) -> dict:
        org = self.repo.organization(organization_id)
        if org is None:
            raise CatalogNotFound(ORGANIZATION_NOT_FOUND)
        return org

    def services(self, organization_id: str) -> list[dict]:
        self._require_organization(organization_id)
        return self.repo.services(organization_id)

    def doctors(self, organization_id: str, service_id: str) -> list[dict]:
        self._require_organization(organization_id)
        service = self.repo.service(service_id)
        if service is None or service["organization_id"] != organization_id:
            raise CatalogNotFound(SERVICE_NOT_FOUND)
        return self.repo.doctors_of_service(service_id)

    def doctor_context(self, doctor_id: str, service_id: str) -> dict:
        doctor = self.repo.doctor(doctor_id)
        if doctor is None:
            raise CatalogNotFound(DOCTOR_NOT_FOUND)
        if service_id not in doctor["service_ids"]:
            raise CatalogNotFound(DOCTOR_SERVICE_NOT_FOUND)
        service = self.repo.service(service_id)
        organization = self.repo.organization(doctor.pop("organization_id"), with_settings=True)
        service.pop("organization_id")
        return {"organization": organization, "service": service, "doctor": doctor}

    def public_doctor_context(self, doctor_id: str, service_id: str) -> dict:
        """The same triple without what only the services may read (settings, areas)."""
        ctx = self.doctor_context(doctor_id, service_id)
        ctx["organization"] = {k: v for k, v in ctx["organization"].items()
                               if k not in ("settings", "type_name")}
        ctx["doctor"] = {k: v for k, v in ctx["doctor"].items()
                         if k not in ("areas", "service_ids")}
        return ctx

    def settings(self, organization_id: str) -> dict:
        org = self.repo.organization(organization_id, with_settings=True)
        if org is None:
            raise CatalogNotFound(ORGANIZATION_NOT_FOUND)
        return org["settings"]

    def contexts(self) -> dict:
        return self.repo.contexts()

    def all_settings(self) -> dict[str, dict]:
        return self.repo.all_settings()

    def staff_settings(self, claims: dict, organization_id: str) -> dict:
        """The settings as staff see them: the same rights as for changing them."""
        if not may_edit_settings(claims, organization_id):
            raise NotAllowed()
        return self.settings(organization_id)

    def update_settings(self, claims: dict, organization_id: str, values: dict) -> dict:
        if not may_edit_settings(claims, organization_id):
            raise NotAllowed()
        errors = setting_errors(values)
        if errors:
            raise SettingsInvalid(errors)
        if not values:
            return self.settings(organization_id)
        updated = self.repo.update_settings(organization_id, values)
        if updated is None:
            raise CatalogNotFound(ORGANIZATION_NOT_FOUND)
        log.info("organization settings changed",
                 extra={"organization_id": organization_id, "by": claims.get("sub"),
                        "changed": sorted(values)})
        return updated

    def import_region(self, claims: dict, document) -> dict:
        if not may_import(claims):
            raise NotAllowed()
        return import_region(self.write_region, document)

    def _require_organization(self, organization_id: str) -> None:
        if self.repo.organization(organization_id, with_settings=True) is None:
            raise CatalogNotFound(ORGANIZATION_NOT_FOUND)
