"""The reception staff workspace: a blueprint under ``/staff`` (Russian, keyboard-first).

``register(app)`` is the only entry point; the gateway's ``create_app`` calls it.
"""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Blueprint, flash, g, redirect, request, url_for

from . import forms
from .formatting import format_date, format_datetime, format_time
from .guards import ROLE_NAMES, PageError, error_page
from .session import csrf_token, csrf_valid, current_staff, forget_login
from .upstream import UpstreamError

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
def create_blueprint() -> Blueprint:
    from . import (attendance, views_admin, views_auth, views_booking, views_links,
                   views_patients, views_referrals, views_schedule)

    bp = Blueprint("staff", __name__, url_prefix="/staff", template_folder=str(TEMPLATES),
                   static_folder="static", static_url_path="/static")
    # HTML pages, not API: kept out of the gateway's OpenAPI document (APIFlask reads this flag
    # on every blueprint that has before_request hooks).
    bp.enable_openapi = False

    @bp.before_request
    def _check_csrf():
        if request.method == "POST" and not csrf_valid(request.form.get("csrf_token")):
            log.info("staff form refused: csrf token missing or stale")
            return error_page(400, "Форма устарела. Обновите страницу и повторите действие.")
        return None

    @bp.after_request
    def _no_store(response):
        # Pages carry patients' personal data: never kept by a shared reception browser's cache.
        if not request.path.startswith("/staff/static/"):
            response.headers["Cache-Control"] = "no-store"
        return response

    @bp.context_processor
    def _context():
        return {"staff": g.get("staff") or current_staff(), "csrf_token": csrf_token,
                "role_names": ROLE_NAMES}

    @bp.errorhandler(PageError)
    def _page_error(error: PageError):
        return error_page(error.status, error.message)

    @bp.errorhandler(UpstreamError)
    def _upstream_error(error: UpstreamError):
        if error.status == 401:
            # The token was revoked or has expired: sign the staff member out.
            forget_login()
            flash("Сеанс завершён, войдите снова", "error")
            return redirect(url_for("staff.login"))
        status = error.status if 400 <= error.status < 600 else 502
        return error_page(status, error.message)

    bp.add_app_template_filter(format_datetime, "staff_datetime")
    bp.add_app_template_filter(format_time, "staff_time")
    bp.add_app_template_filter(format_date, "staff_date")
    bp.add_app_template_filter(forms.shown_date, "staff_input_date")

    for module in (views_auth, views_patients, views_booking, views_schedule, views_admin,
                   attendance, views_referrals, views_links):
        module.add_routes(bp)
    return bp


def register(app) -> None:
    """Mount the staff workspace on the gateway app."""
    app.register_blueprint(create_blueprint())
