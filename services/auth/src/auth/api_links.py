"""Family and proxy links (issue 12): the patient's routes, the reception's, and act-as.

docs/internal-contracts.md, "Round 2", describes them. Every patient route wants the patient's
OWN token: an acting token (one with an ``act`` claim) manages nobody's links and acts for nobody
else.
"""
from __future__ import annotations

from apiflask import APIBlueprint

from regcommon.jwt_verify import authenticate
from regcommon.openapi import DATE, TEXT, body

from . import links, links_registry
from .api import ctx, json_body, verifier
from .api_registry import actor
from .domain.links import LinkOwnLoginRequired, parse_link_request
from .domain.errors import InvalidInput
from .domain.documents import POLICY_TYPES
from .services import today

bp = APIBlueprint("links", __name__)

_LINK_BODY = body({
    "kind": {"type": "string", "enum": ["child", "adult"]},
    "policy": body({"type": {"type": "string", "enum": list(POLICY_TYPES)}, "series": TEXT,
                    "number": TEXT}, ("type", "number")),
    "birth_certificate": TEXT, "birth_date": DATE}, ("kind", "policy"))
INPUTS = {
    "POST /v1/me/links": {"body": _LINK_BODY},
    "POST /v1/registry/patients/{patient_id}/links": {"body": _LINK_BODY},
    "POST /v1/auth/act-as": {"body": body({"patient_id": TEXT}, ("patient_id",))},
}


def own_patient() -> dict:
    claims = authenticate(verifier(), roles=("patient",))
    if claims.get("act"):
        raise LinkOwnLoginRequired()
    return claims


@bp.get("/v1/me/links")
@bp.doc(summary="My links: the people I act for, and the incoming links to answer")
def my_links():
    return {"items": links.list_mine(ctx(), own_patient()["sub"])}


@bp.post("/v1/me/links")
@bp.doc(summary="Link a child (policy + birth certificate) or an adult (policy + birth date)")
def add_link():
    claims = own_patient()
    request = parse_link_request(json_body(), today())
    return links.create(ctx(), claims["sub"], request), 201


@bp.delete("/v1/me/links/<link_id>")
@bp.doc(summary="End a link (its holder or its subject)")
def end_link(link_id: str):
    return links.end(ctx(), own_patient()["sub"], link_id)


@bp.post("/v1/me/links/<link_id>/accept")
@bp.doc(summary="The adult named in a pending link accepts it")
def accept_link(link_id: str):
    return links.accept(ctx(), own_patient()["sub"], link_id)


@bp.post("/v1/auth/act-as")
@bp.doc(summary="A short token of a linked person, with an act claim naming the holder")
def act_as():
    claims = own_patient()
    body = json_body()
    subject_id = body.get("patient_id")
    if not isinstance(subject_id, str) or not 0 < len(subject_id) <= 36:
        raise InvalidInput({"patient_id": "Укажите пациента"})
    if subject_id == claims["sub"]:
        raise InvalidInput({"patient_id": "Для записи себя используйте свой вход"})
    return links.act_as(ctx(), claims, subject_id)


@bp.get("/v1/registry/patients/<patient_id>/links")
@bp.doc(summary="Links of a patient of the caller's organization (either side)")
def patient_links(patient_id: str):
    return {"items": links_registry.for_patient(ctx(), actor(), patient_id)}


@bp.post("/v1/registry/patients/<patient_id>/links")
@bp.doc(summary="Link a person to a patient of the caller's organization")
def registry_add_link(patient_id: str):
    who = actor()
    request = parse_link_request(json_body(), today())
    return links_registry.create(ctx(), who, patient_id, request), 201


@bp.delete("/v1/registry/links/<link_id>")
@bp.doc(summary="End a link one side of which is the caller's organization's patient")
def registry_end_link(link_id: str):
    return links_registry.end(ctx(), actor(), link_id)


@bp.post("/v1/registry/links/<link_id>/confirm")
@bp.doc(summary="Confirm a pending link whose adult is the caller's organization's patient")
def registry_confirm_link(link_id: str):
    return links_registry.confirm(ctx(), actor(), link_id)
