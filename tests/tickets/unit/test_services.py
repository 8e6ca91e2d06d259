"""Each tickets use case over fakes of its ports (records, senders, renderer, queue): no
database, no broker, no files."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tickets import services
from tickets.domain.talon import FLAGGED

pytestmark = pytest.mark.unit

RENDER, SEND = services.RENDER_TASK, services.SEND_TASK
TOMORROW_EVENING = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)  # 17:00 in Yekaterinburg


def sends(jobs) -> list[str]:
    return [args[0] for name, args in jobs if name == SEND]


def test_a_booking_makes_a_ticket_to_render_and_one_message_per_contact(unit_context,
                                                                         appointment_event):
    ctx = unit_context
    event = appointment_event()
    aid = event["data"]["appointment"]["id"]
    jobs = services.handle_event(ctx, event)
    assert jobs[0] == (RENDER, [aid, 1]) and len(sends(jobs)) == 2
    assert ctx.jobs == jobs  # enqueued after the unit of work
    ticket = ctx.records.tickets[aid]
    assert (ticket["status"], ticket["version"], ticket["number"]) == ("rendering", 1, "0001-000123")
    assert ticket["verification_code"]
    by_channel = {n["channel"]: n for n in ctx.records.by_kind("booked")}
    assert set(by_channel) == {"email", "sms"}
    assert by_channel["email"]["address"] == "ivanov@example.org"
    assert by_channel["email"]["recipient"] != "ivanov@example.org"  # masked for staff eyes
    assert by_channel["sms"]["address"] == "+79225550167"


def test_a_redelivered_event_changes_nothing(unit_context, appointment_event):
    ctx = unit_context
    event = appointment_event()
    services.handle_event(ctx, event)
    before = (dict(ctx.records.tickets), dict(ctx.records.notifications))
    assert services.handle_event(ctx, event) == []
    assert (dict(ctx.records.tickets), dict(ctx.records.notifications)) == before


def test_an_event_without_data_and_a_broken_snapshot_become_dead_letters(unit_context,
                                                                         appointment_event):
    ctx = unit_context
    assert services.handle_event(ctx, {"id": "e-1", "type": "appointment.booked"}) == []
    broken = appointment_event()
    del broken["data"]["appointment"]["start"]
    assert services.handle_event(ctx, broken) == []
    assert [d["task_name"] for d in ctx.records.dead_letters] == ["event:appointment.booked"] * 2
    assert "KeyError" in ctx.records.dead_letters[1]["error"]
    # The failed unit of work rolled back: the event is not marked processed, no ticket stays.
    assert ctx.records.processed == {} and ctx.records.tickets == {} and ctx.jobs == []


def test_a_cancellation_voids_the_ticket_and_a_late_booking_message_is_not_sent(
        unit_context, appointment_event):
    ctx = unit_context
    aid = "0b4a6e3e-0000-4000-8000-000000000001"
    services.handle_event(ctx, appointment_event(appointment_id=aid))
    cancelled = services.handle_event(ctx, appointment_event(
        "appointment.cancelled", appointment_id=aid, occurred_at="2026-11-25T06:00:00+00:00"))
    assert ctx.records.tickets[aid]["status"] == "void"
    assert len(sends(cancelled)) == 2 and len(ctx.records.by_kind("cancelled")) == 2
    late = services.handle_event(ctx, appointment_event(
        appointment_id=aid, occurred_at="2026-11-25T05:30:00+00:00"))
    assert late == [] and ctx.records.tickets[aid]["status"] == "void"


def test_a_reschedule_renders_a_new_version(unit_context, appointment_event):
    ctx = unit_context
    aid = "0b4a6e3e-0000-4000-8000-000000000002"
    services.handle_event(ctx, appointment_event(appointment_id=aid))
    jobs = services.handle_event(ctx, appointment_event(
        "appointment.rescheduled", appointment_id=aid, start="2026-12-02T04:00:00+00:00",
        occurred_at="2026-11-25T07:00:00+00:00"))
    assert jobs[0] == (RENDER, [aid, 2])
    ticket = ctx.records.tickets[aid]
    assert (ticket["version"], ticket["status"]) == (2, "rendering")
    assert ticket["starts_at"] == datetime(2026, 12, 2, 4, 0, tzinfo=timezone.utc)


def test_a_waitlist_offer_queues_messages_and_no_ticket(unit_context, waitlist_event):
    ctx = unit_context
    event = waitlist_event(phone=None)
    jobs = services.handle_event(ctx, event)
    (offer,) = ctx.records.by_kind("waitlist_offered")
    assert jobs == [(SEND, [offer["id"]])] and offer["channel"] == "email"
    assert offer["waitlist_entry_id"] == event["data"]["entry_id"]
    assert ctx.records.tickets == {}


def test_a_render_stores_the_talon_once_and_a_stale_version_is_superseded(unit_context,
                                                                          appointment_event):
    ctx = unit_context
    event = appointment_event()
    aid = event["data"]["appointment"]["id"]
    services.handle_event(ctx, event)
    assert services.render_ticket(ctx, aid, 1) == "rendered"
    ticket = ctx.records.tickets[aid]
    assert (ticket["status"], ticket["rendered_version"]) == ("ready", 1)
    assert ticket["pdf"] == b"%PDF 0001-000123" and ticket["html"] == "<p>0001-000123</p>"
    assert services.render_ticket(ctx, aid, 1) == "already_rendered"
    assert services.render_ticket(ctx, aid, 2) == "superseded"
    assert services.render_ticket(ctx, "no-such-appointment", 1) == "missing"


def test_a_failed_render_is_marked_and_the_sweep_leaves_it(unit_context, appointment_event):
    ctx = unit_context
    event = appointment_event(phone=None, email=None)
    aid = event["data"]["appointment"]["id"]
    services.handle_event(ctx, event)
    services.render_failed(ctx, aid, 1)
    assert ctx.records.tickets[aid]["failed_at"] is not None
    ctx.jobs.clear()
    assert services.requeue_stale(ctx, now=datetime(2100, 1, 1, tzinfo=timezone.utc)) == 0


def test_a_message_is_sent_once_and_its_address_forgotten(unit_context, appointment_event):
    ctx = unit_context
    jobs = services.handle_event(ctx, appointment_event(phone=None))
    (notification_id,) = sends(jobs)
    assert services.send_notification(ctx, notification_id) == "sent"
    ((_id, to, subject, body),) = ctx.email.sent
    assert to == "ivanov@example.org" and subject and body
    row = ctx.records.notifications[notification_id]
    assert (row["status"], row["address"], row["attempts"]) == ("sent", None, 1)
    assert services.send_notification(ctx, notification_id) == "sent"  # no second delivery
    assert len(ctx.email.sent) == 1
    assert services.send_notification(ctx, "no-such-notification") == "missing"


def test_a_delivery_failure_is_counted_and_raised_for_the_retry(unit_context, appointment_event):
    ctx = unit_context
    (notification_id,) = sends(services.handle_event(ctx, appointment_event(email=None)))
    ctx.sms.fail_with = ConnectionError("provider down")
    with pytest.raises(ConnectionError):
        services.send_notification(ctx, notification_id)
    row = ctx.records.notifications[notification_id]
    assert (row["status"], row["attempts"]) == ("queued", 1)
    assert "provider down" in row["last_error"]
    services.notification_failed(ctx, notification_id)
    assert ctx.records.notifications[notification_id]["status"] == "failed"


def test_reminders_go_out_once_for_tomorrow_and_not_for_a_blocked_day(unit_context,
                                                                      appointment_event):
    ctx = unit_context
    services.handle_event(ctx, appointment_event())  # 2026-12-01 08:15 local
    blocked = appointment_event(start="2026-12-01T05:00:00+00:00",
                                end="2026-12-01T05:15:00+00:00")
    blocked_id = blocked["data"]["appointment"]["id"]
    services.handle_event(ctx, blocked)
    services.handle_event(ctx, appointment_event(
        "appointment.flagged", appointment_id=blocked_id, start="2026-12-01T05:00:00+00:00",
        end="2026-12-01T05:15:00+00:00", occurred_at="2026-11-25T06:00:00+00:00"))
    assert ctx.records.tickets[blocked_id]["data"][FLAGGED] is True
    ctx.jobs.clear()
    assert services.send_reminders(ctx, now=TOMORROW_EVENING) == 2  # e-mail and SMS, one visit
    reminders = ctx.records.by_kind("reminder")
    assert blocked_id not in {r["appointment_id"] for r in reminders}
    assert sorted(sends(ctx.jobs)) == sorted(r["id"] for r in reminders)
    assert services.send_reminders(ctx, now=TOMORROW_EVENING) == 0
    assert services.send_reminders(ctx, now=TOMORROW_EVENING - timedelta(days=2)) == 0


def test_a_reminder_of_a_cancelled_visit_is_not_delivered(unit_context, appointment_event):
    ctx = unit_context
    aid = "0b4a6e3e-0000-4000-8000-000000000003"
    services.handle_event(ctx, appointment_event(appointment_id=aid, phone=None))
    services.send_reminders(ctx, now=TOMORROW_EVENING)
    (reminder,) = ctx.records.by_kind("reminder")
    services.handle_event(ctx, appointment_event(
        "appointment.cancelled", appointment_id=aid, phone=None,
        occurred_at="2026-11-25T06:00:00+00:00"))
    assert services.send_notification(ctx, reminder["id"]) == "cancelled"
    assert ctx.records.notifications[reminder["id"]]["address"] is None
    assert ctx.email.sent == []


def test_the_stale_sweep_enqueues_lost_renders_and_messages_again(unit_context,
                                                                  appointment_event):
    ctx = unit_context
    event = appointment_event(phone=None)
    aid = event["data"]["appointment"]["id"]
    jobs = services.handle_event(ctx, event)
    ctx.jobs.clear()
    assert services.requeue_stale(ctx, now=ctx.clock.now) == 0  # nothing is old yet
    later = ctx.clock.now + timedelta(hours=1)
    assert services.requeue_stale(ctx, now=later) == 2
    assert sorted(ctx.jobs) == sorted(jobs) and (RENDER, [aid, 1]) in ctx.jobs


def test_dead_letters_are_recorded_and_pruned_after_the_retention(unit_context):
    ctx = unit_context
    services.record_dead_letter(ctx, RENDER, "task-1", ["a", 1], "RuntimeError: disk full")
    (letter,) = ctx.records.dead_letters
    assert (letter["task_name"], letter["task_id"], letter["args"]) == (RENDER, "task-1", ["a", 1])
    retention = timedelta(days=ctx.settings.dead_letter_retention_days)
    assert services.prune_dead_letters(ctx, now=ctx.clock.now + retention) == 0
    assert services.prune_dead_letters(
        ctx, now=ctx.clock.now + retention + timedelta(seconds=1)) == 1
    assert ctx.records.dead_letters == []


def test_a_queue_that_refuses_jobs_keeps_the_committed_work_for_the_sweep(unit_context,
                                                                          appointment_event):
    ctx = unit_context

    def refuse(_jobs):
        raise ConnectionError("broker down")

    ctx.enqueue = refuse
    event = appointment_event()
    jobs = services.handle_event(ctx, event)
    assert jobs and event["data"]["appointment"]["id"] in ctx.records.tickets
    assert ctx.records.processed == {event["id"]: "appointment.booked"}
