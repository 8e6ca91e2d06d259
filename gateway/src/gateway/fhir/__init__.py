"""FHIR R4 read API of the schedule (Slot, Schedule, Appointment and the catalog behind them)."""
from __future__ import annotations


def register(app) -> None:
    from .api import bp

    app.register_blueprint(bp)
