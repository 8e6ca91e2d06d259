"""Pooled HTTP clients of the services behind the gateway, built once per app, and the one way
the gateway's own code (web UI, staff workspace, composed API answers, FHIR) calls them."""
from __future__ import annotations

from urllib.parse import quote, urlencode

from flask import current_app, request

from regcommon.http import ServiceClient

from .netutil import client_headers

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


def q(value) -> str:
    """One path segment, escaped."""
    return quote(str(value), safe="")


def call(service: str, method: str, path: str, *, json=None, params=None, token: str | None = None,
         idempotency_key: str | None = None, internal: bool = False,
         idempotent: bool | None = True):
    """Call a service on behalf of the browser (with its address, agent and, if any, token).

    The one upstream call of the UI and the staff workspace. ``idempotent=None`` leaves the
    retry decision to the method (reads only), for writes that are not safe to repeat."""
    ups = current_app.extensions["upstreams"]
    client = (ups.internal if internal else ups.public)[service]
    headers = client_headers()
    if request.user_agent.string:
        headers["User-Agent"] = request.user_agent.string[:512]
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    # Every write the public UI makes is safe to repeat (idempotency keys, or idempotent by
    # nature), so a call lost on a stale pooled keep-alive connection is retried rather than shown
    # as an error.
    return client.request(method, path, json=json, params=params, headers=headers, token=token,
                          idempotent=idempotent)


def get_json(service: str, path: str, *, params=None, token=None, internal=False,
             cached: bool = False) -> dict:
    """GET that must succeed: a 404 becomes the 404 page, other refusals an error page.

    ``cached``: public, non-personal data (catalog, day grid) may come from the micro-cache.
    """
    cache = current_app.extensions["microcache"]
    key = None
    if cached and not token:
        key = "ui:" + service + path + "?" + urlencode(sorted((params or {}).items()))
        hit = cache.get(key)
        if hit is not None:
            return hit
    answer = call(service, "GET", path, params=params, token=token, internal=internal)
    if answer.status == 200:
        data = answer.json()
        if key is not None:
            cache.put(key, data)
        return data
    if answer.status == 401 and token:
        raise LoginExpired()
    answer.raise_as_api_error()
    raise AssertionError("unreachable")


class LoginExpired(Exception):
    """The stored access token was refused: log in again."""
