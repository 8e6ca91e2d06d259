"""Login (OMS policy or ESIA), logout. Success rotates the session id and stores the token."""
from __future__ import annotations

import logging
import secrets

from flask import Blueprint, redirect, request, session, url_for

from ..netutil import safe_next
from ..revocation import record_logout
from . import forms
from .common import access_token, call, flash, forget_login, keep_fresh_token, page, settings

log = logging.getLogger(__name__)
bp = Blueprint("account", __name__)

AUTH_FAILED = ("Данные введены некорректно или пациента нет в базе данных. Проверьте номер "
               "документа и дату рождения; если данные верны, обратитесь один раз в регистратуру "
               "для регистрации.")


def _pending_booking() -> dict | None:
    """The time being booked, with its date in words, for the notice above the login form."""
    booking = session.get("booking")
    if not booking:
        return None
    when = booking.get("time", "")
    if booking.get("date"):
        when = f"{forms.human_date(booking['date'])}, {when}"
    return {**booking, "when": when}


def _login_page(values: dict, errors: dict, status: int = 200, message: str | None = None):
    next_path = safe_next(values.get("next") or request.args.get("next"), "/cabinet")
    return page("login.html", status=status, values=values, errors=errors, message=message,
                next_path=next_path, document_types=forms.DOCUMENT_TYPES,
                identity_types=forms.IDENTITY_TYPES,
                booking=_pending_booking(),
                breadcrumbs=[("Главная", url_for("browse.home")), ("Авторизация", None)])


@bp.get("/login")
def login():
    return _login_page({"document_type": "oms_unified",
                        "next": request.args.get("next", "")}, {})


@bp.post("/login")
def login_post():
    values = {key: request.form.get(key, "") for key in (
        "document_type", "policy_series", "policy_number", "birth_date", "identity_type",
        "identity_number", "next")}
    body, errors = forms.oms_login_body(request.form)
    if errors:
        return _login_page(values, errors, 422)
    answer = call("auth", "POST", "/v1/auth/oms", json=body)
    if answer.status == 200:
        return logged_in(answer.json(), values.get("next"))
    if answer.status == 422:
        err = answer.error()
        mapped = forms.map_field_errors(err.get("fields"))
        return _login_page(values, mapped, 422, None if mapped else err.get("message"))
    if answer.status == 429:
        wait = answer.headers.get("Retry-After", "60")
        return _login_page(values, {}, 429, f"Слишком много попыток входа. Повторите через "
                                            f"{_wait_text(wait)}.")
    return _login_page(values, {}, 401, AUTH_FAILED)


def _wait_text(retry_after: str) -> str:
    try:
        seconds = max(1, int(float(retry_after)))
    except ValueError:
        return retry_after
    if seconds < 120:
        return f"{seconds} с"
    return f"{(seconds + 59) // 60} мин"


def logged_in(auth_answer: dict, next_path: str | None):
    """Keep the token server-side under a fresh session id; finish a pending booking."""
    session.rotate()
    # A fresh CSRF token too: nothing learnt about the session before login is of use after it.
    session["csrf"] = secrets.token_urlsafe(32)
    session["access_token"] = auth_answer["access_token"]
    session["patient"] = auth_answer.get("patient") or {}
    session["token_expires_in"] = auth_answer.get("expires_in")
    pending = session.get("booking")
    if pending and pending.get("consent_version"):
        # The seed: "в случае успешной авторизации запись будет осуществлена".
        keep_fresh_token(call("auth", "POST", "/v1/consents",
                              json={"version": pending["consent_version"],
                                    "session_id": session.public_id},
                              token=auth_answer["access_token"]))
        from .booking import perform_booking

        return perform_booking()
    return redirect(safe_next(next_path, "/cabinet"))


@bp.get("/auth/esia")
def esia_start():
    redirect_uri = _esia_redirect_uri()
    answer = call("auth", "POST", "/v1/esia/authorize-url", json={"redirect_uri": redirect_uri})
    if not answer.ok:
        flash("Вход через госуслуги временно недоступен. Войдите по полису ОМС.", "error")
        return redirect(url_for("account.login", next=request.args.get("next", "")))
    data = answer.json()
    session["esia"] = {"state": data.get("state"), "next": safe_next(request.args.get("next"),
                                                                      "/cabinet")}
    return redirect(data["url"])


def _esia_redirect_uri() -> str:
    # Never the Host header: a forged one would send the patient's ESIA code elsewhere.
    return settings().public_url.rstrip("/") + url_for("account.esia_callback")


@bp.get("/auth/esia/callback")
def esia_callback():
    pending = session.pop("esia", None) or {}
    state = request.args.get("state", "")
    code = request.args.get("code", "")
    if not code or not state or state != pending.get("state"):
        return _login_page({"document_type": "oms_unified"}, {}, 401,
                           "Не удалось войти через госуслуги. Попробуйте ещё раз.")
    answer = call("auth", "POST", "/v1/esia/callback",
                  json={"code": code, "state": state, "redirect_uri": _esia_redirect_uri()})
    if answer.status == 401 and answer.error().get("code") == "authentication_failed":
        # Gosuslugi confirmed the person; the region's registry does not know them yet.
        return _login_page({"document_type": "oms_unified"}, {}, 401,
                           "Вход через госуслуги выполнен, но в базе пациентов региона вас пока нет. "
                           "Для регистрации один раз обратитесь в регистратуру медицинской "
                           "организации с паспортом и полисом ОМС.")
    if answer.status != 200:
        return _login_page({"document_type": "oms_unified"}, {}, answer.status if answer.status < 500 else 503,
                           "Не удалось войти через госуслуги. Попробуйте ещё раз или войдите по полису ОМС.")
    return logged_in(answer.json(), pending.get("next"))


@bp.post("/logout")
def logout():
    token = access_token()
    if token:
        record_logout(token)  # refused on /api/v1 from now on, whatever auth answers
        try:
            call("auth", "POST", "/v1/auth/logout", token=token)
        except Exception:  # noqa: BLE001 - the session is forgotten anyway
            log.warning("token revocation failed at logout")
    forget_login()
    session.destroy()
    return redirect(url_for("browse.home"))
