"""Use cases of the tickets service after the events: deliver a queued message, queue
tomorrow's reminders, enqueue lost work again, keep the dead letters."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from regcommon.db import utcnow
from regcommon.instants import as_utc

from .context import Context
from .domain.messages import appointment_messages, mask_address
from .domain.talon import FLAGGED, local_time
from .ports import RENDER_TASK, SEND_TASK, Job

log = logging.getLogger("tickets.services")


def send_notification(ctx: Context, notification_id: str) -> str:
    """Deliver one queued message; raises on a delivery failure so the task is retried."""
    with ctx.records.unit_of_work() as uow:
        row = uow.get_notification(notification_id)
    if row is None:
        return "missing"
    if row["status"] != "queued" or not row["address"]:
        return row["status"]
    if row["kind"] == "reminder" and _reminder_obsolete(ctx, row):
        # Cancelled, its day blocked or moved while the reminder waited (a retry backing off,
        # the stale sweep): telling the patient to come would be wrong.
        with ctx.records.unit_of_work() as uow:
            uow.update_notification(notification_id, {"status": "cancelled", "address": None},
                                    status="queued")
        return "cancelled"
    try:
        if row["channel"] == "email":
            ctx.email.send(row["id"], row["address"], row["subject"] or "Регистратура", row["body"])
        else:
            ctx.sms.send(row["id"], row["address"], row["body"])
    except Exception as exc:
        with ctx.records.unit_of_work() as uow:
            uow.update_notification(notification_id, {
                "attempts": row["attempts"] + 1, "last_error": f"{type(exc).__name__}: {exc}"[:1000]})
        raise
    with ctx.records.unit_of_work() as uow:
        uow.update_notification(notification_id, {
            "status": "sent", "sent_at": utcnow(), "attempts": row["attempts"] + 1,
            "address": None, "last_error": None}, status="queued")
    return "sent"


def _reminder_stamp(starts_at: datetime) -> str:
    return as_utc(starts_at).strftime("%Y%m%dT%H%M")


def _reminder_obsolete(ctx: Context, notification: dict) -> bool:
    with ctx.records.unit_of_work() as uow:
        ticket = uow.reminder_state(notification["appointment_id"] or "")
    if ticket is None or ticket["status"] == "void" or (ticket["data"] or {}).get(FLAGGED):
        return True
    # The dedup key names the start the reminder was written for: reminder:<id>:<stamp>:<channel>.
    return f":{_reminder_stamp(ticket['starts_at'])}:" not in notification["dedup_key"]


def notification_failed(ctx: Context, notification_id: str) -> None:
    with ctx.records.unit_of_work() as uow:
        uow.update_notification(notification_id, {"status": "failed"}, status="queued")


def record_dead_letter(ctx: Context, task_name: str, task_id: str | None, args: list, error: str) -> None:
    with ctx.records.unit_of_work() as uow:
        uow.add_dead_letter(task_name, task_id, list(args), error)


# --- beat: reminders and the stale sweep ---------------------------------------------------------

def send_reminders(ctx: Context, now: datetime | None = None) -> int:
    """Queue one reminder per appointment (and start time) for visits tomorrow, local time."""
    now = (now or utcnow()).astimezone(timezone.utc)
    jobs: list[Job] = []
    with ctx.records.unit_of_work() as uow:
        for row in uow.upcoming_tickets(now, now + timedelta(hours=50)):
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
                notification_id = uow.add_notification({
                    "dedup_key": f"reminder:{row['appointment_id']}:{stamp}:{channel}",
                    "kind": "reminder", "channel": channel, "appointment_id": row["appointment_id"],
                    "address": str(address), "recipient": mask_address(channel, str(address)),
                    "subject": messages[channel].subject, "body": messages[channel].body})
                if notification_id:
                    jobs.append((SEND_TASK, [notification_id]))
    ctx.dispatch(jobs)
    return len(jobs)


def prune_dead_letters(ctx: Context, now: datetime | None = None) -> int:
    """Delete dead letters older than the retention; operators have had their time to look."""
    before = (now or utcnow()) - timedelta(days=ctx.settings.dead_letter_retention_days)
    with ctx.records.unit_of_work() as uow:
        return uow.delete_dead_letters(before)


def requeue_stale(ctx: Context, now: datetime | None = None) -> int:
    """Enqueue again the work whose job was lost (a crash between commit and enqueue)."""
    now = now or utcnow()
    settings = ctx.settings
    # A second render job is harmless (renders are conditional updates); a second send job racing a
    # retry that is still backing off could send twice, so messages wait out the longest backoff.
    renders_before = now - timedelta(seconds=settings.stale_after_seconds)
    messages_before = renders_before - timedelta(seconds=settings.retry_backoff_max_seconds)
    with ctx.records.unit_of_work() as uow:
        jobs: list[Job] = [(RENDER_TASK, [aid, version])
                           for aid, version in uow.stale_renders(renders_before)]
        jobs += [(SEND_TASK, [nid]) for nid in uow.stale_notifications(messages_before)]
    ctx.dispatch(jobs)
    return len(jobs)
