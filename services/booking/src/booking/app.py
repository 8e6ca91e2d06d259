"""``create_app(settings=None)``: the only place where the booking service is wired together."""
from __future__ import annotations

from regcommon.db import make_engine, ping
from regcommon.jwt_verify import verifier_from_settings
from regcommon.openapi import document_inputs
from regcommon.web import add_readiness_check, create_base_app

from .api_docs import INPUTS
from .api_errors import to_api_error
from .context import Deps
from .domain.errors import BookingError
from .settings import BookingSettings


def build_deps(settings: BookingSettings, *, engine=None, peers: dict | None = None,
               clock=None) -> Deps:
    from regcommon.db import utcnow

    from .adapters.peers import http_peers
    from .adapters.uow import SqlBookingRecords

    engine = engine or make_engine(settings.database_url, pool_size=settings.db_pool_size)
    peers = peers or http_peers(settings)
    return Deps(engine=engine, schedule=peers["schedule"], catalog=peers["catalog"],
                auth=peers["auth"], records=SqlBookingRecords(engine), clock=clock or utcnow,
                settings=settings)


def create_app(settings: BookingSettings | None = None, *, deps: Deps | None = None,
               verifier=None):
    """Tests pass ``deps`` (fake peers, a test clock) and a ``verifier`` with their own keys."""
    settings = settings or BookingSettings()
    app = create_base_app(__name__, settings, "Registratura booking")
    deps = deps or build_deps(settings)
    app.extensions["booking"] = {
        "deps": deps,
        "verifier": verifier or verifier_from_settings(settings),
    }

    @app.errorhandler(BookingError)
    def _booking_error(error: BookingError):
        api = to_api_error(error)
        return api.body(), api.status

    from .api import bp

    app.register_blueprint(bp)
    from .api_attendance import bp as attendance_bp

    app.register_blueprint(attendance_bp)
    from .api_referrals import bp as referrals_bp

    app.register_blueprint(referrals_bp)
    document_inputs(app, INPUTS)
    # Only the database: bookings must keep working while the broker is down (outbox).
    add_readiness_check(app, "database", lambda: ping(deps.engine))
    return app
