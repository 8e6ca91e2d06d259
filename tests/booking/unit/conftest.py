"""The unit world of booking: the book use case over in-memory fakes of every port (records
with the database's uniqueness rules, the peers of booking_fakes.py); no database, no HTTP."""
from __future__ import annotations

import sys
import threading
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from booking_fakes import (CONSENT, START_DAY_UTC, Clock, FakeAuth, FakeCatalog,  # noqa: E402
                           FakeSchedule)


class FakeRecords:
    """Booking's records in memory, with the database's uniqueness rules: one answer per
    (actor, key), one answer naming an appointment, one active appointment per specialty."""

    def __init__(self):
        self.replies: dict[tuple[str, str], object] = {}
        self.appointments: dict[str, dict] = {}
        self.events: list[tuple[str, dict]] = []
        self.audit: list[dict] = []
        self.lock = threading.Lock()

    def claim_for_reconciler(self, appointment_id: str) -> None:
        """What the reconciler's claim on an abandoned take leaves."""
        from booking.ports import StoredReply

        self.replies[("reconciler", appointment_id)] = StoredReply("abandoned-take", None, {},
                                                                  appointment_id)

    def unit_of_work(self):
        return FakeUnitOfWork(self)

    def find_reply(self, actor_id, key):
        return self.replies.get((actor_id, key))

    def remember_reply(self, actor_id, key, request_hash, status, body):
        from booking.ports import StoredReply

        with self.lock:
            if (actor_id, key) in self.replies:
                return self.replies[(actor_id, key)]
            self.replies[(actor_id, key)] = StoredReply(request_hash, status, body, None)
        return None

    def appointment_exists(self, appointment_id):
        return appointment_id in self.appointments

    def release_past_specialty(self, patient_id, specialty, now):
        released = 0
        with self.lock:
            for row in self.appointments.values():
                if (row["patient_id"], row["specialty"], row["status"]) == \
                        (patient_id, specialty, "booked") and row["end_utc"] <= now \
                        and not row.get("specialty_released_at"):
                    row["specialty_released_at"] = now
                    released += 1
        return released


class FakeUnitOfWork:
    def __init__(self, records: FakeRecords):
        self.records = records
        self.replies, self.appointments, self.events, self.audit = {}, {}, [], []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.replies, self.appointments, self.events = {}, {}, []

    def add_reply(self, actor_id, key, request_hash, status, body, appointment_id):
        from booking.domain.errors import RecordConflict
        from booking.ports import StoredReply

        named = {r.appointment_id for r in self.records.replies.values() if r.appointment_id}
        if (actor_id, key) in self.records.replies or appointment_id in named:
            raise RecordConflict("idempotency_records")
        self.replies[(actor_id, key)] = StoredReply(request_hash, status, body, appointment_id)

    def add_appointment(self, row):
        from booking.domain.errors import DuplicateSpecialty

        for other in self.records.appointments.values():
            if (other["patient_id"], other["specialty"]) == (row["patient_id"], row["specialty"]) \
                    and other["status"] in ("pending", "booked") \
                    and not other.get("specialty_released_at"):
                raise DuplicateSpecialty()
        self.appointments[row["id"]] = dict(row)

    def add_event(self, event_type, data):
        self.events.append((event_type, data))

    def fulfil_waitlist(self, patient_id, organization_id, service_id):
        pass

    def add_audit(self, **entry):
        self.audit.append(entry)

    def commit(self):
        with self.records.lock:
            self.records.replies.update(self.replies)
            self.records.appointments.update(self.appointments)
            self.records.events.extend(self.events)
            self.records.audit.extend(self.audit)


class UnitWorld:
    """The book use case over fakes of every port: no database, no HTTP."""

    def __init__(self):
        from booking.context import Deps
        from booking.settings import BookingSettings

        self.schedule, self.catalog, self.auth = FakeSchedule(), FakeCatalog(), FakeAuth()
        self.records = FakeRecords()
        self.clock = Clock()
        self.deps = Deps(engine=None, schedule=self.schedule, catalog=self.catalog,
                         auth=self.auth, records=self.records, clock=self.clock,
                         settings=BookingSettings(database_url="sqlite://"))
        self._next_slot = 1000

    def slot(self, doctor_id: str = "doc-1", *, minute: int = 0, service_ids=("svc-ther",)):
        self._next_slot += 1
        return self.schedule.add_slot(str(self._next_slot), doctor_id,
                                      START_DAY_UTC + timedelta(minutes=minute),
                                      service_ids=service_ids)

    def patient_actor(self, patient_id: str, *, claims: bool = True):
        from booking.context import Actor
        from booking.inputs import patient_from_claims

        token = {"sub": patient_id, "role": "patient", "name": "Кузнецов Иван Сергеевич",
                 **(self.auth.claims(patient_id) if claims else {})}
        return Actor(id=patient_id, role="patient", name=token["name"],
                     patient=patient_from_claims(token))

    def book(self, actor, slot_id: str, service_id: str = "svc-ther", *, key: str | None = None,
             patient_id: str | None = None, consent: str = CONSENT):
        from booking import services
        from booking.context import ClientInfo
        from booking.inputs import BookRequest

        req = BookRequest(slot_id=slot_id, service_id=service_id, hold_id=None,
                          patient_id=patient_id, consent_version=consent)
        return services.book(self.deps, actor, req, key or str(uuid.uuid4()),
                             f"hash-{slot_id}-{service_id}", ClientInfo())


@pytest.fixture
def unit_world():
    return UnitWorld()
