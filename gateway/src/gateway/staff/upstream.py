"""Calls to the backend services on behalf of the signed-in staff member.

Every call carries the staff bearer token, the request id, and the client's address and browser
(the booking service writes them into the audit trail: who, what, when, from where). Answers that
are not a success become :class:`UpstreamError` with a Russian message for the page.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app, request
from regcommon.http import ServiceClient, UpstreamResponse, UpstreamUnavailable

from ..netutil import client_headers
from .messages import message_for

DEFAULT_URLS = {
    "catalog": "http://127.0.0.1:8001",
    "schedule": "http://127.0.0.1:8002",
    "auth": "http://127.0.0.1:8003",
    "booking": "http://127.0.0.1:8004",
}


class UpstreamError(Exception):
    """A backend answered with an error; ``message`` is ready to show to a person."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}


def _setting(settings: Any, name: str) -> Any:
    for key in (name.lower(), name.upper()):
        if isinstance(settings, Mapping) and key in settings:
            return settings[key]
        value = getattr(settings, key, None)
        if value:
            return value
    return None


def _clients() -> dict[str, ServiceClient]:
    """One pooled client per service, built on first use (settings exist by then).

    The gateway's own public clients (``app.extensions["upstreams"].public``: no internal token,
    the caller's rights only) are shared when present.
    """
    clients = current_app.extensions.get("staff_upstreams")
    if clients is None:
        shared = getattr(current_app.extensions.get("upstreams"), "public", None) or {}
        settings = current_app.extensions.get("settings") or {}
        timeout = float(_setting(settings, "http_timeout_seconds") or 3.0)
        clients = {
            name: shared.get(name) or ServiceClient(
                name, _setting(settings, f"{name}_url") or default, timeout=timeout, retries=1)
            for name, default in DEFAULT_URLS.items()
        }
        current_app.extensions["staff_upstreams"] = clients
    return clients


def _client_headers() -> dict:
    headers = client_headers()
    agent = request.headers.get("User-Agent")
    if agent:
        headers["User-Agent"] = agent[:400]
    return headers


def call(service: str, method: str, path: str, *, token: str | None, json: Any = None,
         params: dict | None = None, idempotency_key: str | None = None,
         ok: tuple[int, ...] = (200, 201, 204)) -> Any:
    """Call ``service`` and return the decoded JSON answer (None for an empty body)."""
    headers = _client_headers()
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    clean = {k: v for k, v in (params or {}).items() if v not in (None, "")}
    try:
        response = _clients()[service].request(
            method, path, json=json, params=clean or None, headers=headers, token=token,
            # Keyed writes are safe to retry: the service answers a retry with the first result.
            idempotent=True if idempotency_key else None)
    except UpstreamUnavailable:
        raise UpstreamError(503, "service_unavailable",
                            message_for("service_unavailable")) from None
    if response.status in ok:
        return _body(response)
    err = response.error()
    code = err.get("code") or _status_code(response.status)
    fields = err.get("fields") if isinstance(err.get("fields"), dict) else None
    raise UpstreamError(response.status, code, message_for(code, err.get("message")), fields)


def _body(response: UpstreamResponse) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _status_code(status: int) -> str:
    return {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
            405: "method_not_allowed", 409: "conflict", 422: "validation_failed",
            429: "too_many_requests"}.get(status, "upstream_error")


def items(answer: Any) -> list:
    """The ``items`` of a list answer, tolerating a bare list."""
    if isinstance(answer, dict):
        found = answer.get("items")
        return found if isinstance(found, list) else []
    return answer if isinstance(answer, list) else []
