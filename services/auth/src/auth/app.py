"""create_app: the one place that wires the auth service together."""
from __future__ import annotations

import functools
import logging

from argon2 import PasswordHasher
from flask import jsonify
from sqlalchemy.exc import OperationalError, ProgrammingError

from regcommon.db import make_engine, make_sessionmaker, ping
from regcommon.errors import ApiError
from regcommon.openapi import document_inputs
from regcommon.web import add_readiness_check, create_base_app

from .adapters.esia import EsiaClient, EsiaError, make_signer
from .adapters.keystore import KeyStore, NoSigningKey
from .adapters.uow import SqlAuthRecords
from .adapters.audit_db import SqlAudit
from .adapters.tokens import Revocations, TokenIssuer, local_verifier
from .domain import errors
from .domain.links import LinkError
from .domain.login import AUTH_FAILED_MESSAGE, STAFF_FAILED_MESSAGE, TOO_MANY_MESSAGE
from .context import Context
from .settings import AuthSettings

log = logging.getLogger(__name__)


def ensure_signing_key(settings: AuthSettings, keys: KeyStore) -> None:
    """Production needs a key (from the DB or AUTH_SIGNING_KEY_PEM); embedded makes one."""
    if settings.signing_key_pem:
        keys.import_pem(settings.signing_key_pem)
    try:
        present = keys.has_key()
    except (OperationalError, ProgrammingError):
        if settings.is_production:
            raise RuntimeError("auth database is not migrated: run `python -m auth migrate`")
        log.warning("auth tables missing: run `python -m auth migrate`")
        return
    if present:
        return
    if settings.is_production:
        raise RuntimeError("no signing key: set AUTH_SIGNING_KEY_PEM or run "
                           "`python -m auth rotate-keys`")
    keys.add_key()


@functools.lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash to verify against for unknown logins (same cost as a real one); made once."""
    return PasswordHasher().hash("registratura-no-such-staff")


def build_context(settings: AuthSettings):
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    keys = KeyStore(sessions, secret=settings.key_encryption_secret,
                    cache_seconds=settings.key_cache_seconds,
                    autocreate=not settings.is_production,
                    activation_seconds=settings.key_activation_seconds)
    hasher = PasswordHasher()
    ctx = Context(settings=settings, sessions=sessions, records=SqlAuthRecords(sessions),
                  issuer=TokenIssuer(keys, issuer=settings.jwt_issuer, audience=settings.jwt_audience),
                  revocations=Revocations(sessions), audit=SqlAudit(sessions), hasher=hasher,
                  dummy_hash=_dummy_hash())
    return engine, keys, ctx


def create_app(settings: AuthSettings | None = None):
    settings = settings or AuthSettings()
    app = create_base_app(__name__, settings, "Registratura auth")
    engine, keys, ctx = build_context(settings)
    ensure_signing_key(settings, keys)
    app.extensions.update(
        auth_context=ctx, auth_keys=keys, auth_engine=engine,
        auth_verifier=local_verifier(keys, ctx.revocations, issuer=settings.jwt_issuer,
                                     audience=settings.jwt_audience,
                                     cache_seconds=settings.key_cache_seconds),
        auth_esia=EsiaClient(settings.esia_url, client_id=settings.esia_client_id,
                             scope=settings.esia_scope, issuer=settings.esia_issuer,
                             signer=make_signer(settings.esia_signer),
                             timeout=settings.http_timeout_seconds,
                             emulator_allowed=settings.esia_emulator_allowed))
    add_readiness_check(app, "database", lambda: ping(engine))
    _register_errors(app)

    from . import api, api_docs, api_esia, api_links, api_registry

    app.register_blueprint(api.bp)
    app.register_blueprint(api_registry.bp)
    app.register_blueprint(api_esia.bp)
    app.register_blueprint(api_links.bp)
    document_inputs(app, {**api_docs.INPUTS, **api_links.INPUTS})
    return app


def _register_errors(app) -> None:
    """Business errors → HTTP, in one place."""

    def answer(status, code, message, fields=None, headers=None):
        error = ApiError(status, code, message, fields, headers)
        return jsonify(error.body()), status, error.headers

    @app.errorhandler(errors.InvalidInput)
    def _invalid(exc):
        return answer(422, "validation_failed", "Проверьте правильность заполнения полей",
                      exc.fields)

    @app.errorhandler(errors.AuthenticationFailed)
    def _auth_failed(_exc):
        from flask import request

        message = STAFF_FAILED_MESSAGE if request.path == "/v1/auth/staff" else AUTH_FAILED_MESSAGE
        return answer(401, "authentication_failed", message)

    @app.errorhandler(errors.TooManyAttempts)
    def _too_many(exc):
        return answer(429, "too_many_attempts", TOO_MANY_MESSAGE,
                      headers={"Retry-After": str(exc.retry_after)})

    @app.errorhandler(errors.DuplicatePatient)
    def _duplicate(_exc):
        return answer(409, "duplicate_patient", "Пациент с таким полисом уже зарегистрирован")

    @app.errorhandler(errors.PatientNotFound)
    def _not_found(_exc):
        return answer(404, "not_found", "Пациент не найден")

    @app.errorhandler(errors.Forbidden)
    def _forbidden(_exc):
        return answer(403, "forbidden",
                      "Регистратор может прикреплять пациентов только к своей организации")

    @app.errorhandler(errors.ConsentRequired)
    def _consent(_exc):
        return answer(422, "consent_required",
                      "Примите действующую редакцию согласия на обработку персональных данных")

    @app.errorhandler(LinkError)
    def _link(exc):
        return answer(exc.status, exc.code, exc.message)

    @app.errorhandler(EsiaError)
    def _esia(exc):
        log.error("esia unavailable", extra={"reason": str(exc)[:300]})
        return answer(503, "esia_unavailable",
                      "Вход через Госуслуги временно недоступен. Войдите по полису ОМС.")

    @app.errorhandler(NoSigningKey)
    def _no_key(exc):
        log.error("no signing key", extra={"reason": str(exc)})
        return answer(503, "service_unavailable",
                      "Сервис временно недоступен, повторите попытку позже")
