"""A local ESIA (Gosuslugi) emulator for development and tests — never for production.

It implements the endpoints the auth service's ESIA client uses: the login page
(``/aas/oauth2/v2/ac``), the token exchange (``/aas/oauth2/v3/te``, codes one-use and short-lived),
person data (``/rs/prns/{oid}``, ``/rs/prns/{oid}/docs``) and the keys of its id_token
(``/aas/oauth2/jwks``, flagged ``x-esia-emulator`` so a production client refuses it).
State lives in memory: run it with one worker (``gunicorn -w 1``).
"""
from __future__ import annotations

import html
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from flask import Flask, Response, jsonify, redirect, request
from jose import jwt
from pydantic_settings import BaseSettings, SettingsConfigDict

from .adapters.esia import EMULATOR_FLAG
from .adapters.keystore import generate_private_key, public_jwk

USERS = [
    {"oid": "1000299353", "lastName": "Иванова", "firstName": "Мария", "middleName": "Петровна",
     "birthDate": "14.03.1985", "gender": "F", "snils": "112-233-445 95", "trusted": True,
     "docs": [{"type": "MDCL_PLCY", "number": "5680784863159153", "vrfStu": "VERIFIED"},
              {"type": "RF_PASSPORT", "series": "5309", "number": "123456", "vrfStu": "VERIFIED"}]},
    {"oid": "1000299354", "lastName": "Петров", "firstName": "Сергей", "middleName": "Николаевич",
     "birthDate": "02.11.1972", "gender": "M", "snils": "234-567-890 99", "trusted": True,
     "docs": [{"type": "MDCL_PLCY", "number": "5649309309826023", "vrfStu": "VERIFIED"}]},
    {"oid": "1000299355", "lastName": "Сидоров", "firstName": "Алексей", "middleName": "Викторович",
     "birthDate": "23.08.1990", "gender": "M", "snils": "345-678-901 23", "trusted": True,
     "docs": [{"type": "MDCL_PLCY", "number": "5612345678901230", "vrfStu": "VERIFIED"}]},
]


class EmulatorSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ESIA_EMULATOR_", extra="ignore")

    issuer: str = "http://esia.gosuslugi.ru/"
    code_ttl: int = 120
    token_ttl: int = 3600
    # PEM of the id_token key; generated per process when empty.
    key_pem: str = ""


PAGE = """<!doctype html><html lang="ru"><head><meta charset="utf-8">
<title>Госуслуги (учебный стенд)</title>
<style>body{{font-family:sans-serif;max-width:40em;margin:2em auto}}
button{{display:block;width:100%;margin:.5em 0;padding:1em;font-size:1em;text-align:left}}</style>
</head><body><h1>Госуслуги (учебный стенд)</h1>
<p>Это эмулятор ЕСИА для разработки и проверки. Люди вымышлены. Выберите, под кем войти
в систему «{client}»:</p>{buttons}</body></html>"""


def _refuse_production() -> None:
    if os.environ.get("REGISTRATURA_MODE", "embedded") == "production":
        raise RuntimeError("the ESIA emulator is never started in production (REGISTRATURA_MODE)")


@dataclass
class _State:
    """What the emulator keeps in memory: its key, the people, the codes and tokens it issued."""
    settings: EmulatorSettings
    pem: str
    jwk: dict
    users: dict[str, dict] = field(default_factory=lambda: {u["oid"]: u for u in USERS})
    codes: dict[str, dict] = field(default_factory=dict)
    tokens: dict[str, tuple[str, float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _error(status: int, code: str, description: str):
    return jsonify({"error": code, "error_description": description}), status


def _new_state(settings: EmulatorSettings) -> _State:
    from cryptography.hazmat.primitives import serialization

    if settings.key_pem:
        key = serialization.load_pem_private_key(settings.key_pem.encode(), password=None)
    else:
        key = generate_private_key()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    return _State(settings=settings, pem=pem, jwk=public_jwk(key))


def create_app(settings: EmulatorSettings | None = None) -> Flask:
    _refuse_production()
    state = _new_state(settings or EmulatorSettings())
    app = Flask(__name__)
    app.json.ensure_ascii = False

    @app.get("/healthz")
    def healthz():
        return {"status": "ok", "service": "esia-emulator"}

    @app.get("/readyz")
    def readyz():
        # Codes and users live in memory: nothing else to wait for.
        return {"status": "ready", "service": "esia-emulator"}

    @app.get("/aas/oauth2/jwks")
    def jwks():
        return {"keys": [state.jwk], EMULATOR_FLAG: True}

    _add_login_routes(app, state)
    _add_token_route(app, state)
    _add_person_routes(app, state)
    return app


def _add_login_routes(app: Flask, state: _State) -> None:
    """The login page (one button per person) and the choice, which redirects with a code."""

    @app.get("/aas/oauth2/v2/ac")
    def login_page():
        args = request.args
        missing = [n for n in ("client_id", "client_secret", "redirect_uri", "scope", "state",
                               "timestamp") if not args.get(n)]
        if missing or args.get("response_type") != "code":
            return _error(400, "invalid_request",
                          "missing: " + ", ".join(missing or ["response_type"]))
        if urlsplit(args["redirect_uri"]).scheme not in ("http", "https"):
            return _error(400, "invalid_request", "redirect_uri")
        hidden = "".join(f'<input type="hidden" name="{n}" value="{html.escape(args[n])}">'
                         for n in ("client_id", "redirect_uri", "state", "scope"))
        buttons = "".join(
            f'<form method="post" action="/aas/oauth2/v2/ac/choose">{hidden}'
            f'<input type="hidden" name="oid" value="{u["oid"]}">'
            f'<button type="submit">{html.escape(u["lastName"])} {html.escape(u["firstName"])} '
            f'{html.escape(u["middleName"])}, {u["birthDate"]}, СНИЛС {u["snils"]}</button></form>'
            for u in USERS)
        page = PAGE.format(client=html.escape(args["client_id"]), buttons=buttons)
        return Response(page, mimetype="text/html")

    @app.post("/aas/oauth2/v2/ac/choose")
    def choose():
        form = request.form
        if (form.get("oid") not in state.users or not form.get("redirect_uri")
                or not form.get("state")):
            return _error(400, "invalid_request", "oid, redirect_uri and state are required")
        code = secrets.token_urlsafe(24)
        with state.lock:
            state.codes[code] = {"oid": form["oid"], "client_id": form.get("client_id", ""),
                                 "redirect_uri": form["redirect_uri"],
                                 "expires": time.time() + state.settings.code_ttl}
        separator = "&" if "?" in form["redirect_uri"] else "?"
        return redirect(form["redirect_uri"] + separator
                        + urlencode({"code": code, "state": form["state"]}), code=302)


def _add_token_route(app: Flask, state: _State) -> None:
    """The token exchange: a code (one use, short-lived) for an id_token and an access token."""
    settings = state.settings

    @app.post("/aas/oauth2/v3/te")
    def token():
        form = request.form
        if form.get("grant_type") != "authorization_code":
            return _error(400, "unsupported_grant_type", "grant_type")
        for name in ("client_id", "code", "client_secret", "state", "timestamp", "redirect_uri",
                     "client_certificate_hash"):
            if not form.get(name):
                return _error(400, "invalid_request", f"{name} is required")
        with state.lock:
            grant = state.codes.pop(form["code"], None)  # one use, even when it then fails
        if grant is None or grant["expires"] < time.time():
            return _error(400, "invalid_grant", "code unknown, used or expired")
        if grant["client_id"] != form["client_id"] or grant["redirect_uri"] != form["redirect_uri"]:
            return _error(400, "invalid_grant", "client_id or redirect_uri differ")
        now = int(time.time())
        claims = {"iss": settings.issuer, "aud": form["client_id"], "sub": grant["oid"],
                  "urn:esia:sbj_id": grant["oid"], "iat": now, "nbf": now,
                  "exp": now + settings.token_ttl, "auth_time": now, "amr": "PWD",
                  "urn:esia:sid": secrets.token_hex(8)}
        id_token = jwt.encode(claims, state.pem, algorithm="RS256",
                              headers={"kid": state.jwk["kid"]})
        access = secrets.token_urlsafe(32)
        with state.lock:
            state.tokens[access] = (grant["oid"], time.time() + settings.token_ttl)
        return {"access_token": access, "id_token": id_token, "token_type": "Bearer",
                "expires_in": settings.token_ttl, "state": form["state"],
                "refresh_token": secrets.token_urlsafe(16)}


def _add_person_routes(app: Flask, state: _State) -> None:
    """Person data and documents, for the holder of an access token issued for that person."""

    def person_for(oid: str):
        header = request.headers.get("Authorization", "")
        holder = state.tokens.get(header.removeprefix("Bearer ").strip())
        if holder is None or holder[1] < time.time() or holder[0] != oid or oid not in state.users:
            return None
        return state.users[oid]

    @app.get("/rs/prns/<oid>")
    def person(oid: str):
        user = person_for(oid)
        if user is None:
            return _error(401, "unauthorized", "token does not grant this person")
        return {k: v for k, v in user.items() if k != "docs"}

    @app.get("/rs/prns/<oid>/docs")
    def documents(oid: str):
        user = person_for(oid)
        if user is None:
            return _error(401, "unauthorized", "token does not grant this person")
        elements = [{"id": index + 1, **doc} for index, doc in enumerate(user["docs"])]
        return {"stateFacts": ["hasSize"], "size": len(elements), "elements": elements}
