"""Public endpoints of referrals (направления), docs/internal-contracts.md, "Round 2": parse →
use case."""
from __future__ import annotations

from apiflask import APIBlueprint
from flask import request

from . import referral_cases
from .api import actor, client, deps

bp = APIBlueprint("referrals", __name__, tag="Referrals")


def _json():
    return request.get_json(silent=True)


@bp.get("/v1/referrals")
def own_referrals():
    return {"items": referral_cases.list_own(deps(), actor())}


@bp.post("/v1/registry/referrals")
def issue_referral():
    return referral_cases.issue(deps(), actor(), _json(), client()), 201


@bp.get("/v1/registry/patients/<patient_id>/referrals")
def patient_referrals(patient_id: str):
    return {"items": referral_cases.list_for_patient(deps(), actor(), patient_id)}


@bp.delete("/v1/registry/referrals/<referral_id>")
def cancel_referral(referral_id: str):
    return referral_cases.cancel(deps(), actor(), referral_id, client())


@bp.post("/v1/registry/referrals/import")
def import_referrals():
    return referral_cases.import_rows(deps(), actor(), _json(), client())
