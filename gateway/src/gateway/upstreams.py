"""Pooled HTTP clients of the services behind the gateway, built once per app."""
from __future__ import annotations

from regcommon.http import ServiceClient

SERVICES = ("catalog", "schedule", "auth", "booking", "tickets")


class Upstreams:
    """``public[name]`` proxies the public /v1/ API; ``internal[name]`` calls /internal/ paths."""

    def __init__(self, settings):
        urls = {name: getattr(settings, f"{name}_url") for name in SERVICES}
        timeout = settings.http_timeout_seconds
        pool = settings.upstream_pool_size
        # The public clients never carry the internal token: a proxied call has the caller's
        # rights only.
        self.public = {name: ServiceClient(name, url, timeout=timeout, pool_size=pool)
                       for name, url in urls.items()}
        self.internal = {name: ServiceClient(name, url, timeout=timeout, pool_size=pool,
                                             internal_token=settings.internal_token)
                         for name, url in urls.items()}

    def check(self) -> None:
        """Readiness: every client has a usable base URL (not that the upstreams answer)."""
        for name, client in self.public.items():
            if not client.base_url.startswith(("http://", "https://")):
                raise ValueError(f"{name}: bad base URL {client.base_url!r}")
