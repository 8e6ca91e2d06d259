"""Cross-service steps that crashed half-way settle automatically (and retries resume them)."""
import uuid

import pytest
from sqlalchemy import select

from booking.adapters.tables import appointments, outbox
from booking.reconciler import Reconciler

pytestmark = pytest.mark.integration


def status_of(world, patient):
    with world.engine.connect() as conn:
        return conn.execute(select(appointments.c.status)
                            .where(appointments.c.patient_id == patient)).scalars().all()


def booked_events(world):
    with world.engine.connect() as conn:
        return conn.execute(select(outbox.c.id).where(
            outbox.c.event_type == "appointment.booked")).scalars().all()


def test_slot_taken_but_answer_lost_is_settled_as_booked_by_the_reconciler(any_world):
    world = any_world
    patient, slot = world.auth.add_patient(), world.slot()
    world.schedule.take_lands_then_times_out = True
    response = world.book(patient, slot)
    assert response.status_code == 503
    assert status_of(world, patient) == ["pending"]
    world.schedule.take_lands_then_times_out = False
    counts = Reconciler(world.deps, settle_after=0).run_once()
    assert counts["booked"] == 1
    assert status_of(world, patient) == ["booked"]
    assert len(booked_events(world)) == 1
    # A second round changes nothing.
    assert Reconciler(world.deps, settle_after=0).run_once()["booked"] == 0
    assert len(booked_events(world)) == 1


def test_take_that_never_landed_is_settled_as_failed_and_frees_the_specialty(any_world):
    world = any_world
    patient, slot = world.auth.add_patient(), world.slot()
    original_take = world.schedule.take

    def timeout(*args):
        from regcommon.http import UpstreamUnavailable
        raise UpstreamUnavailable("schedule", "timeout")

    world.schedule.take = timeout
    assert world.book(patient, slot).status_code == 503
    world.schedule.take = original_take
    counts = Reconciler(world.deps, settle_after=0).run_once()
    assert counts["failed"] == 1 and counts["released"] == 1
    assert status_of(world, patient) == ["failed"]
    assert ("release",) in world.schedule.calls
    assert world.book(patient, world.slot(minute=15)).status_code == 201


def test_a_retry_with_the_same_key_resumes_the_half_done_booking(any_world):
    world = any_world
    patient, slot = world.auth.add_patient(), world.slot()
    key = str(uuid.uuid4())
    world.schedule.take_lands_then_times_out = True
    assert world.book(patient, slot, key=key).status_code == 503
    world.schedule.take_lands_then_times_out = False
    world.settings.idempotency_wait_seconds = 0.1
    retry = world.book(patient, slot, key=key)
    assert retry.status_code == 201, retry.json
    assert retry.json["status"] == "booked"
    assert world.schedule.slots[slot]["appointment_id"] == retry.json["id"]
    assert world.book(patient, slot, key=key).data == retry.data
    assert status_of(world, patient) == ["booked"]


def test_a_request_that_failed_before_recording_anything_can_be_retried(any_world):
    world = any_world
    patient, slot = world.auth.add_patient(), world.slot()
    key = str(uuid.uuid4())
    world.schedule.down = True
    assert world.book(patient, slot, key=key).status_code == 503
    world.schedule.down = False
    assert world.book(patient, slot, key=key).status_code == 201


def test_bookings_work_while_the_reconciler_cannot_reach_schedule(any_world):
    world = any_world
    patient = world.auth.add_patient()
    world.schedule.take_lands_then_times_out = True
    world.book(patient, world.slot())
    world.schedule.take_lands_then_times_out = False
    world.schedule.down = True
    assert Reconciler(world.deps, settle_after=0).run_once()["skipped"] == 1
    assert status_of(world, patient) == ["pending"]


def test_a_booked_appointment_whose_slot_schedule_lost_is_reported(world):
    patient, slot = world.auth.add_patient(), world.slot()
    assert world.book(patient, slot).status_code == 201
    world.schedule.slots[slot].update(status="free", appointment_id=None)
    reconciler = Reconciler(world.deps, settle_after=0)
    assert reconciler.run_once()["mismatch"] == 1
    assert reconciler.run_once()["mismatch"] == 0, "each change is checked once"


def test_a_take_still_in_flight_when_the_reconciler_fails_the_booking_does_not_keep_the_slot(
        any_world):
    world = any_world
    patient, slot = world.auth.add_patient(), world.slot()
    original_take = world.schedule.take

    def slow_take(*args):
        # Schedule is slow: the reconciler settles the pending row (slot not taken yet) and
        # releases nothing; only then does the take land.
        counts = Reconciler(world.deps, settle_after=0).run_once()
        assert counts["failed"] == 1
        return original_take(*args)

    world.schedule.take = slow_take
    response = world.book(patient, slot)
    world.schedule.take = original_take
    assert response.status_code == 409
    assert status_of(world, patient) == ["failed"]
    Reconciler(world.deps, settle_after=0).run_once()
    assert world.schedule.slots[slot]["status"] == "free", "a failed booking left the slot taken"
    assert world.book(world.auth.add_patient(), slot).status_code == 201
