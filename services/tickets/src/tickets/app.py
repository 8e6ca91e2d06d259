"""The tickets web application: ``gunicorn 'tickets.app:create_app()'``."""
from __future__ import annotations

from regcommon.db import make_engine, make_sessionmaker, ping
from regcommon.web import add_readiness_check, create_base_app

from . import api
from .settings import TicketsSettings


def create_app(settings: TicketsSettings | None = None):
    settings = settings or TicketsSettings()
    app = create_base_app(__name__, settings, "Registratura tickets")
    engine = make_engine(settings.database_url)
    app.extensions["engine"] = engine
    app.extensions["sessions"] = make_sessionmaker(engine)
    add_readiness_check(app, "database", lambda: ping(engine))
    app.register_blueprint(api.bp)
    return app
