"""CSRF protection of UI forms and the security headers of every answer."""
from __future__ import annotations

import hmac
import secrets

from flask import abort, request, session

CSP = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'none'")
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


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


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    path = request.path
    if not path.startswith(("/api/", "/static/")) and "Cache-Control" not in headers:
        # Pages carry CSRF tokens and often personal data: never store them.
        headers["Cache-Control"] = "no-store"
    return response


def register(app) -> None:
    app.before_request(check_csrf)
    app.after_request(add_security_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token
