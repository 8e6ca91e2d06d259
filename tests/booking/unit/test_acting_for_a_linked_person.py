"""Issue 12: booking for a linked person with an acting token (an RFC 8693 ``act`` claim).

The token is the subject's, so the appointment is the subject's and the one-per-specialty rule
counts the subject's appointments; the audit, the row's ``created_by`` and the event name the
holder who acted."""
import dataclasses

import pytest

from booking import services
from booking.domain import errors

pytestmark = pytest.mark.unit

HOLDER = "11111111-1111-1111-1111-111111111111"


def acting(world, subject: str):
    own = world.patient_actor(subject)
    return dataclasses.replace(own, acted_by={"sub": HOLDER, "name": "Иванова Анна"})


def test_a_booking_for_a_child_is_the_childs_and_names_the_parent_who_made_it(unit_world):
    world = unit_world
    child = world.auth.add_patient()
    outcome = world.book(acting(world, child), world.slot())
    assert isinstance(outcome, services.Booked)
    assert outcome.appointment["patient"]["id"] == child
    (row,) = world.records.appointments.values()
    assert row["patient_id"] == child and row["created_by"] == HOLDER
    ((_type, data),) = world.records.events
    assert data["actor"] == "patient" and data["acted_by"] == HOLDER
    (entry,) = world.records.audit
    assert entry["action"] == "appointment.create" and entry["patient_id"] == child
    assert (entry["actor"].id, entry["actor"].role, entry["actor"].name) == (
        HOLDER, "proxy", "Иванова Анна")


def test_the_one_per_specialty_rule_counts_the_subjects_appointments(unit_world):
    world = unit_world
    child = world.auth.add_patient()
    # The parent's own appointment of the specialty does not stop the child's.
    parent = world.auth.add_patient()
    assert isinstance(world.book(world.patient_actor(parent), world.slot()), services.Booked)
    assert isinstance(world.book(acting(world, child), world.slot("doc-2", minute=15)),
                      services.Booked)
    again = world.book(acting(world, child), world.slot("doc-2", minute=30))
    assert isinstance(again.error, errors.DuplicateSpecialty)


def test_a_patients_own_booking_is_not_audited_and_names_themselves(unit_world):
    world = unit_world
    patient = world.auth.add_patient()
    assert isinstance(world.book(world.patient_actor(patient), world.slot()), services.Booked)
    (row,) = world.records.appointments.values()
    assert row["created_by"] == patient and world.records.audit == []
    assert "acted_by" not in world.records.events[0][1]
