"""Use cases of the tickets service: apply events, render talons, send messages, remind.

Every use case is idempotent. Event effects and the ``processed_events`` row commit together;
Celery jobs are enqueued only after that commit (a crash in between is repaired by ``requeue_stale``).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable

from sqlalchemy.orm import Session, sessionmaker

from regcommon.db import session_scope, utcnow

from .adapters import repository as repo
from .adapters.html import render_html
from .adapters.pdf import render_pdf
from .domain.messages import appointment_messages, mask_address, waitlist_messages
from .domain.talon import InvalidSnapshot, local_time, parse_instant, talon_view, verification_code

log = logging.getLogger(__name__)

RENDER_TASK = "tickets.render_ticket"
SEND_TASK = "tickets.send_notification"
APPOINTMENT_KINDS = {"appointment.booked": "booked", "appointment.rescheduled": "rescheduled",
                     "appointment.cancelled": "cancelled", "appointment.flagged": "flagged"}
FLAGGED = "tickets_day_blocked"  # our mark in a ticket's stored snapshot

Job = tuple[str, list]  # (task name, args)


@dataclass
class Context:
    settings: object
    sessions: sessionmaker[Session]
    email: object  # adapters.email.EmailSender
    sms: object  # adapters.sms.SmsSender
    enqueue: Callable[[list[Job]], None] = field(default=lambda jobs: None)
    render: Callable = field(default=None)  # (TalonView) -> (pdf bytes, html); replaceable in tests

    def __post_init__(self):
        if self.render is None:
            self.render = lambda view: (render_pdf(view), render_html(view))


def dispatch(ctx: Context, jobs: list[Job]) -> None:
    if not jobs:
        return
    try:
        ctx.enqueue(jobs)
    except Exception:  # noqa: BLE001 - committed work is re-enqueued by requeue_stale
        log.exception("could not enqueue jobs; the stale sweep will retry them", extra={"jobs": len(jobs)})


# --- events ------------------------------------------------------------------------------------

def handle_event(ctx: Context, event: dict) -> list[Job]:
    """Apply one event exactly once (a redelivery changes nothing); returns the jobs enqueued."""
    event_id, event_type = str(event.get("id") or ""), str(event.get("type") or "")
    data = event.get("data")
    if not event_id or not isinstance(data, dict):
        _dead_event(ctx, event, "event without id or data")
        return []
    try:
        occurred_at = parse_instant(event.get("occurred_at") or utcnow().isoformat()).astimezone(timezone.utc)
        with session_scope(ctx.sessions) as session:
            if not repo.mark_event_processed(session, event_id, event_type):
                log.info("duplicate event ignored", extra={"event_id": event_id, "type": event_type})
                return []
            if event_type in APPOINTMENT_KINDS:
                jobs = _apply_appointment_event(ctx, session, event_id, event_type, occurred_at, data)
            elif event_type == "waitlist.offered":
                jobs = _apply_waitlist_offer(ctx, session, event_id, data)
            else:
                jobs = []  # other appointment.* events carry nothing for talons or messages
    except (InvalidSnapshot, KeyError, TypeError, ValueError) as exc:
        # A malformed event would fail on every redelivery: keep it visible instead of looping.
        _dead_event(ctx, event, f"{type(exc).__name__}: {exc}")
        return []
    dispatch(ctx, jobs)
    return jobs


def _dead_event(ctx: Context, event: dict, error: str) -> None:
    log.error("malformed event recorded as a dead letter", extra={"event_id": event.get("id")})
    with session_scope(ctx.sessions) as session:
        repo.add_dead_letter(session, f"event:{event.get('type')}", str(event.get("id") or "")[:64],
                             [event], error)


def _apply_appointment_event(ctx: Context, session: Session, event_id: str, event_type: str,
                             occurred_at: datetime, data: dict) -> list[Job]:
    appointment = data["appointment"]
    appointment_id = str(appointment["id"])
    starts_at = parse_instant(appointment["start"]).astimezone(timezone.utc)
    number = str((appointment.get("ticket") or {}).get("number") or appointment_id[:8].upper())
    kind = APPOINTMENT_KINDS[event_type]
    jobs: list[Job] = []

    ticket = repo.get_ticket(session, appointment_id, for_update=True)
    status = "void" if kind == "cancelled" else "rendering"
    # A blocked day keeps the talon but stops the "завтра у вас приём" reminder (see
    # send_reminders) until a reschedule stores a new snapshot without this mark.
    stored = {**data, FLAGGED: True} if kind == "flagged" else data
    if ticket is None and repo.insert_ticket(session, {
            "appointment_id": appointment_id, "number": number, "status": status,
            "verification_code": verification_code(ctx.settings.secret, number), "data": stored,
            "starts_at": starts_at, "version": 1, "event_at": occurred_at}):
        if status == "rendering":
            jobs.append((RENDER_TASK, [appointment_id, 1]))
        current_status = status
    else:
        # Another event of this appointment may have inserted the row meanwhile: use it.
        ticket = ticket or repo.get_ticket(session, appointment_id, for_update=True)
        current_status = ticket["status"]
        newer = occurred_at >= repo.as_utc(ticket["event_at"])
        if newer and current_status != "void":
            if kind == "cancelled":
                repo.update_ticket(session, appointment_id, {"status": "void", "event_at": occurred_at})
                current_status = "void"
            elif kind == "rescheduled" or (kind == "booked" and current_status != "ready"):
                version = ticket["version"] + 1
                repo.update_ticket(session, appointment_id, {
                    "data": data, "starts_at": starts_at, "version": version, "status": "rendering",
                    "failed_at": None, "event_at": occurred_at})
                jobs.append((RENDER_TASK, [appointment_id, version]))
            elif kind == "flagged":
                repo.update_ticket(session, appointment_id, {
                    "data": {**ticket["data"], FLAGGED: True}, "event_at": occurred_at})
            else:
                repo.update_ticket(session, appointment_id, {"event_at": occurred_at})

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
        notification_id = repo.add_notification(session, {
            "dedup_key": f"{event_id}:{channel}:{kind}", "kind": kind, "channel": channel,
            "appointment_id": appointment_id, "address": str(address),
            "recipient": mask_address(channel, str(address)), "subject": message.subject,
            "body": message.body})
        if notification_id:
            jobs.append((SEND_TASK, [notification_id]))
    return jobs


def _apply_waitlist_offer(ctx: Context, session: Session, event_id: str, data: dict) -> list[Job]:
    messages = waitlist_messages(data, support_phone=ctx.settings.support_phone)
    contact = data.get("contact") or {}
    jobs: list[Job] = []
    for channel, address in (("email", contact.get("email")), ("sms", contact.get("phone"))):
        if not address:
            continue
        message = messages[channel]
        notification_id = repo.add_notification(session, {
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
    with session_scope(ctx.sessions) as session:
        ticket = repo.get_ticket(session, appointment_id)
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
    with session_scope(ctx.sessions) as session:
        # Conditional: a reschedule or cancel that committed meanwhile wins over this render.
        changed = repo.update_ticket(session, appointment_id, {
            "pdf": pdf, "html": html, "rendered_version": version, "rendered_at": utcnow(),
            "status": "ready"}, version=version, status="rendering")
    log.info("talon rendered" if changed else "talon render superseded",
             extra={"appointment_id": appointment_id, "version": version})
    return "rendered" if changed else "superseded"


def render_failed(ctx: Context, appointment_id: str, version: int) -> None:
    with session_scope(ctx.sessions) as session:
        repo.update_ticket(session, appointment_id, {"failed_at": utcnow()}, version=version)


# --- notifications -----------------------------------------------------------------------------

def send_notification(ctx: Context, notification_id: str) -> str:
    """Deliver one queued message; raises on a delivery failure so the task is retried."""
    with session_scope(ctx.sessions) as session:
        row = repo.get_notification(session, notification_id)
    if row is None:
        return "missing"
    if row["status"] != "queued" or not row["address"]:
        return row["status"]
    if row["kind"] == "reminder" and _reminder_obsolete(ctx, row):
        # Cancelled, its day blocked or moved while the reminder waited (a retry backing off,
        # the stale sweep): telling the patient to come would be wrong.
        with session_scope(ctx.sessions) as session:
            repo.update_notification(session, notification_id, {"status": "cancelled", "address": None},
                                     status="queued")
        return "cancelled"
    try:
        if row["channel"] == "email":
            ctx.email.send(row["id"], row["address"], row["subject"] or "Регистратура", row["body"])
        else:
            ctx.sms.send(row["id"], row["address"], row["body"])
    except Exception as exc:
        with session_scope(ctx.sessions) as session:
            repo.update_notification(session, notification_id, {
                "attempts": row["attempts"] + 1, "last_error": f"{type(exc).__name__}: {exc}"[:1000]})
        raise
    with session_scope(ctx.sessions) as session:
        repo.update_notification(session, notification_id, {
            "status": "sent", "sent_at": utcnow(), "attempts": row["attempts"] + 1,
            "address": None, "last_error": None}, status="queued")
    return "sent"


def _reminder_stamp(starts_at: datetime) -> str:
    return repo.as_utc(starts_at).strftime("%Y%m%dT%H%M")


def _reminder_obsolete(ctx: Context, notification: dict) -> bool:
    with session_scope(ctx.sessions) as session:
        ticket = repo.reminder_state(session, notification["appointment_id"] or "")
    if ticket is None or ticket["status"] == "void" or (ticket["data"] or {}).get(FLAGGED):
        return True
    # The dedup key names the start the reminder was written for: reminder:<id>:<stamp>:<channel>.
    return f":{_reminder_stamp(ticket['starts_at'])}:" not in notification["dedup_key"]


def notification_failed(ctx: Context, notification_id: str) -> None:
    with session_scope(ctx.sessions) as session:
        repo.update_notification(session, notification_id, {"status": "failed"}, status="queued")


def record_dead_letter(ctx: Context, task_name: str, task_id: str | None, args: list, error: str) -> None:
    with session_scope(ctx.sessions) as session:
        repo.add_dead_letter(session, task_name, task_id, list(args), error)


# --- beat: reminders and the stale sweep ---------------------------------------------------------

def send_reminders(ctx: Context, now: datetime | None = None) -> int:
    """Queue one reminder per appointment (and start time) for visits tomorrow, local time."""
    now = (now or utcnow()).astimezone(timezone.utc)
    jobs: list[Job] = []
    with session_scope(ctx.sessions) as session:
        for row in repo.upcoming_tickets(session, now, now + timedelta(hours=50)):
            data = row["data"]
            if data.get(FLAGGED):
                continue
            start = data["appointment"]["start"]
            local_start = local_time(start, data.get("timezone"))
            local_today = now.astimezone(local_start.tzinfo).date()
            if local_start.date() != local_today + timedelta(days=1):
                continue
            messages = appointment_messages("reminder", data, cabinet_url=ctx.settings.cabinet_url,
                                            support_phone=ctx.settings.support_phone)
            contact = data.get("contact") or {}
            stamp = _reminder_stamp(row["starts_at"])
            for channel, address in (("email", contact.get("email")), ("sms", contact.get("phone"))):
                if not address:
                    continue
                notification_id = repo.add_notification(session, {
                    "dedup_key": f"reminder:{row['appointment_id']}:{stamp}:{channel}",
                    "kind": "reminder", "channel": channel, "appointment_id": row["appointment_id"],
                    "address": str(address), "recipient": mask_address(channel, str(address)),
                    "subject": messages[channel].subject, "body": messages[channel].body})
                if notification_id:
                    jobs.append((SEND_TASK, [notification_id]))
    dispatch(ctx, jobs)
    return len(jobs)


def prune_dead_letters(ctx: Context, now: datetime | None = None) -> int:
    """Delete dead letters older than the retention; operators have had their time to look."""
    before = (now or utcnow()) - timedelta(days=ctx.settings.dead_letter_retention_days)
    with session_scope(ctx.sessions) as session:
        return repo.delete_dead_letters(session, before)


def requeue_stale(ctx: Context, now: datetime | None = None) -> int:
    """Enqueue again the work whose job was lost (a crash between commit and enqueue)."""
    now = now or utcnow()
    settings = ctx.settings
    # A second render job is harmless (renders are conditional updates); a second send job racing a
    # retry that is still backing off could send twice, so messages wait out the longest backoff.
    renders_before = now - timedelta(seconds=settings.stale_after_seconds)
    messages_before = renders_before - timedelta(seconds=settings.retry_backoff_max_seconds)
    with session_scope(ctx.sessions) as session:
        jobs: list[Job] = [(RENDER_TASK, [aid, version]) for aid, version in repo.stale_renders(session, renders_before)]
        jobs += [(SEND_TASK, [nid]) for nid in repo.stale_notifications(session, messages_before)]
    dispatch(ctx, jobs)
    return len(jobs)
