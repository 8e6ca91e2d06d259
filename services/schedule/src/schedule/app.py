"""``create_app``: the only place where the schedule's parts are wired together."""
from __future__ import annotations

from regcommon.db import make_engine, ping
from regcommon.http import ServiceClient
from regcommon.jwt_verify import verifier_from_settings
from regcommon.openapi import document_inputs
from regcommon.web import add_readiness_check, create_base_app

from .adapters.directory import DoctorDirectory, OrgSettingsProvider
from .adapters.uow import SqlSlotStore
from .admin import ScheduleAdmin
from .api import bp as public_bp
from .api_admin import bp as admin_bp
from .api_earliest import INPUTS as EARLIEST_INPUTS, bp as earliest_bp
from .api_docs import INPUTS
from .api_common import register_error_handlers
from .services import HoldLimits, Schedule
from .settings import ScheduleSettings


def org_settings_provider(settings: ScheduleSettings, engine) -> OrgSettingsProvider:
    catalog = None
    if settings.catalog_url:
        catalog = ServiceClient("catalog", settings.catalog_url, retries=0,
                                timeout=settings.catalog_timeout_seconds,
                                internal_token=settings.internal_token)
    return OrgSettingsProvider(engine, catalog, ttl=settings.org_settings_ttl_seconds)


def create_app(settings: ScheduleSettings | None = None, *, verifier=None, clock=None):
    settings = settings or ScheduleSettings()
    app = create_base_app(__name__, settings, "Registratura schedule")
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    orgs = org_settings_provider(settings, engine)
    directory = DoctorDirectory(engine, ttl=settings.doctor_cache_seconds)
    extra = {"clock": clock} if clock else {}
    app.extensions["engine"] = engine
    app.extensions["schedule"] = Schedule(
        SqlSlotStore(engine), directory, orgs, hold_seconds=settings.hold_seconds,
        limits=HoldLimits(per_client=settings.max_holds_per_client,
                          per_holder=settings.max_holds_per_patient,
                          day_percent=settings.day_hold_percent,
                          day_minimum=settings.min_holds_per_day), engine=engine, **extra)
    app.extensions["schedule_admin"] = ScheduleAdmin(engine, directory, orgs, **extra)
    app.extensions["jwt_verifier"] = verifier or verifier_from_settings(settings)
    register_error_handlers(app)
    app.register_blueprint(public_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(earliest_bp)
    document_inputs(app, {**INPUTS, **EARLIEST_INPUTS})
    add_readiness_check(app, "database", lambda: ping(engine))
    return app
