"""An HTTP client for service-to-service calls: pooled, with timeouts, request ids, retries."""
from __future__ import annotations

import logging
from typing import Any

import requests
from requests.adapters import HTTPAdapter

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
    def __init__(self, response: requests.Response):
        self.status = response.status_code
        self.headers = response.headers
        self.content = response.content
        self._response = response

    def json(self) -> Any:
        return self._response.json()

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def error(self) -> dict:
        try:
            return self.json().get("error") or {}
        except ValueError:
            return {}

    def raise_as_api_error(self) -> None:
        """Pass a 4xx of another service on to our caller unchanged."""
        err = self.error()
        raise ApiError(self.status, err.get("code", "upstream_error"),
                       err.get("message", "Ошибка запроса"), err.get("fields"),
                       {k: v for k, v in self.headers.items() if k.lower() == "retry-after"})


class ServiceClient:
    """Calls one service. Retries only idempotent requests (or POSTs marked ``idempotent=True``)."""

    def __init__(self, name: str, base_url: str, *, timeout: float = 3.0, retries: int = 2,
                 internal_token: str | None = None, pool_size: int = 32):
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.internal_token = internal_token
        self.session = requests.Session()
        # Service-to-service calls never go through a proxy from the environment (and reading
        # the proxy variables on every request costs measurable CPU under load).
        self.session.trust_env = False
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def request(self, method: str, path: str, *, json: Any = None, params: dict | None = None,
                headers: dict | None = None, timeout: float | None = None,
                idempotent: bool | None = None, token: str | None = None,
                data: Any = None) -> UpstreamResponse:
        """``data``: a raw body (bytes or a file-like object streamed as it is read)."""
        method = method.upper()
        hdrs = {"Accept": "application/json"}
        rid = current_request_id()
        if rid:
            hdrs[REQUEST_ID_HEADER] = rid
        if self.internal_token:
            hdrs["X-Internal-Token"] = self.internal_token
        if token:
            hdrs["Authorization"] = f"Bearer {token}"
        if headers:
            hdrs.update(headers)
        may_retry = method in IDEMPOTENT if idempotent is None else idempotent
        attempts = 1 + (self.retries if may_retry else 0)
        last: Exception | None = None
        for attempt in range(attempts):
            try:
                response = self.session.request(method, self.base_url + path, json=json,
                                                data=data, params=params, headers=hdrs,
                                                timeout=timeout or self.timeout)
            except requests.RequestException as exc:
                last = exc
                log.warning("upstream call failed", extra={"upstream": self.name, "path": path,
                                                           "attempt": attempt + 1, "error": str(exc)[:200]})
                continue
            if response.status_code >= 500 and attempt + 1 < attempts:
                last = RuntimeError(f"HTTP {response.status_code}")
                continue
            if response.status_code >= 500:
                raise UpstreamUnavailable(self.name, f"HTTP {response.status_code}")
            return UpstreamResponse(response)
        raise UpstreamUnavailable(self.name, str(last))

    def get(self, path: str, **kw) -> UpstreamResponse:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw) -> UpstreamResponse:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw) -> UpstreamResponse:
        return self.request("PUT", path, **kw)

    def delete(self, path: str, **kw) -> UpstreamResponse:
        return self.request("DELETE", path, **kw)
