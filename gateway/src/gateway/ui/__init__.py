"""The patient web UI (server-rendered, Russian): the seed's booking flow and the cabinet."""
from __future__ import annotations

from . import account, booking, browse, cabinet, earliest, family, forms, restrictions


def register(app) -> None:
    for module in (browse, booking, account, cabinet, family):
        app.register_blueprint(module.bp)
    earliest.register(app)
    app.context_processor(family.switcher_context)
    app.jinja_env.globals.update(
        support_phone=app.extensions["settings"].support_phone,
        iso_to_dmy=forms.iso_to_dmy,
    )
    restrictions.register(app)
