"""Flask/APIFlask scaffolding shared by every service: errors, request ids, health, metrics."""
from __future__ import annotations

import logging
import time
from typing import Callable, Iterable

import orjson
from apiflask import APIFlask
from apiflask.exceptions import HTTPError
from flask import Response, current_app, g, jsonify, request
from flask.json.provider import DefaultJSONProvider
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from . import metrics
from .clientaddr import presents_internal_token
from .errors import ERROR_ENVELOPE_SCHEMA, ApiError, error_body, status_error
from .logs import REQUEST_ID_HEADER, configure_logging, new_request_id, request_id_var
from .validation import translate_validation_detail

log = logging.getLogger(__name__)

ReadinessCheck = Callable[[], None]  # raises when not ready
# Dates and datetimes still go through Flask's ``default`` (they are rendered as before); keys
# that are not strings are allowed, as the standard library allows them.
ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


class OrjsonProvider(DefaultJSONProvider):
    """Flask's JSON provider on orjson: every response body and parsed request body of every
    service goes through it. Unicode is written as it is, keys in the order given."""

    ensure_ascii = False
    sort_keys = False

    def dumps(self, obj, **kwargs) -> str:
        return orjson.dumps(obj, default=self.default, option=ORJSON_OPTIONS).decode()

    def loads(self, s, **kwargs):
        return orjson.loads(s)

    def response(self, *args, **kwargs) -> Response:
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(orjson.dumps(obj, default=self.default, option=ORJSON_OPTIONS),
                                        mimetype=self.mimetype)


def create_base_app(import_name: str, settings, title: str, *, version: str = "1.0",
                    json_errors: Callable[[str], bool] | None = None,
                    configure_logs: bool = True) -> APIFlask:
    """Build an APIFlask app with the plumbing every service shares.

    ``json_errors(path)`` tells whether an error on ``path`` is answered in JSON (default: always);
    the gateway answers HTML for its pages and JSON under ``/api/``.
    """
    if configure_logs:
        configure_logging(settings.service_name, settings.log_level)
    app = APIFlask(import_name, title=title, version=version, spec_path="/openapi.json",
                   docs_path="/docs")
    app.json = OrjsonProvider(app)
    app.config["VALIDATION_ERROR_STATUS_CODE"] = 422
    app.config["VALIDATION_ERROR_DESCRIPTION"] = "Validation failed"
    # Errors are documented as they are answered: in the api.md envelope.
    app.config["VALIDATION_ERROR_SCHEMA"] = app.config["HTTP_ERROR_SCHEMA"] = ERROR_ENVELOPE_SCHEMA
    app.config["JSON_SORT_KEYS"] = False
    app.config["MAX_CONTENT_LENGTH"] = 1 * 1024 * 1024
    app.extensions["settings"] = settings
    app.extensions["readiness_checks"] = []
    _add_request_hooks(app, settings)
    _add_error_handlers(app, json_errors or (lambda path: True))
    _add_probes(app, settings)
    return app


def _add_request_hooks(app: APIFlask, settings) -> None:
    """Request id in and out, control characters refused, the request's duration measured."""

    @app.before_request
    def _start():
        rid = request.headers.get(REQUEST_ID_HEADER) or new_request_id()
        g.request_id = rid[:64]
        g.request_token = request_id_var.set(g.request_id)
        g.request_started = time.perf_counter()
        _refuse_control_characters()

    @app.after_request
    def _finish(response: Response):
        response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
        started = g.get("request_started")
        if started is not None:
            endpoint = request.url_rule.rule if request.url_rule else "unmatched"
            metrics.observe_request(settings.service_name, request.method, endpoint,
                                    response.status_code, time.perf_counter() - started)
        return response

    @app.teardown_request
    def _reset(_exc):
        token = g.pop("request_token", None)
        if token is not None:
            request_id_var.reset(token)


def _add_error_handlers(app: APIFlask, is_json: Callable[[str], bool]) -> None:
    """Every error in the api.md envelope (or, off ``is_json`` paths, as Flask answers it)."""

    @app.error_processor
    def _apiflask_error(error: HTTPError):
        # APIFlask's own errors: input validation (422) and abort() calls.
        if error.status_code == 422 and error.detail:
            body = ApiError(422, "validation_failed", "Проверьте правильность заполнения полей",
                            translate_validation_detail(error.detail)).body()
        else:
            body = status_error(error.status_code).body()
        return body, error.status_code, error.headers

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError):
        return jsonify(error.body()), error.status, error.headers

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if not is_json(request.path):
            return error
        api_error = status_error(error.code or 500)
        response = jsonify(api_error.body())
        response.status_code = error.code or 500
        if error.code == 405 and getattr(error, "valid_methods", None):
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(DBAPIError)
    def _database_error(error: DBAPIError):
        if not error.connection_invalidated:
            return _unexpected(error)
        # The database went away (a restart, a failover): the pool is being renewed; a retry in
        # a moment works. The client sees the outage answer, not an internal error.
        log.warning("database connection lost", extra={"path": request.path})
        body = error_body("service_unavailable", "Сервис временно недоступен, повторите попытку "
                          "через минуту")
        return jsonify(body), 503, {"Retry-After": "1"}

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        log.exception("unhandled error", extra={"path": request.path})
        if not is_json(request.path):
            return Response("Внутренняя ошибка сервиса", status=500, mimetype="text/plain")
        return jsonify(status_error(500).body()), 500


def _add_probes(app: APIFlask, settings) -> None:
    """``/healthz``, ``/readyz`` (the registered readiness checks) and ``/metrics``."""

    @app.get("/healthz")
    @app.doc(hide=True)
    def healthz():
        return {"status": "ok", "service": settings.service_name}

    @app.get("/readyz")
    @app.doc(hide=True)
    def readyz():
        failures = {}
        for name, check in app.extensions["readiness_checks"]:
            try:
                check()
            except Exception as exc:  # noqa: BLE001 - any failure means not ready
                failures[name] = str(exc)[:200]
        if failures:
            log.warning("not ready", extra={"failures": failures})
        status = "unavailable" if failures else "ready"
        if not presents_internal_token(settings.internal_token):
            # Failures name hosts, ports and drivers: only the status for anyone else.
            return {"status": status}, 503 if failures else 200
        if failures:
            return {"status": status, "service": settings.service_name, "failures": failures}, 503
        return {"status": status, "service": settings.service_name}

    @app.get("/metrics")
    @app.doc(hide=True)
    def metrics_endpoint():
        data, content_type = metrics.render()
        return Response(data, mimetype=content_type)


def _has_control(value: str) -> bool:
    return any(ord(ch) < 32 or ord(ch) == 127 for ch in value)


def _refuse_control_characters() -> None:
    """No id or parameter of ours holds control characters (PostgreSQL refuses NUL outright):
    answer them as unknown addresses and invalid fields instead of letting them reach a query."""
    if _has_control(request.path):
        raise ApiError(404, "not_found", "Не найдено")
    bad = sorted({name for name, value in request.args.items(multi=True)
                  if _has_control(name) or _has_control(value)})
    bad += _fields_with_nul()
    if bad:
        raise ApiError(422, "validation_failed", "Проверьте правильность заполнения полей",
                       {name: "Недопустимые символы" for name in bad})


def _holds_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


def _fields_with_nul() -> list[str]:
    """Top-level fields of a JSON body holding a NUL anywhere inside (JSON can only carry one as
    ``\\u0000``, so the body is looked into only when that escape is in it; big bodies such as
    the region import, streamed by the gateway, are never read here)."""
    if request.mimetype != "application/json" or not request.content_length \
            or request.content_length > 1024 * 1024:
        return []
    if b"\\u0000" not in request.get_data(cache=True):
        return []
    body = request.get_json(silent=True)
    if isinstance(body, dict):
        return sorted(str(key) for key, value in body.items()
                      if _holds_nul(key) or _holds_nul(value))
    return ["_schema"] if _holds_nul(body) else []


def add_readiness_check(app, name: str, check: ReadinessCheck) -> None:
    app.extensions["readiness_checks"].append((name, check))


def require_internal(settings) -> None:
    """Refuse a call on an /internal/ path that lacks the shared service token."""
    if not presents_internal_token(settings.internal_token):
        raise ApiError(403, "forbidden", "Доступ только для внутренних сервисов")


def settings_of_app():
    return current_app.extensions["settings"]


def idempotency_key(required: bool) -> str | None:
    """The ``Idempotency-Key`` header, which must be a UUID."""
    import uuid

    key = request.headers.get("Idempotency-Key")
    if not key:
        if required:
            raise ApiError(400, "idempotency_key_required",
                           "Нужен заголовок Idempotency-Key (UUID) для безопасного повтора запроса")
        return None
    try:
        return str(uuid.UUID(key.strip()))
    except ValueError:
        raise ApiError(422, "validation_failed", "Проверьте правильность заполнения полей",
                       {"Idempotency-Key": "Должен быть UUID"}) from None


def iter_items(rows: Iterable) -> dict:
    return {"items": list(rows)}
