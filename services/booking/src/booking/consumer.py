"""``python -m booking consume``: reacts to schedule events. Every handler is idempotent: the
event id is recorded in ``processed_events`` in the same transaction as the effect."""
from __future__ import annotations

import logging

from sqlalchemy import update

from regcommon.db import utcnow
from regcommon.outbox import add_event

from . import waitlist
from .adapters import store
from .adapters.tables import appointments, outbox
from .context import Deps
from .domain.views import event_data

log = logging.getLogger(__name__)

QUEUE = "booking.events"
ROUTING_KEYS = ["slot.released", "slots.opened", "schedule.day_blocked"]
DEFAULT_BLOCK_REASON = "Приём врача в этот день отменён"


def handle(deps: Deps, event: dict) -> None:
    event_id, event_type, data = str(event.get("id")), event.get("type"), event.get("data") or {}
    with deps.engine.connect() as conn:
        seen = conn.execute(store.processed_events_select(event_id)).first() is not None
    if seen:
        return
    if event_type == "schedule.day_blocked":
        flag_blocked_day(deps, event_id, data)
        return
    if event_type == "slot.released":
        waitlist.offer_released_slot(deps, event_id, data)
    elif event_type == "slots.opened":
        waitlist.offer_opened_day(deps, event_id, data)
    else:
        log.info("event ignored", extra={"event_type": event_type})
    with deps.engine.begin() as conn:
        store.mark_event_processed(conn, event_id, str(event_type))


def flag_blocked_day(deps: Deps, event_id: str, data: dict) -> None:
    """Flag the day's appointments (the cabinet shows it, tickets notifies the patients)."""
    reason = (data.get("reason") or DEFAULT_BLOCK_REASON)[:500]
    ids = [str(i) for i in data.get("appointment_ids") or []]
    with deps.engine.begin() as conn:
        if not store.mark_event_processed(conn, event_id, "schedule.day_blocked"):
            return
        for row in store.appointments_by_ids(conn, ids):
            if row["status"] not in ("booked", "pending") or row["flagged"]:
                continue
            conn.execute(update(appointments).where(appointments.c.id == row["id"])
                         .values(flagged=True, flag_reason=reason, updated_at=utcnow(),
                                 version=appointments.c.version + 1))
            row.update(flagged=True, flag_reason=reason)
            add_event(conn, outbox, "appointment.flagged",
                      event_data(row, actor="staff", extra={"reason": reason,
                                                            "date": data.get("date")}))
