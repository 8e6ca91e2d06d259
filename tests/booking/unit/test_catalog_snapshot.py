"""Booking's catalog client: doctor contexts from one region snapshot a minute, one-by-one for
what the snapshot does not know (or when the catalog has no snapshot route)."""
import json

import pytest

from booking.adapters import peers
from booking.adapters.peers import HttpCatalog
from regcommon.http import UpstreamResponse

ORG = {"id": "o-1", "name": "Поликлиника", "timezone": "Asia/Yekaterinburg",
       "settings": {"booking_horizon_days": 14}, "type_name": "Поликлиники"}
SNAPSHOT = {"organizations": {"o-1": ORG},
            "services": {"s-1": {"id": "s-1", "name": "Терапевт", "organization_id": "o-1"}},
            "doctors": {"d-1": {"id": "d-1", "full_name": "Иванов И. И.", "organization_id": "o-1",
                                "areas": ["1"], "service_ids": ["s-1"]}}}
ONE = {"organization": ORG, "service": {"id": "s-2"}, "doctor": {"id": "d-2"}}


class FakeClient:
    def __init__(self, snapshot_status=200):
        self.snapshot_status = snapshot_status
        self.calls = []

    def get(self, path, params=None, timeout=None):
        self.calls.append(path)
        if path == "/internal/contexts":
            body = SNAPSHOT if self.snapshot_status == 200 else {"error": {"code": "not_found"}}
            return UpstreamResponse(self.snapshot_status, {}, json.dumps(body).encode())
        if path == "/internal/doctors/d-2/context":
            return UpstreamResponse(200, {}, json.dumps(ONE).encode())
        return UpstreamResponse(404, {}, b'{"error": {"code": "not_found"}}')


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(peers.time, "monotonic", lambda: now[0])
    return now


def test_contexts_come_from_one_snapshot_until_it_is_stale(clock):
    client = FakeClient()
    catalog = HttpCatalog(client, ttl=60)
    first = catalog.doctor_context("d-1", "s-1")
    assert first == {"organization": ORG, "service": {"id": "s-1", "name": "Терапевт"},
                     "doctor": {"id": "d-1", "full_name": "Иванов И. И.", "areas": ["1"],
                                "service_ids": ["s-1"]}}
    assert catalog.doctor_context("d-1", "s-9") is None  # not this doctor's service
    for _ in range(5):
        catalog.doctor_context("d-1", "s-1")
    assert client.calls == ["/internal/contexts"]
    clock[0] += 61
    catalog.doctor_context("d-1", "s-1")
    assert client.calls == ["/internal/contexts"] * 2


def test_a_doctor_the_snapshot_does_not_know_is_asked_for_alone_and_cached(clock):
    client = FakeClient()
    catalog = HttpCatalog(client, ttl=60)
    assert catalog.doctor_context("d-2", "s-2") == ONE
    assert catalog.doctor_context("d-2", "s-2") == ONE
    assert client.calls == ["/internal/contexts", "/internal/doctors/d-2/context"]


def test_without_a_snapshot_route_every_doctor_is_asked_for_alone(clock):
    client = FakeClient(snapshot_status=404)
    catalog = HttpCatalog(client, ttl=60)
    assert catalog.doctor_context("d-2", "s-2") == ONE
    assert catalog.doctor_context("d-1", "s-1") is None  # the single route says 404
    assert client.calls.count("/internal/contexts") == 1  # retried later, not per booking
    clock[0] += 6
    catalog.doctor_context("d-2", "s-2")
    assert client.calls.count("/internal/contexts") == 2


def test_a_caller_changing_its_context_does_not_change_the_snapshot(clock):
    catalog = HttpCatalog(FakeClient(), ttl=60)
    catalog.doctor_context("d-1", "s-1")["organization"]["name"] = "другое"
    assert catalog.doctor_context("d-1", "s-1")["organization"]["name"] == "Поликлиника"


def test_a_fresh_context_is_asked_of_the_catalog_past_the_snapshot_and_the_cache(clock):
    client = FakeClient()
    catalog = HttpCatalog(client, ttl=60)
    catalog.doctor_context("d-2", "s-2")  # snapshot, then d-2 alone (and cached)
    assert catalog.doctor_context("d-2", "s-2", fresh=True) == ONE
    assert catalog.doctor_context("d-1", "s-1", fresh=True) is None  # the single route: 404
    assert client.calls == ["/internal/contexts", "/internal/doctors/d-2/context",
                            "/internal/doctors/d-2/context", "/internal/doctors/d-1/context"]
