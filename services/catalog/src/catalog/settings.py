"""Typed settings of the catalog service, read from ``CATALOG_*`` environment variables."""
from __future__ import annotations

from pydantic_settings import SettingsConfigDict
from regcommon.settings import ServiceSettings


class CatalogSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CATALOG_", extra="ignore", populate_by_name=True)

    service_name: str = "catalog"
    # Seconds that browsers and proxies may reuse a public catalog answer.
    cache_max_age: int = 60
    # The admin import endpoint accepts a whole region file, much larger than ordinary requests.
    max_import_bytes: int = 64 * 1024 * 1024
