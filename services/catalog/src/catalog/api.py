"""Public catalog endpoints (/v1/...), shapes of api.md; cacheable with ETag."""
from __future__ import annotations

import hashlib
import json

from apiflask import APIBlueprint
from flask import current_app, request

from . import schemas

bp = APIBlueprint("catalog", __name__, tag="Catalog")


def catalog():
    return current_app.extensions["catalog"]


def cached_json(payload: dict):
    """A JSON answer with a strong ETag; ``If-None-Match`` with the same ETag gives a 304."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    response = current_app.response_class(body, mimetype="application/json")
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    max_age = current_app.extensions["settings"].cache_max_age
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response.make_conditional(request)


@bp.get("/v1/districts")
@bp.output(schemas.NamedList)
@bp.doc(summary="Районы и города области")
def districts():
    return cached_json({"items": catalog().districts()})


@bp.get("/v1/organization-types")
@bp.output(schemas.NamedList)
@bp.doc(summary="Типы медицинских организаций")
def organization_types():
    return cached_json({"items": catalog().organization_types()})


@bp.get("/v1/organizations")
@bp.input(schemas.OrganizationsQuery, location="query")
@bp.output(schemas.OrganizationList)
@bp.doc(summary="Медицинские организации (фильтры: район, тип, поиск)")
def organizations(query_data):
    return cached_json({"items": catalog().organizations(
        query_data.get("district_id"), query_data.get("type_id"), query_data.get("q"))})


@bp.get("/v1/organizations/<organization_id>")
@bp.output(schemas.OrganizationDetail)
@bp.doc(summary="Медицинская организация и её подразделения", responses=[404])
def organization(organization_id):
    return cached_json(catalog().organization(organization_id))


@bp.get("/v1/organizations/<organization_id>/services")
@bp.output(schemas.ServiceList)
@bp.doc(summary="Услуги медицинской организации", responses=[404])
def services(organization_id):
    return cached_json({"items": catalog().services(organization_id)})


@bp.get("/v1/organizations/<organization_id>/services/<service_id>/doctors")
@bp.output(schemas.DoctorList)
@bp.doc(summary="Врачи, оказывающие услугу", responses=[404])
def doctors(organization_id, service_id):
    return cached_json({"items": catalog().doctors(organization_id, service_id)})


@bp.get("/v1/doctors/<doctor_id>")
@bp.input(schemas.ContextQuery, location="query")
@bp.output(schemas.PublicDoctorContext)
@bp.doc(summary="Врач вместе с услугой и организацией (для страниц записи)", responses=[404])
def doctor(doctor_id, query_data):
    return cached_json(catalog().public_doctor_context(doctor_id, query_data["service_id"]))
