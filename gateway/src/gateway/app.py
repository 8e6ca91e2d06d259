"""The gateway's app factory: the public API proxy, the patient UI, sessions, security."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import jsonify, render_template, request
from regcommon.db import make_engine, make_sessionmaker, ping
from regcommon.errors import ApiError, status_error
from regcommon.jwt_verify import verifier_from_settings
from regcommon.web import add_readiness_check, create_base_app
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from . import fhir, openapi, proxy, security
from .revocation import build_gate
from .microcache import MicroCache
from .sessions import DbSessionInterface
from .settings import GatewaySettings
from .catalog_index import CatalogIndex, fetch_from
from .upstreams import Upstreams

log = logging.getLogger(__name__)
PACKAGE_DIR = Path(__file__).parent


def is_api_path(path: str) -> bool:
    return path == "/api" or path.startswith(("/api/", "/healthz", "/readyz", "/openapi.json"))


def create_app(settings: GatewaySettings | None = None):
    settings = settings or GatewaySettings()
    app = create_base_app(__name__, settings, "Registratura gateway", json_errors=is_api_path)
    app.template_folder = str(PACKAGE_DIR / "templates")
    app.static_folder = str(PACKAGE_DIR / "static")
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 3600
    app.config["SESSION_COOKIE_NAME"] = "reg_session"
    if settings.proxy_hops:
        # The client address (and whether the request came over HTTPS) as the trusted proxies
        # saw it; X-Forwarded-Host is never trusted (no URL is built from the Host header).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops, x_proto=1, x_host=0)

    engine = make_engine(settings.database_url)
    app.extensions["engine"] = engine
    sessionmaker = make_sessionmaker(engine)
    app.session_interface = DbSessionInterface(sessionmaker, settings)
    app.extensions["token_gate"] = build_gate(settings, engine)
    upstreams = Upstreams(settings)
    app.extensions["upstreams"] = upstreams
    # The earliest-time search's view of the catalog, renewed once a minute (catalog_index.py).
    app.extensions["catalog_index"] = CatalogIndex(fetch_from(upstreams.internal["catalog"]))
    # Verifies tokens only where the gateway itself must know the caller before it reads a body
    # (the region import); every service still verifies each token it is sent.
    app.extensions["jwt_verifier"] = verifier_from_settings(settings)
    app.extensions["microcache"] = MicroCache(settings.microcache_ttl_seconds,
                                              settings.microcache_max_entries)
    add_readiness_check(app, "database", lambda: ping(engine))
    add_readiness_check(app, "upstream_clients", upstreams.check)

    security.register(app)
    proxy.register(app)
    openapi.register(app)
    fhir.register(app)
    _register_error_pages(app)

    from .ui import register as register_ui

    register_ui(app)
    try:
        from gateway.staff import register as register_staff
    except ImportError:  # the staff workspace is optional: the patient portal runs without it
        log.info("staff workspace not installed")
    else:
        register_staff(app)
    return app


def _register_error_pages(app) -> None:
    @app.errorhandler(ApiError)
    def _api_error(error: ApiError):
        if is_api_path(request.path):
            return jsonify(error.body()), error.status, error.headers
        return render_template("error.html", status=error.status, message=error.message,
                               code=error.code), error.status

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        status = error.code or 500
        if is_api_path(request.path):
            response = jsonify(status_error(status).body())
            response.status_code = status
            if status == 405 and getattr(error, "valid_methods", None):
                response.headers["Allow"] = ", ".join(error.valid_methods)
            return response
        if status == 403 and error.description == "csrf":
            message = ("Страница устарела или форма отправлена не с нашего сайта. "
                       "Вернитесь назад, обновите страницу и повторите действие.")
        else:
            message = status_error(status).message
        return render_template("error.html", status=status, message=message,
                               code=status_error(status).code), status
