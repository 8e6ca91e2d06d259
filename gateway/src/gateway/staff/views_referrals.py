"""Referrals (направления) on the patient card: the patient's referrals of this organization, a
form to issue one (a service of the organization or a specialty) and cancelling an unused one."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from flask import flash, g, redirect, request, url_for

from . import forms, lookups, upstream
from .guards import login_required

STATUS_LABELS = {"active": "действует", "used": "использовано", "cancelled": "отменено",
                 "expired": "истёк срок"}
DEFAULT_DAYS = 30  # the form proposes a month


def card_context(patient_id: str) -> dict:
    """What the card's «Направления» section needs; the card still shows when booking or the
    catalog does not answer."""
    organization_id = g.staff.organization_id
    try:
        items = upstream.items(upstream.call(
            "booking", "GET", f"/v1/registry/patients/{patient_id}/referrals",
            token=g.staff.token))
    except upstream.UpstreamError:
        items = None
    services = []
    if organization_id:
        try:
            services = [s for s in lookups.services(organization_id) if s.get("self_bookable")]
        except upstream.UpstreamError:
            services = []
    specialties = sorted({s.get("specialty") for s in services if s.get("specialty")})
    today = lookups.local_today(organization_id)
    return {"referrals": items, "referral_services": services,
            "referral_specialties": specialties, "referral_labels": STATUS_LABELS,
            "referral_default_expiry": (today + timedelta(days=DEFAULT_DAYS)).strftime("%d.%m.%Y")}


def _issue_body(patient_id: str) -> tuple[dict | None, str | None]:
    target = request.form.get("target", "")
    kind, _, value = target.partition(":")
    expires = forms.parse_date(request.form.get("expires_on"))
    if kind not in ("service", "specialty") or not value:
        return None, "Выберите услугу или специальность направления"
    if expires is None:
        return None, forms.date_error("Срок действия", "31.12.2026")
    body = {"patient_id": patient_id, "expires_on": expires.isoformat(),
            ("service_id" if kind == "service" else "specialty"): value}
    if g.staff.is_admin and g.staff.organization_id is None:
        body["organization_id"] = request.form.get("organization_id", "")
    return body, None


@login_required
def issue(patient_id: str):
    body, error = _issue_body(patient_id)
    if body is not None:
        try:
            upstream.call("booking", "POST", "/v1/registry/referrals", token=g.staff.token,
                          json=body, ok=(201,))
        except upstream.UpstreamError as exc:
            if exc.status not in (404, 409, 422):
                raise
            error = exc.message + ("".join(f" {v}" for v in exc.fields.values())
                                   if exc.fields else "")
    if error:
        flash(f"Направление не выписано: {error}", "error")
    else:
        flash("Направление выписано", "success")
    return redirect(url_for("staff.patient_card", patient_id=patient_id) + "#referrals")


@login_required
def cancel(patient_id: str, referral_id: str):
    try:
        upstream.call("booking", "DELETE", f"/v1/registry/referrals/{quote(referral_id, safe='')}",
                      token=g.staff.token, ok=(200,))
        flash("Направление отменено", "success")
    except upstream.UpstreamError as exc:
        if exc.status not in (404, 409):
            raise
        flash(exc.message, "error")
    return redirect(url_for("staff.patient_card", patient_id=patient_id) + "#referrals")


def add_routes(bp) -> None:
    bp.add_url_rule("/patients/<patient_id>/referrals", "issue_referral", issue,
                    methods=["POST"])
    bp.add_url_rule("/patients/<patient_id>/referrals/<referral_id>/cancel", "cancel_referral",
                    cancel, methods=["POST"])
