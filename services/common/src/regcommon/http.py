"""An HTTP client for service-to-service calls: pooled, with timeouts, request ids, retries.

Built on urllib3's connection pools directly (what ``requests`` uses underneath, without its
per-call session, cookie and environment work) and orjson for the bodies: the gateway makes one of
these calls for every API request it forwards.
"""
from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

import orjson
import urllib3
from urllib3.exceptions import HTTPError

from .errors import ApiError
from .logs import REQUEST_ID_HEADER, current_request_id

log = logging.getLogger(__name__)

IDEMPOTENT = {"GET", "HEAD", "PUT", "DELETE", "OPTIONS"}


class UpstreamUnavailable(ApiError):
    """Another service did not answer (timeout, refused connection, 5xx)."""

    def __init__(self, service: str, detail: str):
        super().__init__(503, "service_unavailable",
                         "Сервис временно недоступен, повторите попытку позже")
        self.service = service
        self.detail = detail


class UpstreamResponse:
    def __init__(self, status: int, headers, content: bytes):
        self.status = status
        self.headers = headers  # case-insensitive
        self.content = content

    def json(self) -> Any:
        return orjson.loads(self.content)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def error(self) -> dict:
        try:
            body = self.json()
        except ValueError:
            return {}
        return (body.get("error") or {}) if isinstance(body, dict) else {}

    def raise_as_api_error(self) -> None:
        """Pass a 4xx of another service on to our caller unchanged."""
        err = self.error()
        raise ApiError(self.status, err.get("code", "upstream_error"),
                       err.get("message", "Ошибка запроса"), err.get("fields"),
                       {k: v for k, v in self.headers.items() if k.lower() == "retry-after"})


class ServiceClient:
    """Calls one service. Retries only idempotent requests (or POSTs marked ``idempotent=True``).

    Connections are kept alive and reused (``pool_size`` per process; more are opened when every
    pooled one is busy and closed after use). No proxy from the environment, no redirects."""

    def __init__(self, name: str, base_url: str, *, timeout: float = 3.0, retries: int = 2,
                 internal_token: str | None = None, pool_size: int = 32):
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.internal_token = internal_token
        self.pool = urllib3.PoolManager(num_pools=4, maxsize=pool_size, block=False,
                                        retries=False)

    def request(self, method: str, path: str, *, json: Any = None, params: dict | None = None,
                headers: dict | None = None, timeout: float | None = None,
                idempotent: bool | None = None, token: str | None = None,
                data: Any = None) -> UpstreamResponse:
        """``json`` is sent encoded; ``data`` is a raw body sent as it is: bytes (already JSON), or
        a file-like object streamed as it is read (never retried: it cannot be read twice)."""
        method = method.upper()
        hdrs = {"Accept": "application/json"}
        rid = current_request_id()
        if rid:
            hdrs[REQUEST_ID_HEADER] = rid
        if self.internal_token:
            hdrs["X-Internal-Token"] = self.internal_token
        if token:
            hdrs["Authorization"] = f"Bearer {token}"
        body = data if data is not None else None if json is None else orjson.dumps(json, option=orjson.OPT_NON_STR_KEYS)
        if body is not None:
            hdrs["Content-Type"] = "application/json"
        if headers:
            hdrs.update(headers)
        url = self.base_url + path
        if params:
            url += ("&" if "?" in path else "?") + urlencode(params, doseq=True)
        wait = urllib3.Timeout(connect=timeout or self.timeout, read=timeout or self.timeout)
        may_retry = method in IDEMPOTENT if idempotent is None else idempotent
        if hasattr(body, "read"):
            may_retry = False
        attempts = 1 + (self.retries if may_retry else 0)
        last: Exception | None = None
        for attempt in range(attempts):
            try:
                response = self.pool.request(method, url, body=body, headers=hdrs, timeout=wait,
                                             redirect=False)
            except HTTPError as exc:
                last = exc
                log.warning("upstream call failed", extra={"upstream": self.name, "path": path,
                                                           "attempt": attempt + 1, "error": str(exc)[:200]})
                continue
            if response.status >= 500 and attempt + 1 < attempts:
                last = RuntimeError(f"HTTP {response.status}")
                continue
            if response.status >= 500:
                raise UpstreamUnavailable(self.name, f"HTTP {response.status}")
            return UpstreamResponse(response.status, response.headers, response.data)
        raise UpstreamUnavailable(self.name, str(last))

    def get(self, path: str, **kw) -> UpstreamResponse:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw) -> UpstreamResponse:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw) -> UpstreamResponse:
        return self.request("PUT", path, **kw)

    def delete(self, path: str, **kw) -> UpstreamResponse:
        return self.request("DELETE", path, **kw)
