"""CSRF protection of UI forms, the operators' paths, and the security headers of every answer."""
from __future__ import annotations

import hmac
import secrets

from flask import abort, current_app, request, session
from regcommon.clientaddr import presents_internal_token
from regcommon.errors import ApiError, status_error

CSP = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'none'")
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
HSTS = "max-age=31536000; includeSubDomains"


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def check_csrf() -> None:
    """Refuse a UI form post whose token does not match the session's (403 page)."""
    if request.method not in UNSAFE_METHODS or request.path.startswith(("/api/", "/fhir/")):
        return
    expected = session.get("csrf")
    given = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    if not expected or not hmac.compare_digest(str(expected).encode(), given.encode()):
        abort(403, description="csrf")


def _settings():
    return current_app.extensions.get("settings")


def _internal_caller() -> bool:
    return presents_internal_token(getattr(_settings(), "internal_token", "") or "")


def _metrics_caller() -> bool:
    expected = getattr(_settings(), "metrics_token", "") or ""
    given = request.headers.get("Authorization", "")
    return _internal_caller() or bool(expected) and hmac.compare_digest(
        given.encode(), f"Bearer {expected}".encode())


def guard_operator_paths() -> None:
    """/metrics and the API console are for operators, not the internet (the public API document
    /openapi.json stays public; /readyz answers strangers its status only)."""
    path = request.path
    if path == "/metrics" and not _metrics_caller():
        raise ApiError(403, "forbidden", "Доступ только для внутренних сервисов")
    if (path == "/docs" or path.startswith("/docs/")) and not _internal_caller():
        raise status_error(404)


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    if request.is_secure or getattr(_settings(), "is_production", False):
        # HTTPS only from now on (behind the ingress, is_secure comes from X-Forwarded-Proto of
        # the trusted hop; in production TLS always ends at the ingress).
        headers.setdefault("Strict-Transport-Security", HSTS)
    path = request.path
    if not path.startswith(("/api/", "/static/")) and "Cache-Control" not in headers:
        # Pages carry CSRF tokens and often personal data: never store them.
        headers["Cache-Control"] = "no-store"
    return response


def register(app) -> None:
    app.before_request(guard_operator_paths)
    app.before_request(check_csrf)
    app.after_request(add_security_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token
