"""Staff login and logout."""
from __future__ import annotations

import logging

from flask import flash, redirect, request, url_for

from ..revocation import record_logout
from . import upstream
from .guards import login_required, page
from .session import current_staff, forget_login, remember_login

log = logging.getLogger(__name__)


def _safe_next(target: str | None) -> str:
    # Only our own pages: an open redirect would hand the session to another site.
    if target and target.startswith("/staff") and not target.startswith("//"):
        return target
    return url_for("staff.search")


def login():
    if request.method == "GET":
        if current_staff() is not None:
            return redirect(_safe_next(request.args.get("next")))
        return page("staff/login.html", next=request.args.get("next", ""), login="", error=None)
    login_name = request.form.get("login", "").strip()
    password = request.form.get("password", "")
    next_url = request.form.get("next", "")
    if not login_name or not password:
        return page("staff/login.html", 422, next=next_url, login=login_name,
                    error="Введите логин и пароль")
    try:
        answer = upstream.call("auth", "POST", "/v1/auth/staff", token=None,
                               json={"login": login_name, "password": password}, ok=(200,))
    except upstream.UpstreamError as exc:
        message = ("Неверный логин или пароль" if exc.status in (401, 404) else exc.message)
        return page("staff/login.html", exc.status if exc.status < 500 else 503,
                    next=next_url, login=login_name, error=message)
    answer = answer or {}
    member = remember_login(str(answer.get("access_token") or ""), answer.get("staff") or {})
    if member is None:
        log.warning("non-staff token refused at staff login")
        return page("staff/login.html", 403, next=next_url, login=login_name,
                    error="Вход только для сотрудников регистратуры и администраторов")
    log.info("staff signed in", extra={"staff_id": member.id, "role": member.role})
    return redirect(_safe_next(next_url))


@login_required
def logout():
    staff = current_staff()
    if staff is not None:
        record_logout(staff.token)
        try:
            upstream.call("auth", "POST", "/v1/auth/logout", token=staff.token)
        except upstream.UpstreamError as exc:
            # The local session ends anyway; a failed revocation is logged for the operators.
            log.warning("staff logout upstream failed", extra={"code": exc.code})
    forget_login()
    flash("Вы вышли из рабочего места", "info")
    return redirect(url_for("staff.login"))


def add_routes(bp) -> None:
    bp.add_url_rule("/login", "login", login, methods=["GET", "POST"])
    bp.add_url_rule("/logout", "logout", logout, methods=["POST"])
