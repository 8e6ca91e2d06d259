"""Events survive a broker outage (outbox); the schema matches the migrations."""
import json
import socket
import time
import uuid

import pytest
from kombu import Connection, Queue

from booking.adapters.tables import metadata, outbox
from regcommon.db import migration_heads, schema_diff
from regcommon.events import EventPublisher, events_exchange
from regcommon.outbox import OutboxRelay

pytestmark = pytest.mark.integration


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_bookings_work_with_the_broker_down_and_events_arrive_once_it_is_back(world, amqp_url):
    patient = world.auth.add_patient()
    booked = world.book(patient, world.slot()).json
    assert booked["status"] == "booked"
    down = OutboxRelay(world.engine, outbox,
                       EventPublisher(f"amqp://guest:guest@127.0.0.1:{closed_port()}//"))
    with pytest.raises(Exception):
        down.publish_batch()
    assert down.pending() == 1

    queue = Queue(f"booking-test-{uuid.uuid4().hex[:8]}", exchange=events_exchange(),
                  routing_key="appointment.*", durable=False, auto_delete=False)
    with Connection(amqp_url, connect_timeout=3) as conn:
        channel = conn.channel()
        events_exchange()(channel).declare()
        bound = queue(channel)
        bound.declare()
        try:
            publisher = EventPublisher(amqp_url)
            relay = OutboxRelay(world.engine, outbox, publisher)
            assert relay.publish_batch() == 1
            assert relay.pending() == 0
            publisher.close()
            message = None
            for _ in range(50):
                message = bound.get(no_ack=True)
                if message is not None and json.loads(message.body)["data"]["appointment"]["id"] == booked["id"]:
                    break
                time.sleep(0.05)
            assert message is not None
            event = json.loads(message.body)
            assert event["type"] == "appointment.booked"
            assert event["data"]["appointment"]["id"] == booked["id"]
        finally:
            bound.delete()


def test_migrations_have_one_head_and_match_the_models_on_postgresql(make_pg_database):
    from regcommon.db import migrate

    url = make_pg_database("booking_schema")
    assert len(migration_heads("booking", url)) == 1
    migrate("booking", url)
    assert schema_diff("booking", url, metadata) == []


def test_migrations_apply_on_sqlite(tmp_path):
    from regcommon.db import migrate

    url = f"sqlite:///{tmp_path / 'b.sqlite3'}"
    migrate("booking", url)
    assert schema_diff("booking", url, metadata) == []


def test_the_actor_name_revision_upgrades_a_database_with_audit_entries(tmp_path):
    from sqlalchemy import create_engine, text

    from regcommon.db import migrate

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    migrate("booking", url, "0001")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_log (id, actor_id, actor_role, action, created_at) "
                          "VALUES ('a-1', 'staff-1', 'registrar', 'appointment.cancel', "
                          "'2026-11-29 10:00:00')"))
    migrate("booking", url)
    with engine.connect() as conn:
        names = conn.execute(text("SELECT actor_id, actor_name FROM audit_log")).all()
    engine.dispose()
    assert names == [("staff-1", None)]
    assert schema_diff("booking", url, metadata) == []
