"""The patient web UI (server-rendered, Russian): the seed's booking flow and the cabinet."""
from __future__ import annotations

from . import account, booking, browse, cabinet, earliest, forms, restrictions


def register(app) -> None:
    for module in (browse, booking, account, cabinet):
        app.register_blueprint(module.bp)
    earliest.register(app)
    app.jinja_env.globals.update(
        support_phone=app.extensions["settings"].support_phone,
        iso_to_dmy=forms.iso_to_dmy,
    )
    restrictions.register(app)
