"""The outbox relay: nothing lost while the broker is down, everything published once it is back."""
import json
import socket
import uuid

import pytest
from kombu import Connection, Queue
from sqlalchemy import MetaData, select

from regcommon.db import make_engine, make_sessionmaker, session_scope
from regcommon.events import EventPublisher, events_exchange
from regcommon.outbox import OutboxRelay, add_event, outbox_table

pytestmark = pytest.mark.integration


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(params=["sqlite", "postgresql"])
def engine_and_table(request, tmp_path, make_pg_database):
    url = f"sqlite:///{tmp_path / 'outbox.sqlite3'}" if request.param == "sqlite" else make_pg_database("outbox")
    engine = make_engine(url)
    metadata = MetaData()
    table = outbox_table(metadata)
    metadata.create_all(engine)
    yield engine, table
    engine.dispose()


def _bound_queue(amqp_url: str, key: str):
    name = f"test.outbox.{uuid.uuid4().hex[:8]}"
    conn = Connection(amqp_url)
    queue = Queue(name, exchange=events_exchange(), routing_key=key, auto_delete=False, durable=False)
    queue(conn.default_channel).declare()
    return conn, queue


def test_events_wait_while_the_broker_is_down_and_are_published_after(engine_and_table, amqp_url):
    engine, table = engine_and_table
    routing_key = f"test.{uuid.uuid4().hex[:8]}"
    factory = make_sessionmaker(engine)
    with session_scope(factory) as session:
        for n in range(3):
            add_event(session, table, routing_key, {"n": n})

    down = OutboxRelay(engine, table, EventPublisher(f"amqp://guest:guest@127.0.0.1:{_closed_port()}//"))
    with pytest.raises(Exception):
        down.publish_batch()
    assert down.pending() == 3

    conn, queue = _bound_queue(amqp_url, routing_key)
    try:
        relay = OutboxRelay(engine, table, EventPublisher(amqp_url))
        assert relay.publish_batch() == 3
        assert relay.pending() == 0
        received = []
        bound = queue(conn.default_channel)
        for _ in range(3):
            message = bound.get(no_ack=True)
            assert message is not None
            received.append(json.loads(message.body)["data"]["n"])
        assert received == [0, 1, 2]
    finally:
        queue(conn.default_channel).delete()
        conn.release()
    with engine.connect() as c:
        attempts = c.execute(select(table.c.attempts).order_by(table.c.created_at)).scalars().all()
    assert attempts[0] == 1  # the failed try is recorded on the row it stopped at


def test_filesystem_broker_routes_topic_events_across_connections(tmp_path):
    options = {"data_folder_in": str(tmp_path / "d"), "data_folder_out": str(tmp_path / "d"),
               "control_folder": str(tmp_path / "c")}
    for sub in ("d", "c"):
        (tmp_path / sub).mkdir()
    consumer_conn = Connection("filesystem://", transport_options=options)
    queue = Queue("tickets.test", exchange=events_exchange(), routing_key="appointment.*")
    queue(consumer_conn.default_channel).declare()
    publisher = EventPublisher("filesystem://", options)
    publisher.publish({"id": "e1", "type": "appointment.booked", "occurred_at": "x", "data": {}})
    publisher.publish({"id": "e2", "type": "slot.released", "occurred_at": "x", "data": {}})
    message = queue(Connection("filesystem://", transport_options=options).default_channel).get(no_ack=True)
    assert json.loads(message.body)["id"] == "e1"
    assert queue(consumer_conn.default_channel).get(no_ack=True) is None


def test_the_relay_reports_its_lag_and_backlog(engine_and_table):
    from regcommon.metrics import OUTBOX_LAG, OUTBOX_PENDING

    engine, table = engine_and_table
    with session_scope(make_sessionmaker(engine)) as session:
        add_event(session, table, "test.metric", {})
        add_event(session, table, "test.metric", {})
    relay = OutboxRelay(engine, table, EventPublisher("amqp://guest:guest@127.0.0.1:1//"),
                        service="metrics-test")
    relay.observe()
    assert OUTBOX_PENDING.labels("metrics-test")._value.get() == 2
    assert OUTBOX_LAG.labels("metrics-test")._value.get() >= 0


def test_a_consumer_reports_queue_depths_and_skips_missing_queues(amqp_url):
    from regcommon.events import EventConsumer
    from regcommon.metrics import QUEUE_DEPTH

    name = f"test.depth.{uuid.uuid4().hex[:8]}"
    consumer = EventConsumer(amqp_url, name, ["test.depth.key"], handler=lambda event: None,
                             watch_queues=("no.such.queue." + name,))
    conn = consumer.connection
    for q in consumer.queues:
        q(conn.default_channel).declare()
    try:
        EventPublisher(amqp_url).publish({"id": "d1", "type": "test.depth.key", "occurred_at": "x", "data": {}})
        depths = consumer.observe_queues()
        assert depths == {name: 1}
        assert QUEUE_DEPTH.labels(name)._value.get() == 1
        # The consuming channel survived the refused passive declare of the missing queue.
        assert conn.default_channel.queue_declare(queue=name, passive=True).message_count == 1
    finally:
        consumer.queues[0](conn.default_channel).delete()
        conn.release()
