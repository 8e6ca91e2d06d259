"""Real Celery worker processes on a real RabbitMQ: a worker killed mid-render, and the DLQ."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from kombu import Connection
from sqlalchemy import func, select

from tickets import services
from tickets.adapters.models import dead_letters, notifications, tickets
from tickets.tasks import enqueuer
from tickets.worker import create_celery_app, declare_task_queues

pytestmark = pytest.mark.integration

CELERY = str(Path(sys.executable).with_name("celery"))


@pytest.fixture
def rabbit_context(make_pg_database, make_context, amqp_url):
    """A context whose jobs go to a fresh task queue on RabbitMQ (deleted afterwards)."""
    queue = f"tickets-test-{uuid.uuid4().hex[:8]}"
    ctx = make_context(make_pg_database("tickets_worker"), broker_url=amqp_url, task_queue=queue,
                       task_max_retries=1, retry_backoff_max_seconds=1)
    app = create_celery_app(ctx.settings)
    declare_task_queues(app)
    ctx.enqueue = enqueuer(app)
    yield ctx
    with Connection(amqp_url, connect_timeout=3) as conn:
        channel = conn.default_channel
        for name in (queue, f"{queue}.dead"):
            channel.queue_delete(name)
        for name in (queue, f"{queue}.dlx"):
            channel.exchange_delete(name)


class Worker:
    """``celery -A tickets.worker:celery_app worker`` as a child process with its own settings."""

    def __init__(self, ctx, log_path: Path, **env):
        self.log_path = log_path
        settings = ctx.settings
        self.env = {**os.environ, "TICKETS_DATABASE_URL": settings.database_url,
                    "REGISTRATURA_BROKER_URL": settings.broker_url, "TICKETS_TASK_QUEUE": settings.task_queue,
                    "TICKETS_SECRET": settings.secret, "TICKETS_OUTBOX_DIR": settings.outbox_dir,
                    "TICKETS_TASK_MAX_RETRIES": str(settings.task_max_retries),
                    "TICKETS_RETRY_BACKOFF_MAX_SECONDS": str(settings.retry_backoff_max_seconds), **env}
        self.process: subprocess.Popen | None = None

    def start(self) -> "Worker":
        self.handle = open(self.log_path, "wb")
        # Solo pool: the render runs in the worker process itself, so SIGKILL cuts it mid-render.
        self.process = subprocess.Popen(
            [CELERY, "-A", "tickets.worker:celery_app", "worker", "--pool=solo", "--loglevel=INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"w{uuid.uuid4().hex[:6]}@%h"],
            env=self.env, stdout=self.handle, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log():
                return
            assert self.process.poll() is None, f"worker exited early:\n{self.log()}"
            time.sleep(0.1)
        raise AssertionError(f"{text!r} not logged within {timeout}s:\n{self.log()}")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        # SIGKILL rather than a warm shutdown (which idles ~10 s in the event loop): with late acks
        # nothing is lost, and the tests check the database and the queues, not the exit.
        self.kill()
        self.handle.close()


def wait_until(predicate, timeout: float = 30, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{message} not reached within {timeout}s")


def test_a_worker_killed_mid_render_leaves_the_job_to_the_next_worker_and_one_talon_is_made(
        rabbit_context, appointment_event, tmp_path):
    ctx = rabbit_context
    event = appointment_event(email=None, phone=None)
    aid = event["data"]["appointment"]["id"]
    assert services.handle_event(ctx, event) == [(services.RENDER_TASK, [aid, 1])]

    slow = Worker(ctx, tmp_path / "slow.log", TICKETS_RENDER_DELAY_SECONDS="60").start()
    try:
        slow.wait_for_log(f"Task {services.RENDER_TASK}[")  # received: the render has begun
        time.sleep(1.0)
        slow.kill()
    finally:
        slow.stop()
    assert "talon rendered" not in slow.log()
    with ctx.sessions() as session:
        assert session.execute(select(tickets.c.status).where(tickets.c.appointment_id == aid)).scalar_one() == "rendering"

    fresh = Worker(ctx, tmp_path / "fresh.log").start()
    try:
        def ready():
            with ctx.sessions() as session:
                return session.execute(select(tickets.c.status, tickets.c.rendered_version)
                                       .where(tickets.c.appointment_id == aid)).one() == ("ready", 1)
        wait_until(ready, message="talon ready after redelivery")
        time.sleep(1.0)  # nothing else must arrive
    finally:
        fresh.stop()
    assert fresh.log().count("talon rendered") == 1
    with ctx.sessions() as session:
        assert session.execute(select(func.count()).select_from(tickets)).scalar_one() == 1
        assert session.execute(select(func.count()).select_from(dead_letters)).scalar_one() == 0


def test_a_message_that_keeps_failing_ends_in_the_dead_letter_queue_and_table(
        rabbit_context, appointment_event, tmp_path, amqp_url):
    ctx = rabbit_context
    services.handle_event(ctx, appointment_event(phone=None))  # one render job, one e-mail job
    # Nothing listens on this port of our range: every SMTP attempt is refused.
    worker = Worker(ctx, tmp_path / "smtp.log", TICKETS_EMAIL_BACKEND="smtp", TICKETS_SMTP_HOST="127.0.0.1",
                    TICKETS_SMTP_PORT="18599", TICKETS_SMTP_TIMEOUT_SECONDS="2").start()
    try:
        def failed():
            with ctx.sessions() as session:
                return session.execute(select(notifications.c.status)).scalar_one() == "failed"
        wait_until(failed, timeout=40, message="notification failed for good")
        # After a retry (an ETA message held by the worker) the final reject reaches RabbitMQ on the
        # worker's next event-loop wake-up, up to ~10 s later.
        with Connection(amqp_url, connect_timeout=3) as conn:
            [message] = wait_until(lambda: _dead_letter(conn.default_channel, ctx.settings.task_queue),
                                   timeout=30, message="message in the DLQ")
    finally:
        worker.stop()
    assert message.headers["task"] == services.SEND_TASK
    assert message.headers["x-death"][0]["reason"] == "rejected"
    with ctx.sessions() as session:
        row = session.execute(select(notifications)).mappings().one()
        letters = session.execute(select(dead_letters.c.task_name)).scalars().all()
        ticket_status = session.execute(select(tickets.c.status)).scalar_one()
    assert row["attempts"] == ctx.settings.task_max_retries + 1 and "Connection" in row["last_error"]
    assert letters == [services.SEND_TASK]
    assert ticket_status == "ready"  # the talon does not depend on the e-mail



def _dead_letter(channel, queue: str):
    message = channel.basic_get(f"{queue}.dead", no_ack=True)
    return [message] if message is not None else None  # a bare amqp message may be falsy
