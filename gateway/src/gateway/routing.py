"""The routing table of the public API: which service owns /api/v1/<path>, for which methods.

Pure: no Flask, no I/O, so the table is unit-tested on its own. The owner serves the same path
under ``/v1/`` (docs/internal-contracts.md).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

SEG = r"[^/]+"
ANY = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Route:
    template: str
    pattern: re.Pattern
    methods: frozenset
    service: str
    # Anonymous GETs of this route may be served from the per-process micro-cache.
    cacheable: bool = False
    # Handled by the gateway itself rather than proxied (the talon PDF).
    special: str | None = None
    # A POST that is harmless to repeat (so a call lost on a stale pooled connection is retried).
    retry_safe: bool = False


@dataclass(frozen=True)
class Match:
    service: str
    upstream_path: str
    cacheable: bool
    special: str | None
    params: tuple
    retry_safe: bool = False


class MethodNotAllowed(Exception):
    def __init__(self, allowed: frozenset):
        super().__init__("method not allowed")
        self.allowed = allowed


def _route(regex: str, methods, service: str, **kw) -> Route:
    return Route(regex, re.compile(regex.replace("{id}", f"({SEG})") + r"\Z"),
                 frozenset(methods), service, **kw)


ROUTES: tuple[Route, ...] = (
    _route("districts", {"GET"}, "catalog", cacheable=True),
    _route("organization-types", {"GET"}, "catalog", cacheable=True),
    _route("organizations", {"GET"}, "catalog", cacheable=True),
    _route("organizations/{id}", {"GET"}, "catalog", cacheable=True),
    _route("organizations/{id}/services", {"GET"}, "catalog", cacheable=True),
    _route("organizations/{id}/services/{id}/doctors", {"GET"}, "catalog", cacheable=True),
    _route("doctors/{id}", {"GET"}, "catalog", cacheable=True),
    _route("doctors/{id}/days", {"GET"}, "schedule", cacheable=True),
    _route("doctors/{id}/slots", {"GET"}, "schedule", cacheable=True),
    _route("slots/{id}", {"GET"}, "schedule", cacheable=True),
    # «Ближайшее свободное время»: the gateway asks catalog and schedule itself (earliest.py).
    _route("earliest-slots", {"GET"}, "schedule", special="earliest"),
    _route("slots/{id}/hold", {"POST"}, "schedule"),
    _route("holds/{id}", {"DELETE"}, "schedule"),
    _route("consent", {"GET"}, "auth"),
    _route("consents", {"POST"}, "auth", retry_safe=True),
    _route("auth/oms", {"POST"}, "auth", retry_safe=True),
    _route("auth/staff", {"POST"}, "auth", retry_safe=True),
    _route("auth/logout", {"POST"}, "auth", retry_safe=True),
    _route("me", {"GET"}, "auth"),
    _route("me/restrictions", {"GET"}, "booking"),
    # Referrals live in booking, under the reception's registry/ prefix (before auth's).
    _route("referrals", {"GET"}, "booking"),
    _route("registry/referrals", {"POST"}, "booking"),
    _route("registry/referrals/import", {"POST"}, "booking"),
    _route("registry/referrals/{id}", {"DELETE"}, "booking"),
    _route("registry/patients/{id}/referrals", {"GET"}, "booking"),
    # Family and proxy links (issue 12, docs/internal-contracts.md, "Round 2").
    _route("me/links", {"GET", "POST"}, "auth"),
    _route("me/links/{id}", {"DELETE"}, "auth"),
    _route("me/links/{id}/accept", {"POST"}, "auth"),
    _route("auth/act-as", {"POST"}, "auth"),
    _route(r"registry/.+", ANY, "auth"),
    _route("appointments/{id}/ticket.pdf", {"GET"}, "booking", special="ticket_pdf"),
    _route("appointments", {"GET", "POST"}, "booking"),
    _route("appointments/{id}", {"GET"}, "booking"),
    _route("appointments/{id}/cancel", {"POST"}, "booking", retry_safe=True),
    _route("appointments/{id}/reschedule", {"POST"}, "booking"),
    _route("appointments/{id}/calendar.ics", {"GET"}, "booking"),
    _route("appointments/{id}/attendance", {"POST"}, "booking"),
    _route("waitlist", {"GET", "POST"}, "booking"),
    _route("waitlist/{id}", {"GET", "DELETE"}, "booking"),
    # Staff administration is split by prefix; the owners check roles and methods themselves.
    _route(r"admin/organizations(?:/.*)?", ANY, "catalog"),
    _route(r"admin/import", ANY, "catalog"),
    _route(r"admin/doctors(?:/.*)?", ANY, "schedule"),
    _route(r"admin/audit(?:/.*)?", ANY, "booking"),
    _route("admin/attendance", {"GET"}, "booking"),
    _route("admin/no-shows", {"GET"}, "booking"),
)


def resolve(path: str, method: str) -> Match | None:
    """The owner of ``path`` (relative to /api/v1/), or None if unknown.

    Raises :class:`MethodNotAllowed` when the path is known but not for this method.
    """
    path = path.strip("/")
    if any(seg in ("", ".", "..") for seg in path.split("/")):
        return None  # never let a dot segment climb out of /v1/ at the owner
    if any(ord(ch) < 32 or ch == "\x7f" for ch in path):
        return None  # no id has control characters; they cannot even be sent on upstream
    allowed: set = set()
    for route in ROUTES:
        found = route.pattern.match(path)
        if not found:
            continue
        if method not in route.methods:
            allowed |= route.methods
            continue
        return Match(route.service, "/v1/" + path, route.cacheable, route.special, found.groups(),
                     route.retry_safe)
    if allowed:
        raise MethodNotAllowed(frozenset(allowed))
    return None
