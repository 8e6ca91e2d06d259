"""Use cases of the tickets service: apply events, render talons, send messages, remind.

Every use case is idempotent. Event effects and the ``processed_events`` row commit together;
Celery jobs are enqueued only after that commit (a crash in between is repaired by ``requeue_stale``).
The use cases run over the ports of :class:`~tickets.context.Context` (``ports.py``); the
deliveries, reminders and sweeps are in :mod:`tickets.delivery`.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from regcommon.db import utcnow
from regcommon.instants import as_utc

from .context import Context
from .delivery import (notification_failed, prune_dead_letters, record_dead_letter,  # noqa: F401
                       requeue_stale, send_notification, send_reminders)
from .domain.messages import appointment_messages, mask_address, waitlist_messages
from .domain.talon import FLAGGED, InvalidSnapshot, snapshot_instant, talon_view, verification_code
from .ports import RENDER_TASK, SEND_TASK, Job, TicketsUnitOfWork

log = logging.getLogger(__name__)

APPOINTMENT_KINDS = {"appointment.booked": "booked", "appointment.rescheduled": "rescheduled",
                     "appointment.cancelled": "cancelled", "appointment.flagged": "flagged"}


# --- events ------------------------------------------------------------------------------------

def handle_event(ctx: Context, event: dict) -> list[Job]:
    """Apply one event exactly once (a redelivery changes nothing); returns the jobs enqueued."""
    event_id, event_type = str(event.get("id") or ""), str(event.get("type") or "")
    data = event.get("data")
    if not event_id or not isinstance(data, dict):
        _dead_event(ctx, event, "event without id or data")
        return []
    try:
        occurred_at = snapshot_instant(
            event.get("occurred_at") or utcnow().isoformat()).astimezone(timezone.utc)
        with ctx.records.unit_of_work() as uow:
            if not uow.mark_event_processed(event_id, event_type):
                log.info("duplicate event ignored", extra={"event_id": event_id, "type": event_type})
                return []
            if event_type in APPOINTMENT_KINDS:
                jobs = _apply_appointment_event(ctx, uow, event_id, event_type, occurred_at, data)
            elif event_type == "waitlist.offered":
                jobs = _apply_waitlist_offer(ctx, uow, event_id, data)
            else:
                jobs = []  # other appointment.* events carry nothing for talons or messages
    except (InvalidSnapshot, KeyError, TypeError, ValueError) as exc:
        # A malformed event would fail on every redelivery: keep it visible instead of looping.
        _dead_event(ctx, event, f"{type(exc).__name__}: {exc}")
        return []
    ctx.dispatch(jobs)
    return jobs


def _dead_event(ctx: Context, event: dict, error: str) -> None:
    log.error("malformed event recorded as a dead letter", extra={"event_id": event.get("id")})
    with ctx.records.unit_of_work() as uow:
        uow.add_dead_letter(f"event:{event.get('type')}", str(event.get("id") or "")[:64],
                            [event], error)


def _apply_appointment_event(ctx: Context, uow: TicketsUnitOfWork, event_id: str, event_type: str,
                             occurred_at: datetime, data: dict) -> list[Job]:
    appointment = data["appointment"]
    appointment_id = str(appointment["id"])
    starts_at = snapshot_instant(appointment["start"]).astimezone(timezone.utc)
    number = str((appointment.get("ticket") or {}).get("number") or appointment_id[:8].upper())
    kind = APPOINTMENT_KINDS[event_type]
    jobs: list[Job] = []

    ticket = uow.get_ticket(appointment_id, for_update=True)
    status = "void" if kind == "cancelled" else "rendering"
    # A blocked day keeps the talon but stops the "завтра у вас приём" reminder (see
    # send_reminders) until a reschedule stores a new snapshot without this mark.
    stored = {**data, FLAGGED: True} if kind == "flagged" else data
    if ticket is None and uow.insert_ticket({
            "appointment_id": appointment_id, "number": number, "status": status,
            "verification_code": verification_code(ctx.settings.secret, number), "data": stored,
            "starts_at": starts_at, "version": 1, "event_at": occurred_at}):
        if status == "rendering":
            jobs.append((RENDER_TASK, [appointment_id, 1]))
        current_status = status
    else:
        # Another event of this appointment may have inserted the row meanwhile: use it.
        ticket = ticket or uow.get_ticket(appointment_id, for_update=True)
        current_status = ticket["status"]
        newer = occurred_at >= as_utc(ticket["event_at"])
        if newer and current_status != "void":
            if kind == "cancelled":
                uow.update_ticket(appointment_id, {"status": "void", "event_at": occurred_at})
                current_status = "void"
            elif kind == "rescheduled" or (kind == "booked" and current_status != "ready"):
                version = ticket["version"] + 1
                uow.update_ticket(appointment_id, {
                    "data": data, "starts_at": starts_at, "version": version, "status": "rendering",
                    "failed_at": None, "event_at": occurred_at})
                jobs.append((RENDER_TASK, [appointment_id, version]))
            elif kind == "flagged":
                uow.update_ticket(appointment_id, {
                    "data": {**ticket["data"], FLAGGED: True}, "event_at": occurred_at})
            else:
                uow.update_ticket(appointment_id, {"event_at": occurred_at})

    # A cancelled appointment gets no "booked" or "rescheduled" message that arrives late.
    if current_status == "void" and kind != "cancelled":
        return jobs
    messages = appointment_messages(kind, data, cabinet_url=ctx.settings.cabinet_url,
                                    support_phone=ctx.settings.support_phone)
    contact = data.get("contact") or {}
    for channel, address in (("email", contact.get("email")), ("sms", contact.get("phone"))):
        if not address:
            continue
        message = messages[channel]
        notification_id = uow.add_notification({
            "dedup_key": f"{event_id}:{channel}:{kind}", "kind": kind, "channel": channel,
            "appointment_id": appointment_id, "address": str(address),
            "recipient": mask_address(channel, str(address)), "subject": message.subject,
            "body": message.body})
        if notification_id:
            jobs.append((SEND_TASK, [notification_id]))
    return jobs


def _apply_waitlist_offer(ctx: Context, uow: TicketsUnitOfWork, event_id: str, data: dict) -> list[Job]:
    messages = waitlist_messages(data, support_phone=ctx.settings.support_phone)
    contact = data.get("contact") or {}
    jobs: list[Job] = []
    for channel, address in (("email", contact.get("email")), ("sms", contact.get("phone"))):
        if not address:
            continue
        message = messages[channel]
        notification_id = uow.add_notification({
            "dedup_key": f"{event_id}:{channel}:waitlist_offered", "kind": "waitlist_offered",
            "channel": channel, "waitlist_entry_id": str(data.get("entry_id") or "")[:36] or None,
            "address": str(address), "recipient": mask_address(channel, str(address)),
            "subject": message.subject, "body": message.body})
        if notification_id:
            jobs.append((SEND_TASK, [notification_id]))
    return jobs


# --- rendering ---------------------------------------------------------------------------------

def render_ticket(ctx: Context, appointment_id: str, version: int) -> str:
    """Render the talon at ``version``; a no-op if done already, superseded or void."""
    with ctx.records.unit_of_work() as uow:
        ticket = uow.get_ticket(appointment_id)
    if ticket is None:
        return "missing"
    if ticket["status"] == "void" or ticket["version"] != version:
        return "superseded"
    if ticket["rendered_version"] == version and ticket["status"] == "ready":
        return "already_rendered"
    view = talon_view(ticket["data"], ticket["number"], ticket["verification_code"],
                      ctx.settings.support_phone)
    if ctx.settings.render_delay_seconds:
        import time

        time.sleep(ctx.settings.render_delay_seconds)
    pdf, html = ctx.render(view)
    with ctx.records.unit_of_work() as uow:
        # Conditional: a reschedule or cancel that committed meanwhile wins over this render.
        changed = uow.update_ticket(appointment_id, {
            "pdf": pdf, "html": html, "rendered_version": version, "rendered_at": utcnow(),
            "status": "ready"}, version=version, status="rendering")
    log.info("talon rendered" if changed else "talon render superseded",
             extra={"appointment_id": appointment_id, "version": version})
    return "rendered" if changed else "superseded"


def render_failed(ctx: Context, appointment_id: str, version: int) -> None:
    with ctx.records.unit_of_work() as uow:
        uow.update_ticket(appointment_id, {"failed_at": utcnow()}, version=version)
