"""Who offers a service where, answered in memory: the earliest-time search's view of the catalog.

The catalog's region snapshot (``GET /internal/contexts``, the one booking keeps too) is read
once a minute by one thread while the others answer from the previous one; from it the gateway
knows each service's kind (the same name and specialty elsewhere), the organizations and their
districts, and the doctors of each service with their areas. A search then costs no catalog
call. Until a first snapshot arrives (or when the catalog has no such route) ``offers`` answers
None and the caller asks the catalog's ``/internal/services/{id}/offers`` as before.
"""
from __future__ import annotations

from regcommon.errors import ApiError
from regcommon.snapshots import Renewed, catalog_contexts

TTL_SECONDS = 60.0
RETRY_SECONDS = 5.0


def _not_found(message: str) -> ApiError:
    return ApiError(404, "not_found", message)


class Index:
    """One snapshot, indexed: services by kind, doctors by service, organizations by id."""

    def __init__(self, snapshot: dict):
        self.organizations: dict = snapshot["organizations"]
        self.services: dict = snapshot["services"]
        self.doctors: dict = snapshot["doctors"]
        self.by_kind: dict[tuple, list[dict]] = {}
        for service in self.services.values():
            key = (service.get("name"), service.get("specialty"))
            self.by_kind.setdefault(key, []).append(service)
        for same in self.by_kind.values():
            same.sort(key=lambda s: (self.organizations.get(s["organization_id"], {})
                                     .get("name") or "", s["id"]))
        self.region_items: dict[tuple, list[dict]] = {}
        self.of_service: dict[str, list[dict]] = {}
        for doctor in self.doctors.values():
            for service_id in doctor.get("service_ids", ()):
                self.of_service.setdefault(service_id, []).append(
                    {"id": doctor["id"], "full_name": doctor.get("full_name", ""),
                     "areas": list(doctor.get("areas") or [])})
        for listed in self.of_service.values():
            listed.sort(key=lambda d: (d["full_name"], d["id"]))

    def offers(self, service_id: str, *, organization_id: str | None = None,
               district_id: str | None = None, organization_ids: list[str] | None = None,
               with_doctors: bool = False) -> dict:
        """The shape of catalog's ``/internal/services/{id}/offers`` (catalog/offers.py)."""
        service = self.services.get(service_id)
        if service is None:
            raise _not_found("Услуга не найдена")
        if organization_id is not None and organization_id not in self.organizations:
            raise _not_found("Медицинская организация не найдена")
        if district_id is not None and not any(o.get("district_id") == district_id
                                               for o in self.organizations.values()):
            raise _not_found("Район не найден")
        kind = (service.get("name"), service.get("specialty"))
        if organization_id is None and district_id is None and organization_ids is None \
                and not with_doctors:
            # The whole region's offers of a kind: listed once per snapshot (~340 organizations
            # for a therapist), shared by every request, which only reads them.
            items = self.region_items.get(kind)
            if items is None:
                items = self.region_items[kind] = self._items(kind, None, None, None, False)
        else:
            items = self._items(kind, organization_id, district_id, organization_ids,
                                with_doctors)
        return {"service": {k: service.get(k) for k in (
                    "id", "name", "specialty", "organization_id", "self_bookable",
                    "requires_attachment")}, "items": items}

    def _items(self, kind: tuple, organization_id: str | None, district_id: str | None,
               organization_ids: list[str] | None, with_doctors: bool) -> list[dict]:
        wanted = set(organization_ids) if organization_ids is not None else None
        items = []
        for same in self.by_kind.get(kind, ()):
            org = self.organizations.get(same["organization_id"])
            if org is None or (organization_id is not None and org["id"] != organization_id) \
                    or (district_id is not None and org.get("district_id") != district_id) \
                    or (wanted is not None and org["id"] not in wanted):
                continue
            item = {"service_id": same["id"], "self_bookable": same.get("self_bookable", True),
                    "requires_attachment": same.get("requires_attachment", False),
                    "organization": {"id": org["id"], "name": org.get("name"),
                                     "short_name": org.get("short_name"),
                                     "district_id": org.get("district_id")}}
            if with_doctors:
                item["doctors"] = self.of_service.get(same["id"], [])
            items.append(item)
        return items

    def doctor_names(self, doctor_ids) -> dict:
        return {d: {"id": d, "full_name": self.doctors[d].get("full_name", "")}
                for d in doctor_ids if d in self.doctors}


class CatalogIndex:
    """The current :class:`Index`, renewed every ``ttl`` seconds (regcommon.snapshots)."""

    def __init__(self, fetch, *, ttl: float = TTL_SECONDS, clock=None):
        def build() -> Index | None:
            snapshot = fetch()
            return Index(snapshot) if snapshot else None
        self._renewed = Renewed(build, ttl=ttl, retry=RETRY_SECONDS, clock=clock,
                                name="catalog view")

    def current(self) -> Index | None:
        return self._renewed.current()


def fetch_from(client):
    """The snapshot fetcher over the gateway's internal catalog client."""
    return lambda: catalog_contexts(client)
