"""Identity endpoints: consent, logins, logout, the patient's card, JWKS, internal calls."""
from __future__ import annotations

from datetime import datetime

from apiflask import APIBlueprint
from flask import current_app, request

from regcommon.clientaddr import client_address
from regcommon.errors import ApiError
from regcommon.jwt_verify import authenticate, bearer_token
from regcommon.web import require_internal

from . import consents, links, registry, services
from .domain.consent import CONSENT_VERSION, current_consent
from .domain.errors import InvalidInput
from .domain.login import parse_oms_login

bp = APIBlueprint("identity", __name__)


def ctx() -> services.Context:
    return current_app.extensions["auth_context"]


def verifier():
    return current_app.extensions["auth_verifier"]


def client_ip() -> str:
    return client_address(ctx().settings.internal_token)


def json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput({"_schema": "Ожидается JSON-объект (Content-Type: application/json)"})
    return body


@bp.get("/v1/consent")
@bp.doc(summary="The current personal-data processing agreement")
def get_consent():
    return current_consent()


@bp.post("/v1/consents")
@bp.doc(summary="Accept the consent (patient by bearer token, or a session before login)")
def accept_consent():
    body = json_body()
    claims = authenticate(verifier(), roles=("patient",)) if bearer_token() else None
    session_id = body.get("session_id")
    fields = {}
    if not isinstance(body.get("version"), str):
        fields["version"] = "Укажите версию соглашения"
    if session_id is not None and (not isinstance(session_id, str) or not 0 < len(session_id) <= 128):
        fields["session_id"] = "Идентификатор сессии — строка до 128 символов"
    if claims is None and not session_id:
        fields["session_id"] = "Без входа в личный кабинет укажите идентификатор сессии"
    channel = body.get("channel", "portal")
    if not isinstance(channel, str) or not 0 < len(channel) <= 32:
        fields["channel"] = "Канал — строка до 32 символов"
    if fields:
        raise InvalidInput(fields)
    result = consents.record(ctx(), action="accepted", version=body["version"], channel=channel,
                             ip=client_ip(), user_agent=request.headers.get("User-Agent"),
                             patient_id=claims["sub"] if claims else None, session_id=session_id)
    if claims is not None:
        # A fresh token whose ``consent`` claim says so: booking then need not ask auth.
        fresh = (links.refresh_act_token(ctx(), claims) if claims.get("act") else
                 services.patient_token_response(ctx(), claims["sub"], claims.get("name") or ""))
        result.update({key: fresh[key] for key in ("access_token", "token_type", "expires_in")})
    return result, 201


@bp.post("/v1/consents/withdraw")
@bp.doc(summary="Withdraw the consent")
def withdraw_consent():
    claims = authenticate(verifier(), roles=("patient",))
    body = request.get_json(silent=True) or {}
    channel = body.get("channel", "portal") if isinstance(body, dict) else "portal"
    if not isinstance(channel, str) or not channel:
        channel = "portal"
    result = consents.record(ctx(), action="withdrawn", version=CONSENT_VERSION, channel=channel,
                             ip=client_ip(), user_agent=request.headers.get("User-Agent"),
                             patient_id=claims["sub"])
    return result, 200


@bp.post("/v1/auth/oms")
@bp.doc(summary="Login by OMS policy and birth date or identity document")
def login_oms():
    login = parse_oms_login(json_body(), services.today())
    return services.login_by_oms(ctx(), login, client_ip())


@bp.post("/v1/auth/staff")
@bp.doc(summary="Login of reception staff and administrators")
def login_staff():
    body = json_body()
    fields = {name: "Обязательное поле" for name in ("login", "password")
              if not isinstance(body.get(name), str) or not body[name] or len(body[name]) > 256}
    if fields:
        raise InvalidInput(fields)
    return services.login_staff(ctx(), body["login"], body["password"], client_ip())


@bp.post("/v1/auth/logout")
@bp.doc(summary="Revoke the bearer token")
def logout():
    claims = authenticate(verifier())
    services.logout(ctx(), claims)
    return "", 204


@bp.get("/v1/me")
@bp.doc(summary="The logged-in patient")
def me():
    claims = authenticate(verifier(), roles=("patient",))
    return registry.me(ctx(), claims["sub"])


@bp.get("/.well-known/jwks.json")
@bp.doc(summary="Public keys that verify access tokens")
def jwks():
    document = current_app.extensions["auth_keys"].jwks()
    return document, 200, {"Cache-Control": "public, max-age=5"}


@bp.get("/internal/patients/<patient_id>")
@bp.doc(summary="Internal: service-to-service, needs the internal token")
def internal_patient(patient_id: str):
    require_internal(ctx().settings)
    patient = registry.load_patient(ctx(), patient_id)
    policy = patient.pop("policy")
    patient.pop("identity_documents")
    patient.pop("esia_linked")
    patient["policy"] = {"type": policy["type"], "masked": "*" * 4 + policy["number"][-4:]}
    patient["consent"] = {"current_version": CONSENT_VERSION,
                          "accepted_version": consents.accepted_version(ctx(), patient_id)}
    return patient


@bp.post("/internal/consents")
@bp.doc(summary="Internal: service-to-service, needs the internal token")
def internal_consent():
    require_internal(ctx().settings)
    body = json_body()
    fields = {name: "Обязательное поле" for name in ("patient_id", "version")
              if not isinstance(body.get(name), str) or not body[name]}
    if fields:
        raise InvalidInput(fields)
    registry.load_patient(ctx(), body["patient_id"])  # 404 for an unknown patient
    channel = body.get("channel") if isinstance(body.get("channel"), str) and body.get("channel") else "portal"
    result = consents.record(ctx(), action="accepted", version=body["version"], channel=channel,
                             ip=_str_or_none(body.get("ip")), user_agent=_str_or_none(body.get("user_agent")),
                             patient_id=body["patient_id"])
    return result, 201


def _str_or_none(value) -> str | None:
    return value if isinstance(value, str) and value else None


@bp.get("/internal/revocations")
@bp.doc(summary="Internal: service-to-service, needs the internal token")
def internal_revocations():
    require_internal(ctx().settings)
    since = None
    raw = request.args.get("since")
    if raw:
        try:
            since = datetime.fromisoformat(raw.replace("Z", "+00:00").replace(" ", "+"))
        except ValueError:
            raise ApiError(422, "validation_failed", "Проверьте правильность заполнения полей",
                           {"since": "Момент времени в формате ISO 8601"}) from None
        if since.tzinfo is None:
            raise ApiError(422, "validation_failed", "Проверьте правильность заполнения полей",
                           {"since": "Укажите смещение часового пояса"})
    return ctx().revocations.since(since)
