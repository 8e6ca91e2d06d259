"""Reception endpoints: register, find, view, edit and attach patients (roles registrar, admin).

Every route names its actor (the verified staff token and the client address) so that the use
cases can scope the call to the registrar's organization and audit it.
"""
from __future__ import annotations

from apiflask import APIBlueprint
from flask import request

from regcommon.jwt_verify import authenticate

from . import registry
from .adapters.audit_db import Actor
from .api import client_ip, ctx, json_body, verifier
from .domain.patients import parse_patient, parse_policy
from .services import today

bp = APIBlueprint("registry", __name__)
STAFF = ("registrar", "admin")


def actor() -> Actor:
    return Actor.from_claims(authenticate(verifier(), roles=STAFF), client_ip())


@bp.post("/v1/registry/patients")
@bp.doc(summary="Register a patient (once, at the reception)")
def create_patient():
    who = actor()
    data = parse_patient(json_body(), today())
    return registry.register(ctx(), who, data), 201


@bp.get("/v1/registry/patients")
@bp.doc(summary="Find patients of the caller's organization (admin: the region); no numbers")
def find_patients():
    return {"items": registry.find(ctx(), actor(), request.args)}


@bp.post("/v1/registry/patients/lookup")
@bp.doc(summary="A patient registered elsewhere, by the exact policy: id and name only")
def lookup_patient():
    who = actor()
    body = json_body()
    return registry.lookup(ctx(), who, parse_policy(body.get("policy")))


@bp.get("/v1/registry/patients/<patient_id>")
@bp.doc(summary="One patient of the caller's organization (admin: any)")
def get_patient(patient_id: str):
    return registry.read(ctx(), actor(), patient_id)


@bp.put("/v1/registry/patients/<patient_id>")
@bp.doc(summary="Edit a patient of the caller's organization (fields given are replaced)")
def edit_patient(patient_id: str):
    who = actor()
    data = parse_patient(json_body(), today(), partial=True)
    return registry.edit(ctx(), who, patient_id, data)


@bp.post("/v1/registry/patients/<patient_id>/attachment")
@bp.doc(summary="Attach a patient to the caller's organization (admin: organization_id)")
def attach_patient(patient_id: str):
    who = actor()
    return registry.attach(ctx(), who, patient_id, json_body())


@bp.post("/v1/registry/patients/<patient_id>/unlock-login")
@bp.doc(summary="Lift the login limits of the patient's policy (after the person is identified)")
def unlock_patient_login(patient_id: str):
    registry.unlock_login(ctx(), actor(), patient_id)
    return "", 204
