"""What every UI view shares: upstream calls, login state, messages, page rendering."""
from __future__ import annotations

import functools
from datetime import date, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import current_app, redirect, render_template, request, session, url_for
from regcommon.errors import ApiError

from ..netutil import safe_next
from . import acting
# The one upstream layer of the UI, the staff workspace and the API's composed answers.
from ..upstreams import LoginExpired, call, get_json, q  # noqa: F401 - re-exported


def settings():
    return current_app.extensions["settings"]


def access_token() -> str | None:
    """The token the patient's calls carry: while acting for a linked person (ui/family.py) that
    person's acting token, else the patient's own."""
    token = acting.acting_token()
    if session.pop("acting_ended", False):
        flash("Записывать этого человека больше нельзя: связь прекращена. Вы снова "
              "записываетесь сами.", "warning")
    return token or session.get("access_token")


def keep_fresh_token(answer) -> None:
    """Auth answers a logged-in patient's consent with a fresh token whose claims show it:
    keep that one, so that booking need not ask auth whether the consent was given."""
    if not answer.ok or not session.get("access_token"):
        return
    try:
        fresh = (answer.json() or {}).get("access_token")
    except ValueError:
        return
    if isinstance(fresh, str) and fresh:
        if not acting.keep_acting_token(fresh):
            session["access_token"] = fresh


def patient() -> dict | None:
    return session.get("patient")


def today() -> date:
    return datetime.now(ZoneInfo(settings().timezone)).date()


def flash(message: str, kind: str = "info") -> None:
    messages = list(session.get("flash", []))
    messages.append({"kind": kind, "text": message})
    session["flash"] = messages[-5:]


def take_flashes() -> list:
    if "flash" not in session:
        return []
    return session.pop("flash")


def login_url(next_path: str) -> str:
    return url_for("account.login", next=next_path)


def _come_back_to() -> str:
    """Where to return after login: this page, or for a form post the page it came from."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    return safe_next(request.form.get("back"), "/cabinet")


def login_required(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not access_token():
            return redirect(login_url(_come_back_to()))
        try:
            return view(*args, **kwargs)
        except LoginExpired:
            forget_login()
            flash("Срок входа истёк. Войдите снова.", "warning")
            return redirect(login_url(_come_back_to()))
    return wrapper


def forget_login() -> None:
    for key in ("access_token", "patient", "token_expires_in", "acting", "family"):
        session.pop(key, None)


def page(template: str, status: int = 200, **context):
    context.setdefault("breadcrumbs", [])
    return render_template(template, flashes=take_flashes(), patient=patient(), **context), status


def with_query(path: str, **params) -> str:
    clean = {k: v for k, v in params.items() if v not in (None, "")}
    return path + ("?" + urlencode(clean) if clean else "")


def api_error_of(answer) -> ApiError:
    err = answer.error()
    return ApiError(answer.status, err.get("code", "error"), err.get("message", ""),
                    err.get("fields"))
