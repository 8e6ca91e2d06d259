"""What every UI view shares: upstream calls, login state, messages, page rendering."""
from __future__ import annotations

import functools
from datetime import date, datetime
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from flask import current_app, redirect, render_template, request, session, url_for
from regcommon.errors import ApiError

from ..netutil import client_headers, safe_next


def settings():
    return current_app.extensions["settings"]


def q(value) -> str:
    """One path segment, escaped."""
    return quote(str(value), safe="")


def call(service: str, method: str, path: str, *, json=None, params=None, token: str | None = None,
         idempotency_key: str | None = None, internal: bool = False,
         idempotent: bool | None = True):
    """Call a service on behalf of the browser (with its address, agent and, if any, token).

    The one upstream call of the UI and the staff workspace. ``idempotent=None`` leaves the
    retry decision to the method (reads only), for writes that are not safe to repeat."""
    ups = current_app.extensions["upstreams"]
    client = (ups.internal if internal else ups.public)[service]
    headers = client_headers()
    if request.user_agent.string:
        headers["User-Agent"] = request.user_agent.string[:512]
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    # Every write the public UI makes is safe to repeat (idempotency keys, or idempotent by
    # nature), so a call lost on a stale pooled keep-alive connection is retried rather than shown
    # as an error.
    return client.request(method, path, json=json, params=params, headers=headers, token=token,
                          idempotent=idempotent)


def get_json(service: str, path: str, *, params=None, token=None, internal=False,
             cached: bool = False) -> dict:
    """GET that must succeed: a 404 becomes the 404 page, other refusals an error page.

    ``cached``: public, non-personal data (catalog, day grid) may come from the micro-cache.
    """
    cache = current_app.extensions["microcache"]
    key = None
    if cached and not token:
        key = "ui:" + service + path + "?" + urlencode(sorted((params or {}).items()))
        hit = cache.get(key)
        if hit is not None:
            return hit
    answer = call(service, "GET", path, params=params, token=token, internal=internal)
    if answer.status == 200:
        data = answer.json()
        if key is not None:
            cache.put(key, data)
        return data
    if answer.status == 401 and token:
        raise LoginExpired()
    answer.raise_as_api_error()
    raise AssertionError("unreachable")


class LoginExpired(Exception):
    """The stored access token was refused: log in again."""


def access_token() -> str | None:
    """The token the patient's calls carry: while acting for a linked person (ui/family.py) that
    person's acting token, else the patient's own."""
    from .family import acting_token

    return acting_token() or session.get("access_token")


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
        from .family import keep_acting_token

        if not keep_acting_token(fresh):
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
