"""The book use case over fakes of its ports: one take, one unit of work, every refusal gives
the slot back, the answer is remembered under the key. No database, no HTTP."""
import uuid
from datetime import timedelta

import pytest

from booking import services
from booking.domain import errors

pytestmark = pytest.mark.unit


def test_a_patient_books_with_one_call_to_schedule_and_none_to_auth_or_twice_to_catalog(
        unit_world):
    world = unit_world
    patient = world.auth.add_patient()
    slot = world.slot()
    outcome = world.book(world.patient_actor(patient), slot)
    assert isinstance(outcome, services.Booked)
    appointment = outcome.appointment
    assert appointment["status"] == "booked" and appointment["patient"]["id"] == patient
    assert world.schedule.calls == [("take",)]
    assert world.auth.patient_calls == 0 and world.auth.consents == []
    assert world.schedule.slots[slot]["appointment_id"] == appointment["id"]
    (row,) = world.records.appointments.values()
    assert row["status"] == "booked" and row["slot_id"] == slot
    ((event_type, data),) = world.records.events
    assert event_type == "appointment.booked"
    assert data["contact"] == {"email": "patient@example.org", "phone": "+79870000000",
                               "policy_last4": "9153"}


def test_the_answer_is_remembered_with_the_appointment_and_replayed(unit_world):
    world = unit_world
    actor = world.patient_actor(world.auth.add_patient())
    slot, key = world.slot(), str(uuid.uuid4())
    first = world.book(actor, slot, key=key)
    again = world.book(actor, slot, key=key)
    assert isinstance(again, services.Replayed)
    assert (again.status, again.body) == (201, first.appointment)
    # The retry took the same slot again (idempotent) and met the answer at its insert.
    assert world.schedule.calls == [("take",), ("take",)]
    assert world.schedule.slots[slot]["appointment_id"] == first.appointment["id"]
    assert len(world.records.appointments) == 1 and len(world.records.events) == 1
    with pytest.raises(errors.IdempotencyKeyReused):
        world.book(actor, world.slot(minute=15), key=key)


def test_a_token_without_patient_claims_makes_booking_ask_auth(unit_world):
    world = unit_world
    patient = world.auth.add_patient()
    outcome = world.book(world.patient_actor(patient, claims=False), world.slot())
    assert isinstance(outcome, services.Booked)
    assert world.auth.patient_calls == 1


def test_a_consent_the_token_does_not_show_is_recorded_in_auth(unit_world):
    world = unit_world
    patient = world.auth.add_patient(accepted=None)
    assert isinstance(world.book(world.patient_actor(patient), world.slot()), services.Booked)
    assert world.auth.consents == [(patient, "2026-01", "portal")]


def test_a_taken_slot_is_refused_and_nothing_is_recorded(unit_world):
    world = unit_world
    slot = world.slot()
    world.schedule.take(slot, "someone-else", None, "portal")
    outcome = world.book(world.patient_actor(world.auth.add_patient()), slot)
    assert isinstance(outcome, services.Refused)
    assert isinstance(outcome.error, errors.SlotUnavailable)
    assert world.records.appointments == {} and world.records.events == []
    (reply,) = world.records.replies.values()
    assert reply.status == 409


@pytest.mark.parametrize("attached, service, expected", [
    (False, "svc-ther", errors.NotAttached),
    (True, "svc-xray", errors.NotSelfBookable),
])
def test_a_rule_failing_on_the_taken_slots_facts_gives_the_slot_back(unit_world, attached,
                                                                       service, expected):
    world = unit_world
    doctor = "doc-1" if service == "svc-ther" else "doc-3"
    slot = world.slot(doctor, service_ids=[service])
    outcome = world.book(world.patient_actor(world.auth.add_patient(attached=attached)), slot,
                         service)
    assert isinstance(outcome, services.Refused) and isinstance(outcome.error, expected)
    assert world.schedule.slots[slot]["status"] == "free"
    assert world.schedule.calls == [("take",), ("release",)]
    assert world.records.appointments == {}


def test_a_second_appointment_of_the_specialty_gives_its_slot_back(unit_world):
    world = unit_world
    actor = world.patient_actor(world.auth.add_patient())
    assert isinstance(world.book(actor, world.slot()), services.Booked)
    second = world.slot("doc-2", minute=30)
    outcome = world.book(actor, second)
    assert isinstance(outcome.error, errors.DuplicateSpecialty)
    assert world.schedule.slots[second]["status"] == "free"


def test_a_retry_that_meets_its_sibling_committed_replays_it_and_keeps_the_slot(unit_world):
    world = unit_world
    actor = world.patient_actor(world.auth.add_patient())
    slot, key = world.slot(), str(uuid.uuid4())
    original = world.catalog.doctor_context
    sibling = {}

    def sibling_commits_first(*args):
        # A concurrent request with the same key got its transaction in first.
        world.catalog.doctor_context = original
        sibling["outcome"] = world.book(actor, slot, key=key)
        return original(*args)

    world.catalog.doctor_context = sibling_commits_first
    outcome = world.book(actor, slot, key=key)
    assert isinstance(sibling["outcome"], services.Booked)
    assert isinstance(outcome, services.Replayed)
    assert outcome.body == sibling["outcome"].appointment
    assert world.schedule.slots[slot]["appointment_id"] == outcome.body["id"]
    assert len(world.records.appointments) == 1


def test_a_take_the_reconciler_claimed_is_refused_and_given_back(unit_world):
    world = unit_world
    actor = world.patient_actor(world.auth.add_patient())
    slot, key = world.slot(), str(uuid.uuid4())
    world.records.claim_for_reconciler(services.appointment_id_for(actor.id, key))
    outcome = world.book(actor, slot, key=key)
    assert isinstance(outcome.error, errors.SlotUnavailable)
    assert world.schedule.slots[slot]["status"] == "free"
    assert world.records.appointments == {}


def test_staff_of_another_organization_take_nothing_they_keep(unit_world):
    from booking.context import Actor

    world = unit_world
    patient, slot = world.auth.add_patient(), world.slot()
    staff = Actor(id=str(uuid.uuid4()), role="registrar", organization_id="o-2")
    outcome = world.book(staff, slot, patient_id=patient)
    assert isinstance(outcome.error, errors.Forbidden)
    assert world.schedule.slots[slot]["status"] == "free"
    assert world.auth.patient_calls == 1, "staff booking reads the patient from auth"


def test_an_unreachable_catalog_gives_the_slot_back_and_fails(unit_world):
    from regcommon.http import UpstreamUnavailable

    world = unit_world
    slot = world.slot()

    def down(*args):
        raise UpstreamUnavailable("catalog", "timeout")

    world.catalog.doctor_context = down
    with pytest.raises(UpstreamUnavailable):
        world.book(world.patient_actor(world.auth.add_patient()), slot)
    assert world.schedule.slots[slot]["status"] == "free"
    assert world.records.replies == {}, "a 5xx is not remembered: a retry may succeed"


def test_an_earlier_appointment_that_is_over_lets_go_of_its_specialty(unit_world):
    world = unit_world
    actor = world.patient_actor(world.auth.add_patient())
    first = world.book(actor, world.slot())
    assert isinstance(first, services.Booked)
    past = world.records.appointments[first.appointment["id"]]
    world.clock.now = past["end_utc"] + timedelta(days=1)
    later = world.slot("doc-2", minute=30)
    slot = world.schedule.slots[later]
    slot["start_utc"] = world.clock.now + timedelta(days=1)
    slot["end_utc"] = slot["start_utc"] + timedelta(minutes=15)
    outcome = world.book(actor, later)
    assert isinstance(outcome, services.Booked), outcome
    assert past["specialty_released_at"] == world.clock.now
    assert past["status"] == "booked"
