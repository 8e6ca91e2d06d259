"""Celery tasks (run eagerly here): retries with backoff, dead letters after the last retry, reminders."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from tickets import services, tasks
from tickets.adapters.models import dead_letters, notifications, tickets
from tickets.worker import create_celery_app

pytestmark = pytest.mark.integration


@pytest.fixture
def celery_app(pg_context):
    app = create_celery_app(pg_context.settings)
    tasks.set_context(pg_context)
    yield app
    tasks.set_context(None)


def ticket_row(ctx, appointment_id):
    with ctx.sessions() as session:
        return session.execute(select(tickets).where(tickets.c.appointment_id == appointment_id)).mappings().one()


def test_a_render_that_failed_once_is_retried_and_the_talon_becomes_ready(celery_app, pg_context, appointment_event):
    event = appointment_event()
    aid = event["data"]["appointment"]["id"]
    services.handle_event(pg_context, event)
    real_render, calls = pg_context.render, []

    def flaky(view):
        calls.append(view.number)
        if len(calls) == 1:
            raise OSError("disk full")
        return real_render(view)

    pg_context.render = flaky
    result = celery_app.tasks[services.RENDER_TASK].apply(args=[aid, 1])
    assert result.successful() and result.result == "rendered"
    assert len(calls) == 2
    assert ticket_row(pg_context, aid)["status"] == "ready"


def test_a_render_failing_every_time_ends_as_a_dead_letter_after_max_retries(celery_app, pg_context, appointment_event):
    event = appointment_event()
    aid = event["data"]["appointment"]["id"]
    services.handle_event(pg_context, event)
    calls = []

    def broken(view):
        calls.append(1)
        raise OSError("renderer crashed")

    pg_context.render = broken
    result = celery_app.tasks[services.RENDER_TASK].apply(args=[aid, 1])
    assert result.failed()
    assert len(calls) == pg_context.settings.task_max_retries + 1
    with pg_context.sessions() as session:
        [letter] = session.execute(select(dead_letters)).mappings().all()
    assert letter["task_name"] == services.RENDER_TASK and letter["args"] == [aid, 1]
    assert "renderer crashed" in letter["error"]
    row = ticket_row(pg_context, aid)
    assert row["status"] == "rendering" and row["failed_at"] is not None
    # the stale sweep leaves a dead render alone (it would only fail again)
    pg_context.jobs.clear()
    services.requeue_stale(pg_context, now=datetime(2100, 1, 1, tzinfo=timezone.utc))
    assert [name for name, _ in pg_context.jobs if name == services.RENDER_TASK] == []


def test_an_undeliverable_message_is_retried_then_marked_failed_and_dead_lettered(
        celery_app, pg_context, appointment_event):
    class DownSmtp:
        def send(self, *args):
            raise ConnectionRefusedError("smtp down")

    services.handle_event(pg_context, appointment_event(phone=None))
    [(_, [notification_id])] = [job for job in pg_context.jobs if job[0] == services.SEND_TASK]
    pg_context.email = DownSmtp()
    result = celery_app.tasks[services.SEND_TASK].apply(args=[notification_id])
    assert result.failed()
    with pg_context.sessions() as session:
        row = session.execute(select(notifications)).mappings().one()
        letters = session.execute(select(dead_letters.c.task_name)).scalars().all()
    assert row["status"] == "failed" and row["attempts"] == pg_context.settings.task_max_retries + 1
    assert "smtp down" in row["last_error"]
    assert letters == [services.SEND_TASK]


def test_sending_twice_delivers_once(celery_app, pg_context, appointment_event, outbox):
    services.handle_event(pg_context, appointment_event(phone=None))
    [(_, [notification_id])] = [job for job in pg_context.jobs if job[0] == services.SEND_TASK]
    task = celery_app.tasks[services.SEND_TASK]
    assert task.apply(args=[notification_id]).result == "sent"
    assert task.apply(args=[notification_id]).result == "sent"  # skipped: already sent
    with pg_context.sessions() as session:
        assert session.execute(select(notifications.c.attempts)).scalar_one() == 1
    assert len(outbox(pg_context, "email")) == 1


def test_reminders_go_once_to_appointments_starting_tomorrow_local_time(celery_app, pg_context, appointment_event):
    # 2026-11-30 20:30 UTC is already 1 December in Orenburg (UTC+5): "tomorrow" is 2 December.
    now = datetime(2026, 11, 30, 20, 30, tzinfo=timezone.utc)
    tomorrow = appointment_event(start="2026-12-02T03:00:00+00:00", phone=None)  # 08:00 on 2 Dec
    today = appointment_event(start="2026-12-01T05:00:00+00:00", phone=None)  # 10:00 on 1 Dec
    cancelled = appointment_event(start="2026-12-02T04:00:00+00:00", phone=None)
    for event in (tomorrow, today, cancelled):
        services.handle_event(pg_context, event)
    services.handle_event(pg_context, appointment_event(
        "appointment.cancelled", appointment_id=cancelled["data"]["appointment"]["id"],
        start="2026-12-02T04:00:00+00:00", occurred_at="2026-11-26T00:00:00+00:00"))
    assert services.send_reminders(pg_context, now=now) == 1
    assert services.send_reminders(pg_context, now=now) == 0
    with pg_context.sessions() as session:
        [row] = session.execute(select(notifications).where(notifications.c.kind == "reminder")).mappings().all()
    assert row["appointment_id"] == tomorrow["data"]["appointment"]["id"]
    assert "завтра" in row["body"] and "02.12.2026 08:00" in row["subject"]


def test_the_beat_task_runs_the_reminder_sweep(celery_app):
    assert celery_app.tasks["tickets.send_reminders"].apply().result == 0
    schedule = celery_app.conf.beat_schedule
    assert schedule["send-reminders"]["schedule"] == 3600.0


def test_the_beat_prunes_old_dead_letters(celery_app):
    assert celery_app.tasks["tickets.prune_dead_letters"].apply().result == 0
    assert celery_app.conf.beat_schedule["prune-dead-letters"]["task"] == "tickets.prune_dead_letters"


def test_no_reminder_goes_to_an_appointment_whose_day_was_blocked_until_it_is_rescheduled(
        pg_context, appointment_event):
    # The patient was told "приём не состоится"; a "завтра у вас приём" reminder would contradict it.
    now = datetime(2026, 11, 30, 20, 30, tzinfo=timezone.utc)
    booked = appointment_event(start="2026-12-02T03:00:00+00:00", phone=None)
    aid = booked["data"]["appointment"]["id"]
    services.handle_event(pg_context, booked)
    services.handle_event(pg_context, appointment_event(
        "appointment.flagged", appointment_id=aid, start="2026-12-02T03:00:00+00:00", phone=None,
        occurred_at="2026-11-26T00:00:00+00:00"))
    assert services.send_reminders(pg_context, now=now) == 0
    services.handle_event(pg_context, appointment_event(
        "appointment.rescheduled", appointment_id=aid, start="2026-12-02T06:00:00+00:00", phone=None,
        occurred_at="2026-11-27T00:00:00+00:00"))
    assert services.send_reminders(pg_context, now=now) == 1


def test_a_queued_reminder_is_not_delivered_once_the_appointment_is_cancelled(
        pg_context, appointment_event, outbox):
    now = datetime(2026, 11, 30, 20, 30, tzinfo=timezone.utc)
    booked = appointment_event(start="2026-12-02T03:00:00+00:00", phone=None)
    aid = booked["data"]["appointment"]["id"]
    services.handle_event(pg_context, booked)
    pg_context.jobs.clear()
    assert services.send_reminders(pg_context, now=now) == 1
    [(_, [reminder_id])] = pg_context.jobs
    # The reminder's delivery is delayed (a retry backing off) and the patient cancels meanwhile.
    services.handle_event(pg_context, appointment_event(
        "appointment.cancelled", appointment_id=aid, start="2026-12-02T03:00:00+00:00", phone=None,
        occurred_at="2026-11-26T00:00:00+00:00"))
    assert services.send_notification(pg_context, reminder_id) != "sent"
    assert outbox(pg_context, "email") == []  # nothing else was run: no file at all


def test_a_queued_reminder_for_the_old_time_is_not_delivered_after_a_reschedule(pg_context, appointment_event):
    now = datetime(2026, 11, 30, 20, 30, tzinfo=timezone.utc)
    booked = appointment_event(start="2026-12-02T03:00:00+00:00", phone=None)
    aid = booked["data"]["appointment"]["id"]
    services.handle_event(pg_context, booked)
    pg_context.jobs.clear()
    services.send_reminders(pg_context, now=now)
    [(_, [old_reminder])] = pg_context.jobs
    services.handle_event(pg_context, appointment_event(
        "appointment.rescheduled", appointment_id=aid, start="2026-12-02T06:00:00+00:00", phone=None,
        occurred_at="2026-11-26T00:00:00+00:00"))
    assert services.send_notification(pg_context, old_reminder) == "cancelled"
    pg_context.jobs.clear()
    assert services.send_reminders(pg_context, now=now) == 1  # the new time gets its own reminder
    [(_, [new_reminder])] = pg_context.jobs
    assert services.send_notification(pg_context, new_reminder) == "sent"
