"""A value read from another service now and then, kept between reads: the catalog's region
snapshot in booking (doctor contexts) and in the gateway (who offers what). One thread renews
it when it is stale while the others go on with the previous one; until a first read succeeds
``current()`` is None and callers use their per-request fallback."""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Generic, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


class Renewed(Generic[T]):
    def __init__(self, fetch: Callable[[], T | None], *, ttl: float, retry: float = 5.0,
                 clock: Callable[[], float] | None = None, name: str = "snapshot"):
        self._fetch = fetch  # the fresh value, or None when there is none to be had now
        self.ttl, self.retry, self.name = ttl, retry, name
        self._clock = clock or (lambda: time.monotonic())
        self._value: T | None = None
        self._until = 0.0
        self._renewing = threading.Lock()

    def current(self) -> T | None:
        if self._until > self._clock():
            return self._value
        # The very first read is waited for; later, whoever finds the lock taken goes on with
        # the previous value.
        if not self._renewing.acquire(blocking=self._value is None):
            return self._value
        try:
            if self._until > self._clock():
                return self._value
            fresh = None
            try:
                fresh = self._fetch()
            except Exception as exc:  # noqa: BLE001 - the callers' fallback reports the outage
                log.warning("could not renew", extra={"what": self.name,
                                                      "error": str(exc)[:200]})
            if fresh is not None:
                self._value = fresh
            self._until = self._clock() + (self.ttl if fresh is not None else self.retry)
            return self._value
        finally:
            self._renewing.release()


def catalog_contexts(client) -> dict | None:
    """The catalog's region snapshot (``GET /internal/contexts``: organizations, services and
    doctors by id, docs/internal-contracts.md) over an internal ``ServiceClient``; None when the
    catalog has no such route or answers something else."""
    answer = client.get("/internal/contexts", timeout=15.0)
    if answer.status != 200:
        return None
    body = answer.json()
    if all(isinstance(body.get(k), dict) for k in ("organizations", "services", "doctors")):
        return body
    return None
