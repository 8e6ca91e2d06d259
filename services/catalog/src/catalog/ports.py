"""What the catalog's use cases need from storage. The real adapters are
``adapters/repository.py`` (reads and settings) and ``adapters/importer.py`` (the region upsert);
unit tests pass fakes (tests/catalog/unit/test_services.py)."""
from __future__ import annotations

from typing import Protocol


class CatalogStore(Protocol):
    def districts(self) -> list[dict]: ...

    def organization_types(self) -> list[dict]: ...

    def organizations(self, district_id: str | None, type_id: str | None,
                      q: str | None) -> list[dict]: ...

    def organization(self, organization_id: str, *, with_settings: bool = False) -> dict | None:
        ...

    def services(self, organization_id: str) -> list[dict]: ...

    def service(self, service_id: str) -> dict | None: ...

    def doctors_of_service(self, service_id: str) -> list[dict]: ...

    def doctor(self, doctor_id: str) -> dict | None: ...

    def contexts(self) -> dict: ...

    def all_settings(self) -> dict[str, dict]: ...

    def update_settings(self, organization_id: str, values: dict) -> dict | None: ...


class RegionWriter(Protocol):
    def __call__(self, rows: dict) -> dict:
        """Upsert the region's rows in one transaction; counts per table."""
