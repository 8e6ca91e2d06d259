"""Settings of the booking service, read from ``BOOKING_*`` environment variables."""
from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from regcommon.settings import ServiceSettings, service_url_field


class BookingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BOOKING_", extra="ignore", populate_by_name=True)

    service_name: str = "booking"
    catalog_url: str = service_url_field("catalog", 8001)
    schedule_url: str = service_url_field("schedule", 8002)
    # Where the patient web UI lives: waiting-list offers link to "<public_url>/book/slot/<id>".
    public_url: str = Field(default="http://127.0.0.1:8000",
                            validation_alias=AliasChoices("BOOKING_PUBLIC_URL"))
    # How long a request with a busy Idempotency-Key waits for the first one to finish.
    idempotency_wait_seconds: float = 5.0
    # The catalog's doctor context (names, settings) changes rarely: cached this long.
    catalog_cache_seconds: float = 60.0
    # Reconciler: pending appointments older than this are settled by asking schedule.
    reconcile_after_seconds: float = 15.0
    reconcile_interval_seconds: float = 10.0
    # A retried POST needs its answer for minutes; the reconciler deletes idempotency records
    # (the answer names the patient) after this many days (docs/security.md, retention).
    idempotency_retention_days: float = 7.0
    # Connections kept per process; unset: one per request thread (regcommon.db).
    db_pool_size: int | None = None
    # Active (waiting or offered) waiting-list entries per patient: each one may be offered every
    # freed slot of its doctor/service, so an unbounded list would let one patient drain them.
    waitlist_max_active_per_patient: int = Field(default=10, ge=1, le=100)
