"""Family links on the patient card (issue 12): the reception lists, links, unlinks and confirms.

The auth service scopes every call to the registrar's organization and words every refusal; the
card shows the links on both sides (whom the patient books for, who books for the patient).
"""
from __future__ import annotations

from flask import flash, g, redirect, request, url_for

from ..ui.forms import digits, dmy_to_iso
from . import upstream
from .guards import login_required

KIND_LABELS = {"child": "ребёнок", "adult": "взрослый"}
STATUS_LABELS = {"pending": "ждёт подтверждения", "confirmed": "подтверждена",
                 "ended": "прекращена"}


def links_of(patient_id: str) -> list[dict]:
    """The patient's links for the card, labelled; [] when auth cannot answer (the card still
    opens: the links are a side panel)."""
    try:
        items = upstream.items(upstream.call("auth", "GET",
                                             f"/v1/registry/patients/{patient_id}/links",
                                             token=g.staff.token))
    except upstream.UpstreamError as exc:
        if exc.status == 401:
            raise
        return []
    for item in items:
        item["kind_label"] = KIND_LABELS.get(item.get("kind"), item.get("kind"))
        item["status_label"] = STATUS_LABELS.get(item.get("status"), item.get("status"))
        item["as_holder"] = item.get("holder", {}).get("id") == patient_id
    return items


def _back(patient_id: str):
    return redirect(url_for("staff.patient_card", patient_id=patient_id) + "#patient-links")


def _refusal(exc: upstream.UpstreamError) -> str:
    if exc.fields:
        return exc.message + ": " + "; ".join(str(v) for v in exc.fields.values())
    return exc.message


@login_required
def add_link(patient_id: str):
    form = request.form
    kind = form.get("kind", "child")
    body = {"kind": kind, "policy": {"type": "oms_unified",
                                     "number": digits(form.get("policy_number"))}}
    if kind == "child":
        body["birth_certificate"] = form.get("birth_certificate", "")
    else:
        raw = form.get("birth_date", "").strip()
        body["birth_date"] = dmy_to_iso(raw) or raw
    try:
        link = upstream.call("auth", "POST", f"/v1/registry/patients/{patient_id}/links",
                             token=g.staff.token, json=body, ok=(201,))
        flash(f"Связь добавлена: {(link or {}).get('subject', {}).get('full_name', '')}"
              + (" (ждёт подтверждения)" if (link or {}).get("status") == "pending" else ""),
              "success")
    except upstream.UpstreamError as exc:
        if exc.status in (401,) or exc.status >= 500:
            raise
        flash(_refusal(exc), "error")
    return _back(patient_id)


def _change(link_id: str, method: str, suffix: str, done: str):
    patient_id = request.form.get("patient_id", "")
    try:
        upstream.call("auth", method, f"/v1/registry/links/{link_id}{suffix}",
                      token=g.staff.token, ok=(200,))
        flash(done, "success")
    except upstream.UpstreamError as exc:
        if exc.status in (401,) or exc.status >= 500:
            raise
        flash(_refusal(exc), "error")
    return _back(patient_id)


@login_required
def end_link(link_id: str):
    return _change(link_id, "DELETE", "", "Связь прекращена")


@login_required
def confirm_link(link_id: str):
    return _change(link_id, "POST", "/confirm", "Связь подтверждена")


def add_routes(bp) -> None:
    bp.add_url_rule("/patients/<patient_id>/links", "add_link", add_link, methods=["POST"])
    bp.add_url_rule("/links/<link_id>/end", "end_link", end_link, methods=["POST"])
    bp.add_url_rule("/links/<link_id>/confirm", "confirm_link", confirm_link, methods=["POST"])
