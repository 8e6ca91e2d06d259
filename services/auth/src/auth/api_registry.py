"""Reception endpoints: register, find, view and edit patients (roles registrar and admin)."""
from __future__ import annotations

from apiflask import APIBlueprint
from flask import request

from regcommon.jwt_verify import authenticate

from . import registry
from .api import ctx, json_body, verifier
from .domain.patients import parse_patient
from .services import today

bp = APIBlueprint("registry", __name__)
STAFF = ("registrar", "admin")


@bp.post("/v1/registry/patients")
@bp.doc(summary="Register a patient (once, at the reception)")
def create_patient():
    claims = authenticate(verifier(), roles=STAFF)
    data = parse_patient(json_body(), today())
    return registry.register(ctx(), claims, data), 201


@bp.get("/v1/registry/patients")
@bp.doc(summary="Find patients by policy number, last name, birth date")
def find_patients():
    authenticate(verifier(), roles=STAFF)
    return {"items": registry.find(ctx(), request.args)}


@bp.get("/v1/registry/patients/<patient_id>")
@bp.doc(summary="One patient")
def get_patient(patient_id: str):
    authenticate(verifier(), roles=STAFF)
    return registry.get(ctx(), patient_id)


@bp.put("/v1/registry/patients/<patient_id>")
@bp.doc(summary="Edit a patient or attach them (fields given are replaced)")
def edit_patient(patient_id: str):
    claims = authenticate(verifier(), roles=STAFF)
    data = parse_patient(json_body(), today(), partial=True)
    return registry.edit(ctx(), claims, patient_id, data)
