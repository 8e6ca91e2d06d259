"""The event consumer on both brokers: an event published twice gives one talon and one e-mail."""
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
from sqlalchemy import create_engine, func, select

from regcommon.events import EventConsumer, EventPublisher
from regcommon.settings import filesystem_broker_options
from tickets import services
from tickets.adapters.models import notifications, tickets

pytestmark = pytest.mark.integration

BIN = Path(sys.executable).parent


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what} not reached within {timeout}s")


def test_rabbitmq_consumer_applies_a_redelivered_event_once(pg_context, amqp_url, appointment_event, run_jobs, outbox):
    # A private routing key and queue, so that no other consumer of the shared exchange sees the test.
    key, queue = f"tickets-test.{uuid.uuid4().hex[:8]}", f"tickets-test-events-{uuid.uuid4().hex[:8]}"
    consumer = EventConsumer(amqp_url, queue, [key], handler=lambda event: services.handle_event(pg_context, event))
    try:
        with consumer.connection.Consumer(consumer.queues, accept=["json"]):
            pass  # declares the queue and its binding before anything is published
        event = appointment_event()
        publisher = EventPublisher(amqp_url)
        publisher.publish(event, routing_key=key)
        publisher.publish(event, routing_key=key)
        publisher.close()
        consumer.drain_once(timeout=1.0)
        run_jobs(pg_context)
        with pg_context.sessions() as session:
            assert session.execute(select(func.count()).select_from(tickets)).scalar_one() == 1
            assert session.execute(select(tickets.c.status)).scalar_one() == "ready"
        assert len(outbox(pg_context, "email")) == 1
    finally:
        with Connection(amqp_url, connect_timeout=3) as conn:
            conn.default_channel.queue_delete(queue)
        consumer.connection.release()


def test_embedded_mode_turns_an_event_published_twice_into_one_talon_and_one_email(tmp_path, appointment_event,
                                                                                  monkeypatch):
    """`python -m tickets consume` and a Celery worker on kombu's filesystem broker and SQLite."""
    var = tmp_path / "var"
    monkeypatch.setenv("REGISTRATURA_VAR_DIR", str(var))
    env = {**os.environ, "REGISTRATURA_VAR_DIR": str(var), "REGISTRATURA_MODE": "embedded"}
    for name in ("REGISTRATURA_BROKER_URL", "TICKETS_DATABASE_URL", "TICKETS_OUTBOX_DIR"):
        env.pop(name, None)
    subprocess.run([str(BIN / "python"), "-m", "tickets", "migrate"], env=env, check=True, timeout=60,
                   capture_output=True)
    logs = {name: open(tmp_path / f"{name}.log", "wb") for name in ("consume", "worker")}
    processes = [
        subprocess.Popen([str(BIN / "python"), "-m", "tickets", "consume"], env=env, stdout=logs["consume"],
                         stderr=subprocess.STDOUT, start_new_session=True),
        subprocess.Popen([str(BIN / "celery"), "-A", "tickets.worker:celery_app", "worker", "--pool=solo",
                          "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO"],
                         env=env, stdout=logs["worker"], stderr=subprocess.STDOUT, start_new_session=True),
    ]
    engine = create_engine(f"sqlite:///{var / 'db' / 'tickets.sqlite3'}")
    try:
        wait_until(lambda: "tickets consumer started" in (tmp_path / "consume.log").read_text(), 30, "consumer up")
        # The consumer declares its bindings right after starting; give it that moment.
        wait_until(lambda: (var / "broker" / "control" / "registratura.events.exchange").exists(), 30, "bindings")
        options = filesystem_broker_options()
        assert options["data_folder_in"].startswith(str(var))
        event = appointment_event()
        publisher = EventPublisher("filesystem://", options)
        publisher.publish(event)
        publisher.publish(event)
        publisher.close()

        def done():
            with engine.connect() as conn:
                sent = conn.execute(select(func.count()).select_from(notifications)
                                    .where(notifications.c.status == "sent")).scalar_one()
                ready = conn.execute(select(func.count()).select_from(tickets)
                                     .where(tickets.c.status == "ready")).scalar_one()
            return sent == 2 and ready == 1

        wait_until(done, 40, "talon rendered and messages sent")
        time.sleep(1.0)  # the second copy has been consumed by now too
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(tickets)).scalar_one() == 1
            assert conn.execute(select(func.count()).select_from(notifications)).scalar_one() == 2
        assert len(list((var / "outbox" / "email").glob("*.eml"))) == 1
        assert len(list((var / "outbox" / "sms").glob("*.txt"))) == 1
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        for handle in logs.values():
            handle.close()
        engine.dispose()
