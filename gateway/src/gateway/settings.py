"""Typed settings of the gateway, read from ``GATEWAY_*`` environment variables.

Upstream base URLs use the shared unprefixed names (``CATALOG_URL``, ``SCHEDULE_URL``...) so that
every service and the launcher agree on them.
"""
from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict
from regcommon.instants import DEFAULT_TIMEZONE
from regcommon.settings import ServiceSettings, service_url_field


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", populate_by_name=True)

    service_name: str = "gateway"
    catalog_url: str = service_url_field("catalog", 8001)
    schedule_url: str = service_url_field("schedule", 8002)
    booking_url: str = service_url_field("booking", 8004)
    tickets_url: str = service_url_field("tickets", 8005)

    # How many reverse proxies in front of the gateway append to X-Forwarded-For and are trusted
    # (1 behind the Kubernetes ingress). 0 trusts no X-Forwarded-For: the socket peer is the
    # client. More than the real number lets clients forge their address (docs/security.md).
    proxy_hops: int = Field(default=0, ge=0, le=5)
    # Retired (it trusted the leftmost, client-written hop): refused so that no deployment
    # silently loses its proxy setting.
    trust_proxy: bool | None = None
    # Force the Secure flag on the session cookie (it is also set on https requests).
    secure_cookies: bool = False
    session_ttl_seconds: int = 8 * 3600
    # The portal's public origin (e.g. https://xn--56-...): the ESIA redirect_uri is built from
    # it, never from the request's Host header. Required in production; the embedded default is
    # the local portal.
    public_url: str = ""
    # A bearer token with which Prometheus may read /metrics (the internal token may too);
    # empty = the internal token only. Strangers get 403.
    metrics_token: str = ""
    # Per-process micro-cache of anonymous public GETs (catalog, days, slots): as long as the
    # services allow caches to keep them (schedule answers with max-age=5); the times page a
    # patient chooses from is never cached.
    microcache_ttl_seconds: float = 5.0
    microcache_max_entries: int = 8192
    # Days in the doctor's grid (two weeks, as the seed shows).
    grid_days: int = 14
    # The region's time zone: "today" for the grid and times shown on pages.
    timezone: str = DEFAULT_TIMEZONE
    support_phone: str = "8-800-200-56-03"
    upstream_pool_size: int = 64
    # POST /api/v1/admin/import carries a whole region file.
    max_import_bytes: int = 64 * 1024 * 1024

    @model_validator(mode="after")
    def _proxy_and_origin_rules(self):
        if self.trust_proxy is not None:
            raise ValueError("GATEWAY_TRUST_PROXY is retired: set GATEWAY_PROXY_HOPS to the number "
                             "of trusted proxies in front of the gateway (1 behind the ingress)")
        if not self.public_url:
            if self.is_production:
                raise ValueError("GATEWAY_PUBLIC_URL (https://<the portal's host>) is required in "
                                 "production")
            self.public_url = "http://127.0.0.1:8000"
        if not self.public_url.startswith(("https://", "http://")):
            raise ValueError("GATEWAY_PUBLIC_URL must be an http(s) origin")
        return self
