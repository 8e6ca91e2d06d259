"""The public JSON API: /api/v1/X is forwarded to the owner's /v1/X (see routing.py).

The hot path (anonymous GETs of the catalog and the day grid) is served from the micro-cache and
never touches the session store: sessions are opened for UI pages only.
"""
from __future__ import annotations

import io
import logging
from urllib.parse import quote

import orjson
from flask import Response, current_app, jsonify, request
from regcommon.errors import ApiError, status_error
from regcommon.jwt_verify import InvalidToken, bearer_token

from . import earliest
from .microcache import MicroCache
from .netutil import client_headers
from .revocation import record_logout
from .routing import Match, MethodNotAllowed, resolve

log = logging.getLogger(__name__)

REQUEST_HEADERS = ("Authorization", "Idempotency-Key", "Content-Type", "User-Agent")
RESPONSE_HEADERS = ("Content-Type", "Retry-After", "ETag", "Cache-Control", "Content-Disposition",
                    "WWW-Authenticate")
PATH_SAFE = "/:@-._~!$&'()*+,;="
IMPORT_PATH = "/v1/admin/import"
STREAM_CHUNK = 64 * 1024
ORDINARY_BODY_LIMIT = 1024 * 1024  # regcommon.web reads JSON bodies up to this size
LOGOUT_PATH = "/v1/auth/logout"
# A stale token sent along with a new login must not stop the login.
LOGIN_PATHS = ("/v1/auth/oms", "/v1/auth/staff")


def upstreams():
    return current_app.extensions["upstreams"]


def microcache() -> MicroCache:
    return current_app.extensions["microcache"]


def forwarded_headers() -> dict:
    headers = {name: request.headers[name] for name in REQUEST_HEADERS if name in request.headers}
    headers.update(client_headers())
    return headers


def _answer(status: int, body: bytes, headers) -> Response:
    response = Response(body, status=status)
    response.headers.pop("Content-Type", None)
    for name, value in headers:
        response.headers[name] = value
    if "Content-Type" not in response.headers:
        response.headers["Content-Type"] = "application/json"
    return response


def _kept_headers(upstream_headers) -> list:
    return [(name, upstream_headers[name]) for name in RESPONSE_HEADERS if name in upstream_headers]


def _json_body() -> bytes | None:
    """The request body, checked to be JSON and passed on as it came (not parsed and encoded
    again); None when empty."""
    raw = request.get_data(cache=False)
    if not raw or not raw.strip():
        return None
    try:
        orjson.loads(raw)
    except ValueError:
        raise ApiError(400, "bad_request", "Тело запроса должно быть в формате JSON") from None
    return raw


def api_dispatch(rest: str = ""):
    if not rest.startswith("v1/"):
        raise status_error(404)
    method = "GET" if request.method == "HEAD" else request.method
    try:
        match = resolve(rest[3:], method)
    except MethodNotAllowed as exc:
        response = jsonify(status_error(405).body())
        response.status_code = 405
        response.headers["Allow"] = ", ".join(sorted(exc.allowed))
        return response
    if match is None:
        raise status_error(404)
    token = bearer_token()
    gate = current_app.extensions.get("token_gate")
    if token and gate is not None and match.upstream_path not in LOGIN_PATHS:
        gate.check(token)  # logged out, revoked or expired: refused before any service
    if match.upstream_path == IMPORT_PATH and method == "POST":
        return forward_import(match)
    if match.special == "ticket_pdf":
        return ticket_pdf_api(match.params[0])
    if match.special == "earliest":
        return earliest.api()
    response = forward(match)
    if match.upstream_path == LOGOUT_PATH and response.status_code == 204:
        # Auth has verified and revoked the token; recorded before the 204 leaves, so the next
        # request through any worker is refused (auth's own list reaches services by polling).
        record_logout(token)
    return response


def forward(match: Match) -> Response:
    path = quote(match.upstream_path, safe=PATH_SAFE)
    query = request.query_string.decode("latin-1")
    if query:
        path += "?" + query
    cache_key = None
    method = "GET" if request.method == "HEAD" else request.method
    if match.cacheable and method == "GET" and "Authorization" not in request.headers:
        cache_key = match.service + path
        hit = microcache().get(cache_key)
        if hit is not None:
            return _answer(*hit)
    body = _json_body() if method in ("POST", "PUT", "PATCH", "DELETE") else None
    client = upstreams().public[match.service]
    headers = forwarded_headers()
    # Writes are retried only when repeating them cannot do harm (an Idempotency-Key, or a
    # route that is idempotent by nature); reads always are.
    retry = method in ("GET", "DELETE", "PUT") or match.retry_safe or \
        "Idempotency-Key" in headers
    upstream = client.request(method, path, data=body, headers=headers, idempotent=retry)
    kept = _kept_headers(upstream.headers)
    if cache_key is not None and upstream.status == 200:
        microcache().put(cache_key, (200, upstream.content, kept))
    return _answer(upstream.status, upstream.content, kept)


class _SizedBody:
    """A request body read as it is sent, with its length (so that it goes with Content-Length,
    not chunked, and the catalog applies its own limit to the header)."""

    def __init__(self, stream, length: int):
        self.stream = stream
        self.length = length

    def __len__(self) -> int:
        return self.length

    def read(self, size: int = -1) -> bytes:
        return self.stream.read(size)


def _caller_is_admin() -> bool:
    """Whether the bearer token verifies (signature, issuer, expiry, revocation) as an admin's."""
    token = bearer_token()
    if not token:
        return False
    try:
        claims = current_app.extensions["jwt_verifier"].verify(token)
    except InvalidToken:
        return False
    return claims.get("role") == "admin"


def forward_import(match: Match) -> Response:
    """The region file goes to the catalog as a stream: the gateway never holds or parses it.

    Only a verified admin may send more than the 1 MiB of ordinary requests; anyone else's big
    body is refused (413) from its Content-Length before a byte of it is read.
    """
    if _caller_is_admin():
        request.max_content_length = current_app.extensions["settings"].max_import_bytes
    length = request.content_length
    if length is not None and length <= ORDINARY_BODY_LIMIT:
        # A body within the ordinary limit has already been read (and checked) by the base app.
        body = io.BytesIO(request.get_data(cache=True))
    else:
        stream = request.stream  # raises 413 when Content-Length exceeds the limit
        body = _SizedBody(stream, length) if length is not None else \
            iter(lambda: stream.read(STREAM_CHUNK), b"")  # a chunked upload stays chunked
    headers = forwarded_headers()
    if length is not None:
        headers["Content-Length"] = str(length)  # sent as it is read, not chunked
    path = quote(match.upstream_path, safe=PATH_SAFE)
    # A stream cannot be sent twice: never retried.
    upstream = upstreams().public[match.service].request("POST", path, data=body, headers=headers,
                                                         idempotent=False)
    return _answer(upstream.status, upstream.content, _kept_headers(upstream.headers))


def ticket_pdf(appointment_id: str, authorization: str):
    """The talon PDF after an ownership check.

    Returns ``("pdf", bytes, headers)``, ``("rendering", retry_after, None)`` or
    ``("error", UpstreamResponse, None)`` when booking refused (404 for another's talon) or the
    talon is void (410).
    """
    ups = upstreams()
    headers = {"Authorization": authorization, **client_headers()}
    if "User-Agent" in request.headers:
        headers["User-Agent"] = request.headers["User-Agent"]
    owned = ups.public["booking"].get(f"/v1/appointments/{quote(appointment_id, safe='')}",
                                      headers=headers)
    if owned.status != 200:
        return "error", owned, None
    ticket = ups.internal["tickets"].get(f"/internal/tickets/{quote(appointment_id, safe='')}.pdf",
                                         headers={"Accept": "application/pdf"})
    if ticket.status == 200:
        number = (owned.json().get("ticket") or {}).get("number") or appointment_id
        disposition = ticket.headers.get("Content-Disposition") or \
            f'attachment; filename="talon-{number}.pdf"'
        return "pdf", ticket.content, {"Content-Type": "application/pdf",
                                       "Cache-Control": "no-store",
                                       "Content-Disposition": disposition}
    if ticket.status in (202, 404):
        # 404: the booking event has not reached the tickets service yet; it will.
        return "rendering", ticket.headers.get("Retry-After", "1"), None
    if 400 <= ticket.status < 500:
        return "error", ticket, None  # e.g. 410 ticket_void: the appointment was cancelled
    log.warning("tickets answered %s for %s", ticket.status, appointment_id)
    raise status_error(503)


def ticket_pdf_api(appointment_id: str) -> Response:
    kind, payload, headers = ticket_pdf(appointment_id, request.headers.get("Authorization", ""))
    if kind == "pdf":
        return Response(payload, status=200, headers=headers)
    if kind == "rendering":
        response = jsonify({"status": "rendering",
                            "message": "Талон готовится, повторите запрос через несколько секунд"})
        response.status_code = 202
        response.headers["Retry-After"] = payload
        response.headers["Cache-Control"] = "no-store"
        return response
    return _answer(payload.status, payload.content, _kept_headers(payload.headers))


def register(app) -> None:
    app.add_url_rule("/api/", "api_root", api_dispatch, strict_slashes=False,
                     methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    app.add_url_rule("/api/<path:rest>", "api_dispatch", api_dispatch,
                     methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
