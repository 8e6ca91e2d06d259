"""The FHIR R4 read API under /fhir/R4/: read, search and metadata; every error an
OperationOutcome, every answer application/fhir+json."""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, request
from regcommon.errors import ApiError, status_error
from werkzeug.exceptions import HTTPException

from ..upstreams import LoginExpired
from . import find, kinds, params
from .capability import capability_statement
from .catalog_kinds import (HEALTHCARE_SERVICE, LOCATION, ORGANIZATION, PRACTITIONER,
                            PRACTITIONER_ROLE)
from .outcome import FhirError, searchset
from .schedule_kinds import APPOINTMENT, SCHEDULE, SLOT

FHIR_JSON = "application/fhir+json; charset=utf-8"
JSON_FORMATS = ("json", "application/json", "application/fhir+json")
KINDS = {"Organization": ORGANIZATION, "Location": LOCATION,
         "HealthcareService": HEALTHCARE_SERVICE, "Practitioner": PRACTITIONER,
         "PractitionerRole": PRACTITIONER_ROLE, "Schedule": SCHEDULE, "Slot": SLOT,
         "Appointment": APPOINTMENT}

log = logging.getLogger(__name__)
bp = Blueprint("fhir", __name__)


def fhir_response(resource: dict, status: int = 200, headers: dict | None = None) -> Response:
    body = json.dumps(resource, ensure_ascii=False, separators=(",", ":"))
    response = Response(body, status=status, content_type=FHIR_JSON, headers=headers or {})
    if status == 200 and resource.get("resourceType") != "CapabilityStatement":
        # Appointments are personal; the rest changes with every booking.
        response.headers["Cache-Control"] = "private, no-store" if \
            "Authorization" in request.headers else "no-cache"
    return response


def base_url() -> str:
    public = current_app.extensions["settings"].public_url
    return (public or request.host_url).rstrip("/") + "/fhir/R4"


def context() -> kinds.Context:
    settings = current_app.extensions["settings"]
    header = request.headers.get("Authorization")
    token = None
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise FhirError(401, "Ожидается заголовок Authorization: Bearer <токен>",
                            headers={"WWW-Authenticate": "Bearer"})
        token = token.strip()
    return kinds.Context(token, ZoneInfo(settings.timezone), settings.grid_days,
                         datetime.now(timezone.utc))


def _check_format() -> None:
    wanted = request.args.get("_format")
    if wanted is not None and wanted.split(";")[0].strip() not in JSON_FORMATS:
        raise FhirError(406, "Поддерживается только JSON (_format=json)", "not-supported")


def metadata() -> Response:
    try:
        software = version("registratura-gateway")
    except PackageNotFoundError:
        software = "0"
    today = datetime.now(timezone.utc).date().isoformat()
    return fhir_response(capability_statement(KINDS, base_url(), software, today,
                                              {"Appointment": [("find", find.DEFINITION)]}))


def _kind(resource_type: str) -> kinds.Kind:
    if resource_type not in KINDS:
        raise FhirError(404, f"Тип ресурса {resource_type} не поддерживается", "not-supported")
    return KINDS[resource_type]


def read(resource_type: str, fhir_id: str) -> Response:
    resource = _kind(resource_type).read(fhir_id, context())
    if resource is None:
        raise FhirError(404, f"Ресурс {resource_type}/{fhir_id} не найден")
    return fhir_response(resource)


def _query(allowed: dict, default_count: int = params.DEFAULT_COUNT) -> params.Query:
    # Unknown parameters are refused unless the client asks for lenient handling (FHIR search).
    lenient = "handling=lenient" in request.headers.get("Prefer", "").replace(" ", "")
    return params.parse_query(list(request.args.items(multi=True)), allowed, lenient=lenient,
                              default_count=default_count)


def search(resource_type: str) -> Response:
    kind = _kind(resource_type)
    query = _query({name: p.modifiers for name, p in kind.params.items()})
    found = kinds.search(kind, query, context())
    return fhir_response(searchset(found, base_url=base_url(), resource_type=resource_type,
                                   query=query.pairs, offset=query.offset, count=query.count))


def find_appointments() -> Response:
    query = _query(find.PARAMS, find.DEFAULT_COUNT)
    offers = find.find(query, context())
    return fhir_response(searchset(offers, base_url=base_url(), resource_type="Appointment/$find",
                                   query=query.pairs, offset=query.offset, count=query.count,
                                   full_url=find.full_url))


@bp.route("/fhir/R4", defaults={"rest": ""}, methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
          strict_slashes=False)
@bp.route("/fhir/R4/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def dispatch(rest: str) -> Response:
    if request.method not in ("GET", "HEAD"):
        raise FhirError(405, "FHIR API только для чтения: поддерживается GET",
                        headers={"Allow": "GET, HEAD"})
    _check_format()
    segments = rest.strip("/").split("/") if rest.strip("/") else []
    if segments == ["metadata"]:
        return metadata()
    if segments == ["Appointment", "$find"]:
        return find_appointments()
    if len(segments) == 1:
        return search(segments[0])
    if len(segments) == 2:
        return read(*segments)
    raise FhirError(404, "Такого адреса в FHIR API нет (поддерживаются metadata, [тип] и "
                         "[тип]/[id])", "not-supported")


@bp.errorhandler(FhirError)
def _fhir_error(error: FhirError):
    return fhir_response(error.resource(), error.status, error.headers)


@bp.errorhandler(ApiError)
def _upstream_error(error: ApiError):
    headers = {k: v for k, v in error.headers.items() if k == "Retry-After"}
    return _fhir_error(FhirError(error.status, error.message, headers=headers))


@bp.errorhandler(LoginExpired)
def _login_expired(_error: LoginExpired):
    return _fhir_error(FhirError(401, "Токен недействителен или истёк: войдите снова",
                                 headers={"WWW-Authenticate": "Bearer"}))


@bp.errorhandler(Exception)
def _unexpected(error: Exception):
    if isinstance(error, HTTPException):
        return _http_error(error)
    log.exception("FHIR request failed: %s", request.path)
    return _fhir_error(FhirError(500, status_error(500).message, "exception"))


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    status = error.code or 500
    return _fhir_error(FhirError(status, status_error(status).message))
