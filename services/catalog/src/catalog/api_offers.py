"""Internal routes of the earliest-time search (docs/internal-contracts.md, "Round 2")."""
from __future__ import annotations

import re

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, String
from apiflask.validators import Length, Regexp
from flask import current_app
from marshmallow import EXCLUDE, ValidationError, validates_schema
from regcommon.web import require_internal

from . import offers
from .domain.region_file import ID_PATTERN
from .schemas import _id_field

bp = APIBlueprint("catalog_offers", __name__, tag="Internal")
_ONE = ID_PATTERN.pattern.strip("^$")
ID_LIST = re.compile(rf"^{_ONE}(?:,{_ONE})*$")
LIST_MESSAGE = "Идентификаторы через запятую"


class OffersQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    organization_id = _id_field(metadata={"description": "Только эта организация"})
    district_id = _id_field(metadata={"description": "Только организации района"})
    organization_ids = String(validate=[Length(max=4000), Regexp(ID_LIST, error=LIST_MESSAGE)],
                              metadata={"description": "Только эти организации (через запятую)"})
    doctors = Boolean(load_default=False, metadata={"description": "С врачами и их участками"})

    @validates_schema
    def _one_scope(self, data, **_kwargs):
        if data.get("organization_id") and data.get("district_id"):
            raise ValidationError("Укажите организацию или район, не оба", "district_id")


class DoctorsQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    ids = String(required=True, validate=[Length(max=14000), Regexp(ID_LIST, error=LIST_MESSAGE)],
                 metadata={"description": f"Id врачей через запятую (до {offers.MAX_NAMED})"})


def _sessions():
    return current_app.extensions["catalog"].repo.sessions


@bp.get("/internal/services/<service_id>/offers")
@bp.input(OffersQuery, location="query")
@bp.doc(summary="Та же услуга в организации, районе или области (с врачами по запросу)",
        responses=[403, 404])
def service_offers(service_id, query_data):
    require_internal(current_app.extensions["settings"])
    restrict = query_data.get("organization_ids")
    return offers.offers(_sessions(), service_id[:64],
                         organization_id=query_data.get("organization_id"),
                         district_id=query_data.get("district_id"),
                         organization_ids=restrict.split(",") if restrict else None,
                         with_doctors=query_data["doctors"])


@bp.get("/internal/doctors")
@bp.input(DoctorsQuery, location="query")
@bp.doc(summary="Имена врачей по их id", responses=[403])
def doctor_names(query_data):
    require_internal(current_app.extensions["settings"])
    return {"items": offers.doctor_names(_sessions(), query_data["ids"].split(","))}

