"""Typed settings read from prefixed environment variables.

Each service subclasses :class:`ServiceSettings` and sets ``model_config`` with its own prefix
(``BOOKING_``, ``CATALOG_``...). Settings are read when ``create_app`` runs, never at import time,
and invalid values fail fast with a message naming the variable.
"""
from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The repository's var/ folder: home of the embedded default's SQLite files and broker.
REPO_ROOT = Path(__file__).resolve().parents[4]
DEFAULT_VAR = REPO_ROOT / "var"


def var_dir() -> Path:
    import os

    return Path(os.environ.get("REGISTRATURA_VAR_DIR", str(DEFAULT_VAR)))


def sqlite_url(name: str) -> str:
    return f"sqlite:///{var_dir() / 'db' / (name + '.sqlite3')}"


def filesystem_broker_url() -> str:
    return "filesystem://"


def filesystem_broker_options() -> dict:
    base = var_dir() / "broker"
    # kombu's filesystem transport fails on missing folders instead of creating them.
    for name in ("data", "control", "processed"):
        (base / name).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(base / "data"),
        "data_folder_out": str(base / "data"),
        "control_folder": str(base / "control"),
        "processed_folder": str(base / "processed"),
        "store_processed": False,
    }


# Values of the example files (deploy/compose.env.example, secrets.example) and of the embedded
# defaults: a production start with one of them would run on a secret everybody knows.
PLACEHOLDER_PREFIXES = ("change-me", "changeme", "replace", "embedded-")


def is_placeholder_secret(value: str) -> bool:
    return not value.strip() or value.strip().lower().startswith(PLACEHOLDER_PREFIXES)


def service_url_field(name: str, port: int):
    """A field for another service's base URL, read from e.g. ``CATALOG_URL`` (no prefix)."""
    return Field(
        default=f"http://127.0.0.1:{port}",
        validation_alias=AliasChoices(f"{name.upper()}_URL"),
    )


class ServiceSettings(BaseSettings):
    """Settings every service has. Subclasses set ``env_prefix``."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    # "embedded" (make run, SQLite + filesystem broker, demo data allowed) or "production".
    mode: str = Field(default="embedded", validation_alias=AliasChoices("REGISTRATURA_MODE"))
    database_url: str = ""
    log_level: str = "INFO"
    http_timeout_seconds: float = 3.0
    # Shared secret for service-to-service calls on /internal/ paths.
    internal_token: str = Field(
        default="", validation_alias=AliasChoices("REGISTRATURA_INTERNAL_TOKEN")
    )
    jwt_issuer: str = Field(
        default="registratura-auth", validation_alias=AliasChoices("REGISTRATURA_JWT_ISSUER")
    )
    jwt_audience: str = Field(
        default="registratura", validation_alias=AliasChoices("REGISTRATURA_JWT_AUDIENCE")
    )
    auth_url: str = service_url_field("auth", 8003)
    # The polled revocation list (regcommon/revocations.py): how often it is asked for, and how
    # old it may grow while auth is unreachable before every token is refused (fail closed).
    revocation_poll_seconds: float = 2.0
    revocation_max_age_seconds: float = 30.0

    # Event broker: RabbitMQ (amqp://) in production, kombu's filesystem transport when empty.
    broker_url: str = Field(default="", validation_alias=AliasChoices("REGISTRATURA_BROKER_URL"))

    # The short name ("catalog") used for the default SQLite file and logs.
    service_name: str = "service"

    # Fields that must hold a real secret in production (subclasses add theirs).
    production_secrets: ClassVar[tuple[str, ...]] = ("internal_token",)

    @model_validator(mode="after")
    def _defaults_and_checks(self):
        if self.mode not in ("embedded", "production"):
            raise ValueError("REGISTRATURA_MODE must be 'embedded' or 'production'")
        if not self.database_url:
            if self.mode == "production":
                raise ValueError(f"{self.service_name.upper()}_DATABASE_URL is required in production")
            self.database_url = sqlite_url(self.service_name)
        if self.mode == "production":
            self._refuse_placeholder_secrets()
        if not self.internal_token:
            self.internal_token = "embedded-internal-token"
        return self

    def _refuse_placeholder_secrets(self) -> None:
        for name in self.production_secrets:
            if is_placeholder_secret(str(getattr(self, name) or "")):
                raise ValueError(f"{self._env_name(name)} is required in production and must "
                                 "not be empty or a placeholder (change-me-..., REPLACE...)")

    def _env_name(self, name: str) -> str:
        alias = type(self).model_fields[name].validation_alias
        if isinstance(alias, AliasChoices):
            return str(alias.choices[0])
        return (self.model_config.get("env_prefix") or "").upper() + name.upper()

    def resolved_broker_url(self) -> str:
        if self.broker_url:
            return self.broker_url
        if self.mode == "production":
            raise ValueError("REGISTRATURA_BROKER_URL is required in production")
        return filesystem_broker_url()

    def broker_transport_options(self) -> dict:
        if self.resolved_broker_url().startswith("filesystem"):
            return filesystem_broker_options()
        return {}

    @property
    def is_production(self) -> bool:
        return self.mode == "production"

    @property
    def jwks_url(self) -> str:
        return self.auth_url.rstrip("/") + "/.well-known/jwks.json"
