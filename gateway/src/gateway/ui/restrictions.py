"""The patient's own restrictions (online booking suspended by the no-show rule), asked from
booking once per page and shown in the cabinet and along the booking flow."""
from __future__ import annotations

import logging

from flask import g

from .common import access_token, call

log = logging.getLogger(__name__)


def my_restrictions() -> list[dict]:
    """Active suspensions of the logged-in patient; none for a visitor or when booking is down."""
    if "patient_restrictions" in g:
        return g.patient_restrictions
    found: list[dict] = []
    token = access_token()
    if token:
        try:
            answer = call("booking", "GET", "/v1/me/restrictions", token=token)
            if answer.ok:
                items = answer.json().get("items")
                found = [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []
        except Exception:  # noqa: BLE001 - a notice is never worth an error page
            log.warning("could not read the patient's restrictions")
    g.patient_restrictions = found
    return found


def restriction_notice(organization_id: str | None) -> dict | None:
    """The restriction of online booking in this organization, if any."""
    if not organization_id:
        return None
    return next((r for r in my_restrictions()
                 if (r.get("organization") or {}).get("id") == organization_id), None)


def register(app) -> None:
    app.jinja_env.globals.update(my_restrictions=my_restrictions,
                                 restriction_notice=restriction_notice)
