"""Calls to the backend services on behalf of the signed-in staff member.

The calls go through the gateway's one upstream layer (:func:`gateway.upstreams.call`: the typed
settings' pooled public clients, the client's address and browser, which the booking service
writes into the audit trail), with the staff bearer token. Answers that are not a success become
:class:`UpstreamError` with a Russian message for the page.
"""
from __future__ import annotations

from typing import Any

from regcommon.http import UpstreamResponse, UpstreamUnavailable

from ..upstreams import call as call_service
from .messages import message_for


class UpstreamError(Exception):
    """A backend answered with an error; ``message`` is ready to show to a person."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}


def call(service: str, method: str, path: str, *, token: str | None, json: Any = None,
         params: dict | None = None, idempotency_key: str | None = None,
         ok: tuple[int, ...] = (200, 201, 204)) -> Any:
    """Call ``service`` and return the decoded JSON answer (None for an empty body)."""
    clean = {k: v for k, v in (params or {}).items() if v not in (None, "")}
    try:
        response = call_service(
            service, method, path, json=json, params=clean or None, token=token,
            idempotency_key=idempotency_key,
            # Keyed writes are safe to retry: the service answers a retry with the first result.
            # An unkeyed staff write may not be (a second patient card), so only reads are.
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
