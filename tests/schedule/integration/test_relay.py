"""The outbox rows the schedule writes are published by the relay (RabbitMQ with confirms)."""
import pytest

from regcommon.events import EventPublisher
from regcommon.outbox import OutboxRelay
from schedule.adapters.tables import outbox

pytestmark = pytest.mark.integration


def test_relay_publishes_slot_released_events(app, client, internal, amqp_url):
    items = client.get("/v1/doctors/doc-000001/slots?service_id=svc-0001-01&date=2026-12-03")
    slot = next(i["id"] for i in items.json["items"] if i["bookable"])
    client.post(f"/internal/slots/{slot}/take", headers=internal,
                json={"appointment_id": "r-1", "channel": "portal"})
    client.post(f"/internal/slots/{slot}/release", headers=internal,
                json={"appointment_id": "r-1"})
    relay = OutboxRelay(app.extensions["engine"], outbox, EventPublisher(amqp_url))
    assert relay.pending() == 1
    assert relay.publish_batch() == 1
    assert relay.pending() == 0
