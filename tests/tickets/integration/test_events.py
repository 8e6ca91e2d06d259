"""Events become talons and messages exactly once, whatever the order or the number of deliveries."""
import threading
import uuid

import pytest
from sqlalchemy import func, select

from tickets import services
from tickets.adapters.models import dead_letters, notifications, tickets

pytestmark = pytest.mark.integration


def count(ctx, table, *where):
    with ctx.sessions() as session:
        return session.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def ticket_row(ctx, appointment_id):
    with ctx.sessions() as session:
        return session.execute(select(tickets).where(tickets.c.appointment_id == appointment_id)).mappings().one()


def test_an_event_delivered_twice_makes_one_ticket_and_one_email_file(pg_context, appointment_event, run_jobs, outbox):
    event = appointment_event()
    services.handle_event(pg_context, event)
    assert services.handle_event(pg_context, event) == []  # the redelivery enqueues nothing
    run_jobs(pg_context)
    aid = event["data"]["appointment"]["id"]
    assert count(pg_context, tickets) == 1
    row = ticket_row(pg_context, aid)
    assert row["status"] == "ready" and row["pdf"].startswith(b"%PDF") and row["rendered_version"] == 1
    assert len(outbox(pg_context, "email")) == 1 and len(outbox(pg_context, "sms")) == 1
    assert count(pg_context, notifications, notifications.c.status == "sent") == 2


def test_the_email_file_is_a_readable_message_with_the_short_content(pg_context, appointment_event, run_jobs, outbox):
    from email import message_from_bytes
    from email.policy import default

    services.handle_event(pg_context, appointment_event())
    run_jobs(pg_context)
    message = message_from_bytes(outbox(pg_context, "email")[0].read_bytes(), policy=default)
    assert message["To"] == "ivanov@example.org"
    assert message["Subject"] == "Запись на приём 01.12.2026 08:15"
    assert "Талон № 0001-000123" in message.get_content()
    sms = outbox(pg_context, "sms")[0].read_text()
    assert sms.startswith("To: +79225550167") and "каб. 214" in sms


def test_sent_notifications_forget_the_real_address(pg_context, appointment_event, run_jobs):
    services.handle_event(pg_context, appointment_event())
    run_jobs(pg_context)
    with pg_context.sessions() as session:
        rows = session.execute(select(notifications.c.address, notifications.c.recipient)).all()
    assert {r.address for r in rows} == {None}
    assert {r.recipient for r in rows} == {"i***@example.org", "***0167"}


@pytest.mark.parametrize("backend", ["pg", "sqlite"])
def test_concurrent_deliveries_of_one_event_make_one_ticket(request, backend, appointment_event):
    ctx = request.getfixturevalue("pg_context" if backend == "pg" else "sqlite_context")
    event = appointment_event()
    barrier = threading.Barrier(4)
    errors = []

    def deliver():
        barrier.wait()
        try:
            services.handle_event(ctx, event)
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert count(ctx, tickets) == 1 and count(ctx, notifications) == 2
    assert len([job for job in ctx.jobs if job[0] == services.RENDER_TASK]) == 1


def test_reschedule_updates_the_talon_and_renders_a_new_version(pg_context, appointment_event, run_jobs, pdf_text):
    booked = appointment_event()
    aid = booked["data"]["appointment"]["id"]
    services.handle_event(pg_context, booked)
    run_jobs(pg_context)
    moved = appointment_event("appointment.rescheduled", appointment_id=aid, start="2026-12-03T06:00:00+00:00",
                              occurred_at="2026-11-26T05:00:00+00:00")
    services.handle_event(pg_context, moved)
    assert ticket_row(pg_context, aid)["status"] == "rendering"
    run_jobs(pg_context)
    row = ticket_row(pg_context, aid)
    assert row["version"] == 2 and row["rendered_version"] == 2 and row["status"] == "ready"
    assert "3 декабря 2026 г., 11:00 (четверг)" in " ".join(pdf_text(row["pdf"]).split())
    kinds = sorted(k for (k,) in pg_context.sessions().execute(select(notifications.c.kind)).all())
    assert kinds == ["booked", "booked", "rescheduled", "rescheduled"]


def test_an_old_render_job_does_not_overwrite_a_newer_version(pg_context, appointment_event):
    booked = appointment_event()
    aid = booked["data"]["appointment"]["id"]
    services.handle_event(pg_context, booked)
    services.handle_event(pg_context, appointment_event(
        "appointment.rescheduled", appointment_id=aid, occurred_at="2026-11-26T05:00:00+00:00"))
    assert services.render_ticket(pg_context, aid, 1) == "superseded"
    assert services.render_ticket(pg_context, aid, 2) == "rendered"
    assert services.render_ticket(pg_context, aid, 2) == "already_rendered"


def test_cancellation_voids_the_talon_and_a_late_booking_event_does_not_revive_it(
        pg_context, appointment_event, run_jobs):
    booked = appointment_event(occurred_at="2026-11-25T05:00:00+00:00")
    aid = booked["data"]["appointment"]["id"]
    services.handle_event(pg_context, appointment_event(
        "appointment.cancelled", appointment_id=aid, occurred_at="2026-11-25T06:00:00+00:00"))
    services.handle_event(pg_context, booked)  # arrives after the cancellation
    run_jobs(pg_context)
    assert ticket_row(pg_context, aid)["status"] == "void"
    with pg_context.sessions() as session:
        kinds = {k for (k,) in session.execute(select(notifications.c.kind)).all()}
    assert kinds == {"cancelled"}


def test_flagged_appointment_sends_a_reschedule_request_with_the_cabinet_link(pg_context, appointment_event, run_jobs, outbox):
    booked = appointment_event()
    aid = booked["data"]["appointment"]["id"]
    services.handle_event(pg_context, booked)
    services.handle_event(pg_context, appointment_event("appointment.flagged", appointment_id=aid, phone=None,
                                                        occurred_at="2026-11-26T05:00:00+00:00"))
    run_jobs(pg_context)
    with pg_context.sessions() as session:
        body = session.execute(select(notifications.c.body).where(notifications.c.kind == "flagged")).scalar_one()
    assert "не состоится" in body and pg_context.settings.cabinet_url in body
    assert ticket_row(pg_context, aid)["status"] == "ready"  # the talon is valid until a reschedule


def test_waitlist_offer_sends_the_link(pg_context, waitlist_event, run_jobs, outbox):
    services.handle_event(pg_context, waitlist_event(email=None))
    run_jobs(pg_context)
    [sms] = outbox(pg_context, "sms")
    assert "http://127.0.0.1:8000/book/slots/42" in sms.read_text()
    assert outbox(pg_context, "email") == []


def test_a_malformed_event_is_kept_as_a_dead_letter_instead_of_looping(pg_context):
    services.handle_event(pg_context, {"id": "e-1", "type": "appointment.booked", "data": {"appointment": {}}})
    assert count(pg_context, dead_letters, dead_letters.c.task_name == "event:appointment.booked") == 1
    assert count(pg_context, tickets) == 0


def test_work_lost_between_commit_and_enqueue_is_enqueued_again(pg_context, appointment_event):
    from datetime import timedelta

    from regcommon.db import utcnow

    def broken_enqueue(_jobs):
        raise ConnectionError("broker down")

    pg_context.enqueue = broken_enqueue
    services.handle_event(pg_context, appointment_event())  # committed; enqueue failed
    pg_context.enqueue = pg_context.jobs.extend
    settings = pg_context.settings
    settings.retry_backoff_max_seconds = 600
    soon = utcnow() + timedelta(seconds=settings.stale_after_seconds + 1)
    assert services.requeue_stale(pg_context, now=soon) == 1  # the render; messages wait out retries
    pg_context.jobs.clear()
    later = soon + timedelta(seconds=settings.retry_backoff_max_seconds + 1)
    assert services.requeue_stale(pg_context, now=later) == 3
    assert sorted(name for name, _ in pg_context.jobs) == [services.RENDER_TASK, services.SEND_TASK, services.SEND_TASK]


def test_booking_and_rescheduling_events_racing_on_postgresql_end_at_the_new_time(pg_context, appointment_event):
    aid = str(uuid.uuid4())
    booked = appointment_event(appointment_id=aid, occurred_at="2026-11-25T05:00:00+00:00")
    moved = appointment_event("appointment.rescheduled", appointment_id=aid, start="2026-12-03T06:00:00+00:00",
                              occurred_at="2026-11-25T06:00:00+00:00")
    barrier = threading.Barrier(2)

    def deliver(event):
        barrier.wait()
        services.handle_event(pg_context, event)

    threads = [threading.Thread(target=deliver, args=(event,)) for event in (booked, moved)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    row = ticket_row(pg_context, aid)
    assert row["data"]["appointment"]["start"] == "2026-12-03T06:00:00+00:00"
    assert row["status"] == "rendering" and count(pg_context, tickets) == 1
    # whichever order they committed in, a render job exists for the version that stands
    assert [aid, row["version"]] in [args for name, args in pg_context.jobs if name == services.RENDER_TASK]


def test_dead_letters_older_than_the_retention_are_deleted_newer_stay(pg_context):
    from datetime import timedelta

    from regcommon.db import session_scope, utcnow

    services.record_dead_letter(pg_context, "tickets.render", "old", ["a1", 1], "boom")
    services.record_dead_letter(pg_context, "tickets.render", "new", ["a2", 1], "boom")
    days = pg_context.settings.dead_letter_retention_days
    with session_scope(pg_context.sessions) as conn:
        conn.execute(dead_letters.update().where(dead_letters.c.task_id == "old")
                     .values(created_at=utcnow() - timedelta(days=days, hours=1)))
        conn.execute(dead_letters.update().where(dead_letters.c.task_id == "new")
                     .values(created_at=utcnow() - timedelta(days=days - 1)))
    assert services.prune_dead_letters(pg_context) == 1
    with session_scope(pg_context.sessions) as conn:
        assert list(conn.execute(select(dead_letters.c.task_id)).scalars()) == ["new"]
