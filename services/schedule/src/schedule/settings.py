"""Settings of the schedule service, read from SCHEDULE_* environment variables."""
from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from regcommon.instants import DEFAULT_TIMEZONE
from regcommon.settings import ServiceSettings, service_url_field


class ScheduleSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SCHEDULE_", extra="ignore",
                                      populate_by_name=True)

    service_name: str = "schedule"
    # The catalog answers current organization settings; empty disables the call (stored copy).
    catalog_url: str = service_url_field("catalog", 8001)
    org_settings_ttl_seconds: float = 60.0
    catalog_timeout_seconds: float = 1.0
    # A hold keeps a slot for a patient while they accept the consent and log in.
    hold_seconds: int = Field(default=300, ge=10, le=3600)
    max_holds_per_client: int = Field(default=3, ge=1, le=100)
    # Holds need a login (patient or staff). One patient needs one hold at a time (a new choice in
    # the same session replaces it); two leave room for a second device.
    max_holds_per_patient: int = Field(default=2, ge=1, le=20)
    # At most this share of a doctor-day's portal slots is held at once (never fewer than
    # min_holds_per_day): a few accounts cannot park a newly opened day, and honest patients
    # beyond the cap still book directly, only without a hold.
    day_hold_percent: int = Field(default=20, ge=1, le=100)
    min_holds_per_day: int = Field(default=2, ge=1, le=100)
    # The worker's loop: hold expiry every tick, slot generation every generate_every_seconds.
    worker_tick_seconds: float = Field(default=15.0, gt=0)
    generate_every_seconds: float = Field(default=600.0, gt=0)
    # Holds name their holder (a patient id) and client address: the worker deletes them this
    # many days after they expired (docs/security.md, retention of personal data).
    hold_retention_days: float = Field(default=1.0, gt=0, le=30)
    # Connections kept per process; unset: one per request thread (regcommon.db).
    db_pool_size: int | None = None
    # Doctor facts (organization, services, template) cached per process for the hot paths.
    doctor_cache_seconds: float = 30.0
    default_timezone: str = Field(default=DEFAULT_TIMEZONE,
                                  validation_alias=AliasChoices("SCHEDULE_DEFAULT_TIMEZONE"))
