"""Referrals (направления) in the patient UI: «Мои направления» in the cabinet, and what the
booking flow shows for a service that is booked only by referral (docs/internal-contracts.md,
"Round 2")."""
from __future__ import annotations

from flask import url_for
from regcommon.errors import ApiError

from .common import access_token, call

STATUS_LABELS = {"active": "действует", "used": "использовано", "cancelled": "отменено",
                 "expired": "истёк срок"}


def own_referrals(token: str | None) -> list[dict] | None:
    """The patient's referrals; None when booking did not answer (the page still shows)."""
    if not token:
        return None
    answer = call("booking", "GET", "/v1/referrals", token=token)
    if not answer.ok:
        return None
    items = answer.json().get("items")
    return items if isinstance(items, list) else None


def matches(referral: dict, service: dict) -> bool:
    """Booking's rule: a referral for this very service, or for any service of its specialty."""
    if referral.get("status") != "active":
        return False
    own = referral.get("service")
    if isinstance(own, dict):
        return own.get("id") == service.get("id")
    return bool(referral.get("specialty")) and referral.get("specialty") == service.get("specialty")


def service_state(service: dict) -> dict | None:
    """What the service page says about referrals: None for a service without the rule;
    ``kind`` anonymous (log in to see yours), has (the usable ones), none, unknown."""
    if not service.get("requires_referral"):
        return None
    token = access_token()
    if not token:
        return {"kind": "anonymous"}
    items = own_referrals(token)
    if items is None:
        return {"kind": "unknown"}
    usable = sorted((r for r in items if matches(r, service)), key=lambda r: r["expires_on"])
    return {"kind": "has" if usable else "none", "referrals": usable}


def _book_link(referral: dict, services_of) -> str | None:
    """Where «Записаться по направлению» starts: the service's doctors, or for a specialty the
    issuing organization's first service of that specialty (its page if it has none)."""
    org_id = referral.get("organization_id")
    service = referral.get("service")
    if isinstance(service, dict) and service.get("id"):
        return url_for("browse.service_doctors", org_id=org_id, service_id=service["id"])
    try:
        found = next((s for s in services_of(org_id)
                      if s.get("specialty") == referral.get("specialty")), None)
    except ApiError:
        found = None
    if found is not None:
        return url_for("browse.service_doctors", org_id=org_id, service_id=found["id"])
    return url_for("browse.organization", org_id=org_id) if org_id else None


def cabinet_views(token: str | None, services_of) -> list[dict] | None:
    """«Мои направления»: each with its label, status in Russian and, while usable, the link."""
    items = own_referrals(token)
    if items is None:
        return None
    views = []
    for referral in items:
        service = referral.get("service")
        title = service.get("name") if isinstance(service, dict) else None
        views.append({**referral, "title": title or referral.get("specialty") or "Направление",
                      "status_label": STATUS_LABELS.get(referral.get("status"),
                                                        referral.get("status")),
                      "book_link": _book_link(referral, services_of)
                      if referral.get("status") == "active" else None})
    return views
