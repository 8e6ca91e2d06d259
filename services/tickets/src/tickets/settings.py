"""Typed settings of the tickets service, read from ``TICKETS_*`` environment variables."""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import ClassVar

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import SettingsConfigDict
from regcommon.settings import ServiceSettings, var_dir

# Only the embedded mode may sign talons with a well-known key; production must set its own.
EMBEDDED_SECRET = "embedded-tickets-secret"


class TicketsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TICKETS_", extra="ignore", populate_by_name=True)

    service_name: str = "tickets"
    production_secrets: ClassVar[tuple[str, ...]] = ("internal_token", "secret")

    # HMAC key of the talon verification codes.
    secret: str = ""
    # Printed on talons and in messages; the portal's public address for links.
    support_phone: str = "8-800-200-56-03"
    portal_url: str = Field(default="http://127.0.0.1:8000",
                            validation_alias=AliasChoices("TICKETS_PORTAL_URL", "REGISTRATURA_PORTAL_URL"))
    cabinet_path: str = "/cabinet"

    # Celery: the task queue (its dead-letter queue is "<queue>.dead" on RabbitMQ).
    task_queue: str = "tickets"
    task_max_retries: int = 5
    retry_backoff_max_seconds: int = 600
    # Fault injection for tests and drills: seconds a render pauses before drawing (0 = none).
    render_delay_seconds: float = 0.0
    # Beat: reminder sweep period and the age after which stuck work is enqueued again.
    reminder_interval_seconds: int = 3600
    stale_after_seconds: int = 120
    # Dead letters hold a task's arguments and error (ids, sometimes an address): the beat deletes
    # them after this many days (docs/security.md, retention of personal data).
    dead_letter_retention_days: int = 90
    # Celery beat's schedule state (var/ in embedded mode, the temp dir in production images).
    beat_schedule_file: str = ""

    # Where the embedded mode writes e-mails and SMS (var/outbox by default).
    outbox_dir: str = ""
    # "file" (embedded default) or "smtp"; "file" or "http" for SMS.
    email_backend: str = ""
    sms_backend: str = ""
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_timeout_seconds: float = 10.0
    smtp_sender: str = "Регистратура <no-reply@registratura.local>"
    sms_url: str = ""
    sms_token: str = ""
    sms_sender: str = "Registratura"

    @model_validator(mode="after")
    def _tickets_defaults(self):
        if not self.secret:
            if self.mode == "production":
                raise ValueError("TICKETS_SECRET is required in production")
            self.secret = EMBEDDED_SECRET
        if not self.outbox_dir:
            self.outbox_dir = str(var_dir() / "outbox")
        if not self.beat_schedule_file:
            base = Path(tempfile.gettempdir()) if self.mode == "production" else var_dir()
            self.beat_schedule_file = str(base / "celerybeat-schedule-tickets")
        if self.mode == "production":
            # Patients must get their messages: a missing provider is a startup error, not mail
            # quietly written to a pod's disk. Files only when the operator says so explicitly.
            if not self.email_backend and not self.smtp_host:
                raise ValueError("TICKETS_SMTP_HOST is required in production "
                                 "(or set TICKETS_EMAIL_BACKEND=file explicitly)")
            if not self.sms_backend and not self.sms_url:
                raise ValueError("TICKETS_SMS_URL is required in production "
                                 "(or set TICKETS_SMS_BACKEND=file explicitly)")
        if not self.email_backend:
            self.email_backend = "smtp" if self.smtp_host else "file"
        if not self.sms_backend:
            self.sms_backend = "http" if self.sms_url else "file"
        if self.email_backend not in ("file", "smtp"):
            raise ValueError("TICKETS_EMAIL_BACKEND must be 'file' or 'smtp'")
        if self.sms_backend not in ("file", "http"):
            raise ValueError("TICKETS_SMS_BACKEND must be 'file' or 'http'")
        if self.email_backend == "smtp" and not self.smtp_host:
            raise ValueError("TICKETS_SMTP_HOST is required for TICKETS_EMAIL_BACKEND=smtp")
        if self.sms_backend == "http" and not self.sms_url:
            raise ValueError("TICKETS_SMS_URL is required for TICKETS_SMS_BACKEND=http")
        return self

    @property
    def outbox_path(self) -> Path:
        return Path(self.outbox_dir)

    @property
    def cabinet_url(self) -> str:
        return self.portal_url.rstrip("/") + self.cabinet_path
