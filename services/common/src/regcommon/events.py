"""Events between services: the envelope, publishing with confirms, consuming idempotently."""
from __future__ import annotations

import json
import logging
import socket
import time
import uuid
from datetime import datetime, timezone
from typing import Callable

from kombu import Connection, Exchange, Queue, binding
from kombu.mixins import ConsumerMixin

log = logging.getLogger(__name__)

EXCHANGE_NAME = "registratura.events"
DEAD_LETTER_EXCHANGE = "registratura.dlx"


def envelope(event_type: str, data: dict, *, event_id: str | None = None,
             occurred_at: datetime | None = None) -> dict:
    return {
        "id": event_id or str(uuid.uuid4()),
        "type": event_type,
        "occurred_at": (occurred_at or datetime.now(timezone.utc)).isoformat(),
        "data": data,
    }


def events_exchange() -> Exchange:
    return Exchange(EXCHANGE_NAME, type="topic", durable=True)


def connection(broker_url: str, transport_options: dict | None = None) -> Connection:
    options = dict(transport_options or {})
    if broker_url.startswith(("amqp", "pyamqp")):
        options.setdefault("confirm_publish", True)
    return Connection(broker_url, transport_options=options, connect_timeout=3, heartbeat=0)


class EventPublisher:
    """Publishes envelopes to the topic exchange; returns only when the broker confirmed."""

    def __init__(self, broker_url: str, transport_options: dict | None = None):
        self.broker_url = broker_url
        self.transport_options = transport_options or {}
        self._conn: Connection | None = None
        self._producer = None

    def _ensure(self):
        if self._conn is None:
            self._conn = connection(self.broker_url, self.transport_options)
            self._conn.ensure_connection(max_retries=1, timeout=3)
            self._producer = self._conn.Producer(exchange=events_exchange())
            events_exchange()(self._producer.channel).declare()
        return self._producer

    def publish(self, event: dict, routing_key: str | None = None) -> None:
        try:
            producer = self._ensure()
            producer.publish(json.dumps(event, ensure_ascii=False), routing_key=routing_key or event["type"],
                             content_type="application/json", content_encoding="utf-8",
                             delivery_mode=2, message_id=event["id"], retry=False, timeout=5)
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.release()
            except Exception:  # noqa: BLE001 - closing a broken connection
                pass
        self._conn = None
        self._producer = None


def consumer_queue(name: str, routing_keys: list[str], *, amqp: bool) -> list[Queue]:
    """One durable queue bound once per routing key; on RabbitMQ a quorum queue with a DLX."""
    args = {}
    if amqp:
        args = {"x-queue-type": "quorum", "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
                "x-delivery-limit": 10}
    # One Queue with several bindings: kombu keys a consumer's queues by name, so one Queue per
    # routing key would silently keep only the last binding.
    bindings = [binding(events_exchange(), routing_key=key) for key in routing_keys]
    return [Queue(name, exchange=events_exchange(), bindings=bindings, durable=True,
                  queue_arguments=args or None)]


def declare_dead_letter(conn: Connection, queue_name: str) -> None:
    dlx = Exchange(DEAD_LETTER_EXCHANGE, type="fanout", durable=True)
    Queue(queue_name + ".dead", exchange=dlx, durable=True)(conn.default_channel).declare()


class EventConsumer(ConsumerMixin):
    """Feeds each event to ``handler(event)``; acks after success, requeues after a failure.

    Handlers must be idempotent: an event may arrive more than once.
    """

    def __init__(self, broker_url: str, queue_name: str, routing_keys: list[str],
                 handler: Callable[[dict], None], transport_options: dict | None = None,
                 retry_delay: float = 1.0, watch_queues: tuple[str, ...] = (),
                 observe_every: float = 15.0):
        self.connection = connection(broker_url, transport_options)
        self.amqp = broker_url.startswith(("amqp", "pyamqp"))
        self.queues = consumer_queue(queue_name, routing_keys, amqp=self.amqp)
        self.queue_name = queue_name
        self.handler = handler
        self.retry_delay = retry_delay
        # Queues whose depth this process reports: its own plus, e.g., the work queue it feeds.
        self.watch_queues = (queue_name, *watch_queues)
        self.observe_every = observe_every
        self._observed_at = 0.0

    def on_connection_revived(self):
        if self.amqp:
            declare_dead_letter(self.connection, self.queue_name)

    def observe_queues(self) -> dict[str, int]:
        """Set the queue-depth gauge for the watched queues (a passive declare: creates nothing)."""
        from .metrics import QUEUE_DEPTH

        depths = {}
        for name in self.watch_queues:
            # A channel of its own: a missing queue closes the channel it was asked on, and the
            # consuming channel must never be that one.
            channel = self.connection.channel()
            try:
                depths[name] = channel.queue_declare(queue=name, passive=True).message_count
            except Exception:  # noqa: BLE001 - a queue not declared yet has no depth to report
                continue
            finally:
                try:
                    channel.close()
                except Exception:  # noqa: BLE001 - already closed by the broker
                    pass
            QUEUE_DEPTH.labels(name).set(depths[name])
        self._observed_at = time.monotonic()
        return depths

    def on_iteration(self):
        if time.monotonic() - self._observed_at >= self.observe_every:
            try:
                self.observe_queues()
            except Exception as exc:  # noqa: BLE001 - metrics never stop consuming
                log.warning("queue metrics failed", extra={"error": str(exc)[:200]})

    def get_consumers(self, Consumer, channel):
        return [Consumer(queues=self.queues, callbacks=[self.on_message], accept=["json"],
                         prefetch_count=16)]

    def on_message(self, body, message):
        try:
            event = body if isinstance(body, dict) else json.loads(body)
            self.handler(event)
        except Exception:  # noqa: BLE001 - the event stays queued, nothing is lost
            log.exception("event handling failed; requeued", extra={"queue": self.queue_name})
            time.sleep(self.retry_delay)
            message.requeue()
            return
        message.ack()

    def drain_once(self, timeout: float = 1.0) -> None:
        """Process what is queued now (for tests and one-shot runs)."""
        with self.connection.Consumer(self.queues, callbacks=[self.on_message], accept=["json"]):
            try:
                while True:
                    self.connection.drain_events(timeout=timeout)
            except (socket.timeout, TimeoutError):
                pass
