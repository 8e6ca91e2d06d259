"""The revocation list every service checks tokens against, polled from the auth service.

``GET {auth}/internal/revocations`` answers the revoked token ids with their expiry (``tokens``)
and the revoked subjects (``subjects``: every token of ``sub`` issued at or before
``not_before`` is revoked, e.g. a deactivated staff member). A background thread polls it every
``interval`` seconds, so the request path reads memory only.

Two rules make the list safe (docs/security.md, "Tokens and revocation"):
- it is pruned: an id is kept only until its token expires (an expired token is refused by its
  ``exp`` anyway), a subject until the last token issued before ``not_before`` has expired;
- it fails CLOSED: when no poll has succeeded for ``max_age`` seconds (auth unreachable), a check
  raises :class:`RevocationsUnavailable` (a 503) instead of trusting a list that may be missing
  a logout.
"""
from __future__ import annotations

import logging
import threading
import time
import weakref
from typing import Callable

import requests

log = logging.getLogger(__name__)


class RevocationsUnavailable(Exception):
    """The revocation list is older than its bounded age: no token can be trusted."""


class RevocationList:
    def __init__(self, auth_url: str, internal_token: str, *, interval: float = 2.0,
                 timeout: float = 2.0, max_age: float = 30.0,
                 fetch: Callable[[str | None], dict] | None = None,
                 clock: Callable[[], float] = time.time, background: bool = True):
        self.url = auth_url.rstrip("/") + "/internal/revocations"
        self.internal_token = internal_token
        self.interval = interval
        self.timeout = timeout
        self.max_age = max_age
        self._fetch = fetch or self._http_fetch
        self._clock = clock
        self._background = background
        self._tokens: dict[str, float] = {}  # jti -> exp
        self._subjects: dict[str, tuple[float, float]] = {}  # sub -> (not_before, forget after)
        self._since: str | None = None
        self._fresh_at: float | None = None
        self._tried_at = float("-inf")
        self._failing = False
        self._lock = threading.Lock()
        self._poll_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    # --- polling -------------------------------------------------------------------------------
    def _http_fetch(self, since: str | None) -> dict:
        response = requests.get(self.url, params={"since": since} if since else {},
                                timeout=self.timeout,
                                headers={"X-Internal-Token": self.internal_token})
        response.raise_for_status()
        return response.json()

    def poll(self) -> bool:
        """One poll; False (logged) when auth could not be asked."""
        self._tried_at = self._clock()
        try:
            body = self._fetch(self._since)
        except Exception as exc:  # noqa: BLE001 - any failure leaves the list as it was
            # Once per outage, not every interval: the age check below is what protects.
            level = logging.WARNING if not self._failing else logging.DEBUG
            log.log(level, "revocation poll failed", extra={"error": str(exc)[:200]})
            self._failing = True
            return False
        self._failing = False
        with self._lock:
            for entry in body.get("tokens") or []:
                self._tokens[str(entry["jti"])] = float(entry["exp"])
            for entry in body.get("subjects") or []:
                self._subjects[str(entry["sub"])] = (float(entry["not_before"]),
                                                     float(entry["expires"]))
            self._since = body.get("as_of") or self._since
            self._fresh_at = self._tried_at
            self._prune(self._tried_at)
        return True

    def _prune(self, now: float) -> None:
        self._tokens = {jti: exp for jti, exp in self._tokens.items() if exp > now}
        self._subjects = {sub: entry for sub, entry in self._subjects.items() if entry[1] > now}

    @staticmethod
    def _run(ref: "weakref.ref[RevocationList]", interval: float) -> None:
        # A weak reference: the thread ends once its list (and its app) is gone.
        while True:
            time.sleep(interval)
            revocations = ref()
            if revocations is None:
                return
            revocations.poll()
            del revocations

    def _ensure_polling(self) -> None:
        if not self._background or self._thread is not None:
            return
        with self._lock:
            if self._thread is None:  # started on first use, never at import or app creation
                self._thread = threading.Thread(target=self._run, name="revocation-poll",
                                                args=(weakref.ref(self), self.interval),
                                                daemon=True)
                self._thread.start()

    def _age(self) -> float:
        return float("inf") if self._fresh_at is None else self._clock() - self._fresh_at

    def _poll_if_due(self) -> None:
        """Poll now if the last try is an interval old (one caller at a time; the others wait
        for its answer rather than refuse a token at a cold start)."""
        if self._clock() - self._tried_at < self.interval:
            return
        with self._poll_lock:
            if self._clock() - self._tried_at >= self.interval:
                self.poll()

    # --- checking ------------------------------------------------------------------------------
    def __call__(self, claims: dict) -> bool:
        """Whether the token with these (verified) claims is revoked."""
        self._ensure_polling()
        if not self._background or self._age() > self.max_age:
            self._poll_if_due()
        if self._age() > self.max_age:
            raise RevocationsUnavailable("revocation list older than its bounded age")
        jti, sub, iat = claims.get("jti"), claims.get("sub"), claims.get("iat")
        if jti and jti in self._tokens:
            return True
        subject = self._subjects.get(str(sub)) if sub else None
        return bool(subject and isinstance(iat, (int, float)) and iat <= subject[0])

    def known_ids(self) -> set[str]:
        return set(self._tokens)
