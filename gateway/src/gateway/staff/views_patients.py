"""Patients: search, registration, card, editing (attachment included)."""
from __future__ import annotations

import uuid

from flask import flash, g, redirect, request, url_for

from . import forms, lookups, upstream, views_links, views_referrals
from .guards import login_required, page

SEARCH_KEYS = ("policy_number", "last_name", "birth_date")


@login_required
def search():
    query = {key: request.args.get(key, "").strip() for key in SEARCH_KEYS}
    results = None
    params, error = forms.search_params(query)
    if any(query.values()) and not error:
        try:
            results = upstream.items(upstream.call(
                "auth", "GET", "/v1/registry/patients", token=g.staff.token, params=params))
        except upstream.UpstreamError as exc:
            if exc.status in (401, 403) or exc.status >= 500:
                raise
            error = exc.message
            if exc.fields:
                error += ": " + "; ".join(f"{v}" for v in exc.fields.values())
    return page("staff/search.html", 422 if error else 200, query=query, results=results,
                error=error, full_name=forms.full_name)


def _form_page(values, errors, other_errors, *, patient=None, status=200):
    return page("staff/patient_form.html", status, values=values, errors=errors,
                other_errors=other_errors, patient=patient, policy_types=forms.POLICY_TYPES,
                document_types=forms.DOCUMENT_TYPES, sexes=forms.SEX,
                doc_slots=range(1, forms.DOC_SLOTS + 1),
                idempotency_key=request.form.get("idempotency_key") or str(uuid.uuid4()),
                own_org_only=not g.staff.is_admin,
                organization_name=lookups.organization_name)


def _force_own_organization(values: dict) -> None:
    # A registrar attaches patients only to their own organization.
    if not g.staff.is_admin:
        values["organization_id"] = g.staff.organization_id or ""


@login_required
def new_patient():
    if request.method == "GET":
        values = forms.read_form({"policy_type": "oms_unified",
                                  "organization_id": g.staff.organization_id or ""})
        return _form_page(values, {}, [])
    values = forms.read_form(request.form)
    _force_own_organization(values)
    errors = forms.check_form(values, editing=False)
    if errors:
        return _form_page(values, errors, [], status=422)
    try:
        created = upstream.call("auth", "POST", "/v1/registry/patients", token=g.staff.token,
                                json=forms.to_body(values, editing=False),
                                idempotency_key=request.form.get("idempotency_key")
                                or str(uuid.uuid4()), ok=(200, 201))
    except upstream.UpstreamError as exc:
        if exc.status not in (409, 422):
            raise
        errors, rest = forms.map_field_errors(exc.fields)
        return _form_page(values, errors, rest or [exc.message], status=exc.status)
    flash(f"Пациент зарегистрирован: {forms.full_name(created or {})}", "success")
    return redirect(url_for("staff.patient_card", patient_id=(created or {}).get("id")))


@login_required
def patient_card(patient_id: str):
    patient = lookups.patient(patient_id)
    active = lookups.appointments_of(patient_id, "active")
    past = lookups.appointments_of(patient_id, "past")
    return page("staff/patient.html", patient=patient, active=active, past=past,
                attachments=forms.attachments_of(patient), full_name=forms.full_name,
                policy_types=forms.POLICY_TYPES, document_types=forms.DOCUMENT_TYPES,
                sexes=forms.SEX, organization_name=lookups.organization_name,
                links=views_links.links_of(patient_id),
                **views_referrals.card_context(patient_id))


@login_required
def edit_patient(patient_id: str):
    patient = lookups.patient(patient_id)
    if request.method == "GET":
        return _form_page(forms.from_patient(patient), {}, [], patient=patient)
    values = forms.read_form(request.form)
    _force_own_organization(values)
    errors = forms.check_form(values, editing=True)
    if errors:
        return _form_page(values, errors, [], patient=patient, status=422)
    try:
        upstream.call("auth", "PUT", f"/v1/registry/patients/{patient_id}", token=g.staff.token,
                      json=forms.to_body(values, editing=True))
    except upstream.UpstreamError as exc:
        if exc.status not in (409, 422):
            raise
        errors, rest = forms.map_field_errors(exc.fields)
        return _form_page(values, errors, rest or [exc.message], patient=patient,
                          status=exc.status)
    flash("Данные пациента сохранены", "success")
    return redirect(url_for("staff.patient_card", patient_id=patient_id))


@login_required
def lookup_newcomer():
    """A patient registered at another organization, by the exact policy they hold out (the
    registry answers id and name only); the registrar then attaches them here."""
    values = {key: request.form.get(key, "").strip()
              for key in ("policy_type", "policy_series", "policy_number")}
    policy = {"type": values["policy_type"] or "oms_unified", "number": values["policy_number"]}
    if values["policy_series"]:
        policy["series"] = values["policy_series"]
    found, error, status = None, None, 200
    try:
        found = upstream.call("auth", "POST", "/v1/registry/patients/lookup",
                              token=g.staff.token, json={"policy": policy}, ok=(200,))
    except upstream.UpstreamError as exc:
        if exc.status not in (404, 422):
            raise
        status = exc.status
        error = ("В регистре региона пациента с таким полисом нет: зарегистрируйте его"
                 if exc.status == 404 else exc.message)
    return page("staff/lookup.html", status, found=found, error=error, values=values,
                policy_types=forms.POLICY_TYPES)


@login_required
def attach_newcomer(patient_id: str):
    body = {"area": request.form.get("area", "").strip() or None}
    upstream.call("auth", "POST", f"/v1/registry/patients/{patient_id}/attachment",
                  token=g.staff.token, json=body, ok=(200,))
    flash("Пациент прикреплён к вашей организации", "success")
    return redirect(url_for("staff.patient_card", patient_id=patient_id))


@login_required
def unlock_login(patient_id: str):
    """Lift the login limits of the patient's policy once reception has seen the person."""
    upstream.call("auth", "POST", f"/v1/registry/patients/{patient_id}/unlock-login",
                  token=g.staff.token, ok=(204,))
    flash("Блокировка входа по полису снята", "success")
    return redirect(url_for("staff.patient_card", patient_id=patient_id))


def add_routes(bp) -> None:
    bp.add_url_rule("", "search", search)
    bp.add_url_rule("/", "search_slash", search)
    bp.add_url_rule("/patients/new", "new_patient", new_patient, methods=["GET", "POST"])
    bp.add_url_rule("/patients/<patient_id>", "patient_card", patient_card)
    bp.add_url_rule("/patients/<patient_id>/edit", "edit_patient", edit_patient,
                    methods=["GET", "POST"])
    bp.add_url_rule("/patients/lookup", "lookup_newcomer", lookup_newcomer, methods=["POST"])
    bp.add_url_rule("/patients/<patient_id>/attach", "attach_newcomer", attach_newcomer,
                    methods=["POST"])
    bp.add_url_rule("/patients/<patient_id>/unlock-login", "unlock_login", unlock_login,
                    methods=["POST"])
