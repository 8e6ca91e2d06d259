"""Service-to-service endpoints (/internal/..., shared token) and staff endpoints (/v1/admin/...)."""
from __future__ import annotations

import functools

from apiflask import APIBlueprint
from flask import current_app, g, request
from regcommon.errors import ApiError
from regcommon.jwt_verify import authenticate
from regcommon.web import require_internal

from . import schemas
from .domain.region_file import RegionFileInvalid

bp = APIBlueprint("catalog_internal", __name__, tag="Internal")

# How many problems of a rejected region file are returned over HTTP (the CLI prints them all).
MAX_PROBLEMS_IN_ANSWER = 500


def catalog():
    return current_app.extensions["catalog"]


def internal_only():
    require_internal(current_app.extensions["settings"])


def staff_only(view):
    """Authenticate staff before APIFlask validates the body: strangers learn nothing from 422s.

    Applied below the route decorator and above ``@input``; ``wraps`` keeps APIFlask's spec data.
    """
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        g.staff_claims = authenticate(current_app.extensions["verifier"],
                                      roles=("admin", "registrar"))
        return view(*args, **kwargs)

    return wrapper


@bp.get("/internal/doctors/<doctor_id>/context")
@bp.input(schemas.ContextQuery, location="query")
@bp.output(schemas.DoctorContext)
@bp.doc(summary="Врач, услуга и организация с настройками записи", responses=[403, 404])
def doctor_context(doctor_id, query_data):
    internal_only()
    return catalog().doctor_context(doctor_id, query_data["service_id"])


@bp.get("/internal/contexts")
@bp.doc(summary="Все организации, услуги и врачи с тем, что нужно записи", responses=[403])
def all_contexts():
    """``{"organizations": {id: ...}, "services": {id: ...}, "doctors": {id: ...}}``: every
    doctor context at once, so booking asks once a minute instead of once per doctor."""
    internal_only()
    return catalog().contexts()


@bp.get("/internal/organizations/settings")
@bp.doc(summary="Настройки записи всех организаций", responses=[403])
def all_organization_settings():
    """``{"items": {organization_id: settings}}``: what schedule's read paths need, in one call."""
    internal_only()
    return {"items": catalog().all_settings()}


@bp.get("/internal/organizations/<organization_id>/settings")
@bp.output(schemas.SettingsOut)
@bp.doc(summary="Настройки записи организации", responses=[403, 404])
def organization_settings(organization_id):
    internal_only()
    return catalog().settings(organization_id)


@bp.get("/v1/admin/organizations/<organization_id>/settings")
@staff_only
@bp.output(schemas.SettingsOut)
@bp.doc(summary="Текущие настройки записи (администратор или регистратор организации)",
        responses=[401, 403, 404])
def read_settings(organization_id):
    return catalog().staff_settings(g.staff_claims, organization_id)


@bp.put("/v1/admin/organizations/<organization_id>/settings")
@staff_only
@bp.input(schemas.SettingsIn, location="json")
@bp.output(schemas.SettingsOut)
@bp.doc(summary="Изменить настройки записи (администратор или регистратор организации)",
        responses=[401, 403, 404])
def update_settings(organization_id, json_data):
    return catalog().update_settings(g.staff_claims, organization_id, json_data)


@bp.post("/v1/admin/import")
@staff_only
@bp.output(schemas.ImportResult)
@bp.doc(summary="Загрузить файл региона (registratura-region/1), только администратор",
        responses=[401, 403, 422])
def import_region():
    claims = g.staff_claims
    if claims.get("role") != "admin":
        raise ApiError(403, "forbidden", "Загружать данные региона может только администратор")
    # A region file is far larger than ordinary requests; the limit is raised only after the
    # caller is known to be an admin.
    request.max_content_length = current_app.extensions["settings"].max_import_bytes
    document = request.get_json(silent=True)
    if document is None:
        raise ApiError(422, "validation_failed", "Ожидается файл региона в формате JSON",
                       {"_schema": "Тело запроса должно быть JSON-объектом"})
    try:
        result = catalog().import_region(claims, document)
    except RegionFileInvalid as exc:
        fields: dict[str, str] = {}
        for problem in exc.problems[:MAX_PROBLEMS_IN_ANSWER]:
            previous = fields.get(problem.path)
            fields[problem.path] = f"{previous}; {problem.message}" if previous else problem.message
        raise ApiError(422, "invalid_region_file",
                       f"Файл региона не загружен: найдено ошибок — {len(exc.problems)}",
                       fields) from None
    return result
