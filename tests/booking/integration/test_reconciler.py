"""Cross-service steps that crashed half-way settle automatically (and retries resume them)."""
import uuid

import pytest
from sqlalchemy import select

from booking.adapters.tables import appointments, outbox
from booking.reconciler import Reconciler
from regcommon.http import UpstreamUnavailable

pytestmark = pytest.mark.integration


def schedule_times_out(*args):
    raise UpstreamUnavailable("schedule", "timeout")


def abandoned_take(world) -> str:
    """A slot taken for a booking whose take answer was lost (nothing recorded): its id."""
    slot = world.slot()
    world.schedule.take_lands_then_times_out = True
    assert world.book(world.auth.add_patient(), slot).status_code == 503
    world.schedule.take_lands_then_times_out = False
    return slot


def status_of(world, patient):
    with world.engine.connect() as conn:
        return conn.execute(select(appointments.c.status)
                            .where(appointments.c.patient_id == patient)).scalars().all()


def booked_events(world):
    with world.engine.connect() as conn:
        return conn.execute(select(outbox.c.id).where(
            outbox.c.event_type == "appointment.booked")).scalars().all()


def test_slot_taken_but_answer_lost_is_released_by_the_reconciler(any_world):
    # The take is the first step: a 503 after it means nothing was recorded, so the slot the
    # take kept is given back (the patient was told the booking did not happen).
    world = any_world
    patient, slot = world.auth.add_patient(), world.slot()
    world.schedule.take_lands_then_times_out = True
    response = world.book(patient, slot)
    assert response.status_code == 503
    world.schedule.take_lands_then_times_out = False
    assert status_of(world, patient) == []
    assert world.schedule.slots[slot]["status"] == "taken"
    counts = Reconciler(world.deps, settle_after=0).run_once()
    assert counts["abandoned"] == 1
    assert world.schedule.slots[slot]["status"] == "free"
    assert booked_events(world) == []
    # A second round changes nothing; the slot can be booked again.
    assert Reconciler(world.deps, settle_after=0).run_once()["abandoned"] == 0
    assert world.book(world.auth.add_patient(), slot).status_code == 201
    assert Reconciler(world.deps, settle_after=0).run_once()["abandoned"] == 0
    assert world.schedule.slots[slot]["status"] == "taken", "a booked take is no orphan"


def test_take_that_never_landed_leaves_nothing_to_settle_and_the_specialty_free(any_world):
    world = any_world
    patient, slot = world.auth.add_patient(), world.slot()
    original_take = world.schedule.take

    world.schedule.take = schedule_times_out
    assert world.book(patient, slot).status_code == 503
    world.schedule.take = original_take
    counts = Reconciler(world.deps, settle_after=0).run_once()
    assert counts["abandoned"] == 0 and counts["failed"] == 0
    assert status_of(world, patient) == []
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
    slot = abandoned_take(world)
    world.schedule.down = True
    reconciler = Reconciler(world.deps, settle_after=0)
    assert reconciler.run_once()["skipped"] == 1
    assert world.schedule.slots[slot]["status"] == "taken"
    world.schedule.down = False
    assert reconciler.run_once()["abandoned"] == 1, "the same round's cursor picks it up later"
    assert world.schedule.slots[slot]["status"] == "free"


def test_a_booked_appointment_whose_slot_schedule_lost_is_reported(world):
    patient, slot = world.auth.add_patient(), world.slot()
    assert world.book(patient, slot).status_code == 201
    world.schedule.slots[slot].update(status="free", appointment_id=None)
    reconciler = Reconciler(world.deps, settle_after=0)
    assert reconciler.run_once()["mismatch"] == 1
    assert reconciler.run_once()["mismatch"] == 0, "each change is checked once"


def test_a_take_the_reconciler_gives_up_before_the_booking_commits_ends_free(any_world):
    # The booking is slow between its take and its transaction; the reconciler (no grace
    # period here) finds the take unrecorded, claims the appointment id and releases the slot.
    # The booking's transaction then meets the claim: it answers 409 and keeps nothing.
    world = any_world
    patient, slot = world.auth.add_patient(), world.slot()
    original_context = world.catalog.doctor_context
    seen = {}

    def slow_context(*args):
        seen.update(Reconciler(world.deps, settle_after=0).run_once())
        return original_context(*args)

    world.catalog.doctor_context = slow_context
    key = str(uuid.uuid4())
    response = world.book(patient, slot, key=key)
    world.catalog.doctor_context = original_context
    assert seen["abandoned"] == 1
    assert response.status_code == 409
    assert response.json["error"]["code"] == "slot_unavailable"
    assert status_of(world, patient) == []
    assert world.schedule.slots[slot]["status"] == "free", "a refused booking kept the slot"
    assert world.book(patient, slot, key=key).data == response.data, "the refusal is replayed"
    assert world.schedule.slots[slot]["status"] == "free"
    assert world.book(world.auth.add_patient(), slot).status_code == 201


def test_a_booking_transaction_that_fails_after_the_take_is_released_by_the_reconciler(
        any_world, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from booking.adapters.uow import SqlUnitOfWork

    world = any_world
    patient, slot = world.auth.add_patient(), world.slot()

    def database_gone(self, row):
        raise OperationalError("INSERT INTO appointments", {}, Exception("connection lost"))

    monkeypatch.setattr(SqlUnitOfWork, "add_appointment", database_gone)
    assert world.book(patient, slot).status_code == 500
    monkeypatch.undo()
    assert status_of(world, patient) == []
    assert world.schedule.slots[slot]["status"] == "taken", "an unsure commit gives nothing back"
    assert Reconciler(world.deps, settle_after=0).run_once()["abandoned"] == 1
    assert world.schedule.slots[slot]["status"] == "free"
    assert world.book(patient, slot).status_code == 201


def test_a_refused_booking_whose_give_back_failed_is_released_by_the_reconciler(any_world):
    world = any_world
    patient, slot = world.auth.add_patient(attached=False), world.slot()
    original_release = world.schedule.release

    world.schedule.release = schedule_times_out
    key = str(uuid.uuid4())
    first = world.book(patient, slot, key=key)
    world.schedule.release = original_release
    assert first.status_code == 403 and first.json["error"]["code"] == "not_attached"
    assert world.schedule.slots[slot]["status"] == "taken"
    assert Reconciler(world.deps, settle_after=0).run_once()["abandoned"] == 1
    assert world.schedule.slots[slot]["status"] == "free"
    assert world.book(patient, slot, key=key).data == first.data


def test_a_release_the_reconciler_could_not_finish_is_retried(any_world):
    world = any_world
    slot = abandoned_take(world)
    original_release = world.schedule.release

    world.schedule.release = schedule_times_out
    reconciler = Reconciler(world.deps, settle_after=0)
    assert reconciler.run_once()["abandoned"] == 0
    world.schedule.release = original_release
    assert reconciler.run_once()["abandoned"] == 1
    assert world.schedule.slots[slot]["status"] == "free"


def test_pending_appointments_of_the_previous_design_still_settle(any_world):
    from sqlalchemy import update

    world = any_world
    held, lost = world.slot(), world.slot("doc-3", minute=30, service_ids=["svc-eye"])
    patient = world.auth.add_patient()
    booked = [world.book(patient, held).json, world.book(patient, lost, "svc-eye").json]
    with world.engine.begin() as conn:  # as the previous design left them: pending, no event
        conn.execute(update(appointments).values(status="pending"))
        conn.execute(outbox.delete())
    world.schedule.release(lost, booked[1]["id"])
    counts = Reconciler(world.deps, settle_after=0).run_once()
    assert (counts["booked"], counts["failed"]) == (1, 1)
    assert sorted(status_of(world, patient)) == ["booked", "failed"]
    assert len(booked_events(world)) == 1


def test_idempotency_records_older_than_the_retention_are_deleted_newer_stay(world):
    from datetime import timedelta

    from sqlalchemy import insert

    from booking.adapters.tables import idempotency_records
    from regcommon.db import utcnow

    now = utcnow()
    with world.engine.begin() as conn:
        for key, age in (("old", timedelta(days=7, minutes=1)), ("new", timedelta(days=6))):
            conn.execute(insert(idempotency_records).values(
                actor_id="p-1", key=key, request_hash="h", status_code=201, response_body="{}",
                created_at=now - age, completed_at=now - age))
    reconciler = Reconciler(world.deps, settle_after=0, idempotency_retention=timedelta(days=7))
    reconciler.run_once()
    with world.engine.connect() as conn:
        left = conn.execute(select(idempotency_records.c.key)).scalars().all()
    assert left == ["new"]
