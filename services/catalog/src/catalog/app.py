"""The catalog web application: ``gunicorn 'catalog.app:create_app()'``."""
from __future__ import annotations

from regcommon.db import make_engine, make_sessionmaker, ping
from regcommon.errors import ApiError
from regcommon.jwt_verify import JwtVerifier, verifier_from_settings
from regcommon.web import add_readiness_check, create_base_app

from . import api, api_internal, api_offers
from .adapters.importer import region_writer
from .adapters.repository import CatalogRepository
from .domain.errors import CatalogNotFound, NotAllowed, SettingsInvalid
from .services import Catalog
from .settings import CatalogSettings


def create_app(settings: CatalogSettings | None = None, *,
               verifier: JwtVerifier | None = None):
    """Wire settings, database, token verification and routes (tests pass their own verifier)."""
    settings = settings or CatalogSettings()
    app = create_base_app(__name__, settings, "Registratura catalog")
    engine = make_engine(settings.database_url)
    app.extensions["engine"] = engine
    app.extensions["catalog"] = Catalog(CatalogRepository(make_sessionmaker(engine)),
                                        region_writer(engine))
    # The catalog has no logout-sensitive data; admin tokens are still checked for revocation.
    app.extensions["verifier"] = verifier or verifier_from_settings(settings)
    add_readiness_check(app, "database", lambda: ping(engine))

    @app.errorhandler(CatalogNotFound)
    def _not_found(error: CatalogNotFound):
        return ApiError(404, "not_found", str(error)).body(), 404

    @app.errorhandler(SettingsInvalid)
    def _invalid_settings(error: SettingsInvalid):
        return ApiError(422, "validation_failed", "Проверьте правильность заполнения полей",
                        error.fields).body(), 422

    @app.errorhandler(NotAllowed)
    def _not_allowed(_error: NotAllowed):
        return ApiError(403, "forbidden", "Недостаточно прав для этого действия").body(), 403

    app.register_blueprint(api.bp)
    app.register_blueprint(api_internal.bp)
    app.register_blueprint(api_offers.bp)
    return app
