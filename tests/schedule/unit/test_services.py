"""The schedule's use cases over fakes of their ports (tests/schedule/unit/conftest.py): the day
grid and a day's slots, holds with their limits, and booking's take, release and move. No
database: a change of a rule shows here, the SQL is covered by tests/schedule/integration."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from schedule.domain.errors import (DoctorNotFound, HoldNotFound, ServiceNotProvided,
                                    SlotNotFound, SlotStarted, SlotUnavailable, TooManyHolds,
                                    TooManyHoldsForDay)
from schedule.domain.templates import parse_template
from schedule.ports import ConflictingChange

pytestmark = pytest.mark.unit

TODAY = date(2026, 12, 1)  # a Tuesday; 08:00 local at NOW
TOMORROW = TODAY + timedelta(days=1)
LATER = TODAY + timedelta(days=2)


def grid(schedule, first=TODAY, last=LATER, **kw) -> dict[str, dict]:
    return {d["date"]: d for d in schedule.days("doc-1", "svc-1", first, last, **kw)}


# --- the day grid and a day's slots ------------------------------------------------------------

def test_the_day_grid_answers_the_counters_within_the_open_dates(schedule, store):
    store.add_day("doc-1", TODAY, ["09:00", "10:00"])
    store.add_day("doc-1", TOMORROW, ["09:00", "09:15", "09:30"], channels={2: "reception"})
    store.add_day("doc-1", LATER, ["09:00"], blocked=True)
    days = grid(schedule)
    # Today is not open online (no same-day booking); the reception-only slot is not counted.
    assert days[TODAY.isoformat()] == {"date": "2026-12-01", "interval": "08:00–14:00",
                                       "bookable": False, "free": 2}
    assert days[TOMORROW.isoformat()] == {"date": "2026-12-02", "interval": "08:00–14:00",
                                          "bookable": True, "free": 2}
    assert days[LATER.isoformat()] == {"date": "2026-12-03", "interval": None,
                                       "bookable": False, "free": 0}
    beyond = grid(schedule, first=TODAY + timedelta(days=20), last=TODAY + timedelta(days=20))
    assert list(beyond.values()) == [{"date": "2026-12-21", "interval": None,
                                      "bookable": False, "free": 0}]


def test_the_day_grid_counts_today_live_with_same_day_booking(schedule, store, orgs):
    orgs.settings["org-1"] = {"same_day_booking": True}
    store.add_day("doc-1", TODAY, ["07:30", "09:00", "10:00"])  # 07:30 has started
    today = grid(schedule, last=TODAY)[TODAY.isoformat()]
    assert (today["free"], today["bookable"]) == (2, True)
    assert store.free_count("doc-1", TODAY) == 3  # the counter still includes the started one


def test_days_without_counters_follow_the_template_and_absences(schedule, directory):
    template = parse_template({"slot_minutes": 15, "week": {"wed": ["09:00", "12:00"],
                                                            "thu": ["13:00", "18:00"]}})
    directory.add("doc-1", template=template, absences=[(LATER, LATER)])
    days = grid(schedule, last=TODAY + timedelta(days=9))
    assert days["2026-12-02"]["interval"] == "09:00–12:00"  # Wednesday
    assert days["2026-12-03"]["interval"] is None  # Thursday, but absent
    assert days["2026-12-10"]["interval"] == "13:00–18:00"  # next Thursday
    assert days["2026-12-04"]["interval"] is None and days["2026-12-02"]["free"] == 0


def test_an_unknown_doctor_or_a_service_it_does_not_provide_is_refused(schedule):
    with pytest.raises(DoctorNotFound):
        schedule.days("doc-9", "svc-1", TODAY, TODAY)
    with pytest.raises(ServiceNotProvided):
        schedule.day_slots("doc-1", "svc-2", TOMORROW)


def test_the_reception_grid_counts_every_channel_and_today(schedule, store):
    store.add_day("doc-1", TODAY, ["07:30", "09:00"], channels={1: "reception"})
    store.add_day("doc-1", TOMORROW, ["09:00", "09:15"], channels={0: "reception"})
    store.add_day("doc-1", LATER, ["09:00"], blocked=True)
    days = grid(schedule, last=LATER, reception=True)
    assert (days["2026-12-01"]["free"], days["2026-12-01"]["bookable"]) == (1, True)
    assert (days["2026-12-02"]["free"], days["2026-12-02"]["bookable"]) == (2, True)
    assert days["2026-12-03"] == {"date": "2026-12-03", "interval": None, "bookable": False,
                                  "free": 0}


def test_day_slots_online_and_at_the_reception(schedule, store):
    free, reception, held, taken = store.add_day(
        "doc-1", TOMORROW, ["09:00", "09:15", "09:30", "09:45"], channels={1: "reception"})
    schedule.hold(held, "client-a", None, holder="patient-1")
    schedule.take(taken, "appt-1", None, "portal")
    online = schedule.day_slots("doc-1", "svc-1", TOMORROW)
    assert [s["id"] for s in online] == [str(free), str(reception), str(held), str(taken)]
    assert online[0] == {"id": str(free), "start": "2026-12-02T09:00:00+05:00",
                         "end": "2026-12-02T09:15:00+05:00", "bookable": True}
    assert [s["bookable"] for s in online] == [True, False, False, False]
    at_desk = schedule.day_slots("doc-1", "svc-1", TOMORROW, reception=True)
    assert [s["bookable"] for s in at_desk] == [True, True, False, False]
    store.add_day("doc-1", TODAY, ["10:00"])  # today is not open online
    assert [s["bookable"] for s in schedule.day_slots("doc-1", "svc-1", TODAY)] == [False]


# --- holds ---------------------------------------------------------------------------------------

def test_a_hold_takes_the_slot_out_of_the_count_until_dropped(schedule, store):
    first, second = store.add_day("doc-1", TOMORROW, ["09:00", "09:15"])
    answer = schedule.hold(first, "client-a", "sess-1", holder="patient-1")
    assert answer["expires_at"] == "2026-12-01T08:05:00+05:00"  # NOW + hold_seconds, local
    assert store.slots[first]["status"] == "held"
    assert store.slots[first]["hold_id"] == answer["hold_id"]
    assert store.free_count("doc-1", TOMORROW) == 1
    assert schedule.slot(first)["status"] == "held"
    # A new choice in the same session replaces the previous hold.
    again = schedule.hold(second, "client-a", "sess-1", holder="patient-1")
    assert store.slots[first]["status"] == "free" and store.slots[second]["status"] == "held"
    assert store.holds[answer["hold_id"]]["released"] is True
    assert store.free_count("doc-1", TOMORROW) == 1
    schedule.drop_hold(again["hold_id"])
    assert store.slots[second]["status"] == "free" and store.free_count("doc-1", TOMORROW) == 2
    schedule.drop_hold(again["hold_id"])  # dropped already: nothing more changes
    assert store.free_count("doc-1", TOMORROW) == 2
    with pytest.raises(HoldNotFound):
        schedule.drop_hold("no-such-hold")


def test_a_hold_is_refused_on_a_slot_not_bookable_online(schedule, store):
    taken, reception, _free = store.add_day("doc-1", TOMORROW, ["09:00", "09:15", "09:30"],
                                            channels={1: "reception"})
    today = store.add_day("doc-1", TODAY, ["10:00"])[0]
    schedule.take(taken, "appt-1", None, "portal")
    for slot_id in (taken, reception, today):
        with pytest.raises(SlotUnavailable):
            schedule.hold(slot_id, "client-a", None, holder="patient-1")
    with pytest.raises(SlotNotFound):
        schedule.hold(999, "client-a", None, holder="patient-1")
    assert store.holds == {}


def test_an_expired_hold_no_longer_keeps_others_out(schedule, store, clock):
    slot_id = store.add_day("doc-1", TOMORROW, ["09:00"])[0]
    schedule.hold(slot_id, "client-a", None, holder="patient-1")
    clock.now += timedelta(seconds=301)
    assert schedule.slot(slot_id)["status"] == "free"
    taken_over = schedule.hold(slot_id, "client-b", None, holder="patient-2")
    assert store.slots[slot_id]["hold_id"] == taken_over["hold_id"]


def test_the_holds_of_one_patient_are_limited_and_a_refusal_changes_nothing(schedule, store,
                                                                             clock):
    slots = store.add_day("doc-1", TOMORROW, [f"{h:02d}:00" for h in range(9, 14)])
    schedule.hold(slots[0], "client-a", "s1", holder="patient-1")
    clock.now += timedelta(seconds=100)
    schedule.hold(slots[1], "client-b", "s2", holder="patient-1")
    with pytest.raises(TooManyHolds) as refused:
        schedule.hold(slots[2], "client-c", "s3", holder="patient-1")
    assert refused.value.retry_after == 200  # until the soonest of the two expires
    assert store.slots[slots[2]]["status"] == "free" and len(store.holds) == 2
    assert store.free_count("doc-1", TOMORROW) == 3


def test_the_holds_of_one_client_address_are_limited(schedule, store):
    slots = store.add_day("doc-1", TOMORROW, [f"{h:02d}:00" for h in range(8, 14)])
    other = store.add_day("doc-1", LATER, ["09:00", "10:00"])
    for n, slot_id in enumerate([slots[0], slots[1], other[0]]):
        schedule.hold(slot_id, "client-a", None, holder=f"patient-{n}")
    with pytest.raises(TooManyHolds):
        schedule.hold(other[1], "client-a", None, holder="patient-9")


def test_the_holds_of_one_doctor_day_are_capped(schedule, store):
    slots = store.add_day("doc-1", TOMORROW, [f"{h:02d}:00" for h in range(9, 14)])
    schedule.hold(slots[0], "client-a", None, holder="patient-1")
    schedule.hold(slots[1], "client-b", None, holder="patient-2")  # cap: max(2, 20% of 5)
    with pytest.raises(TooManyHoldsForDay) as refused:
        schedule.hold(slots[2], "client-c", None, holder="patient-3")
    assert refused.value.retry_after == 300
    assert store.free_count("doc-1", TOMORROW) == 3


# --- take, release, move (booking's internal operations) ----------------------------------------

def test_a_take_answers_the_slots_facts_and_is_idempotent_by_appointment(schedule, store):
    slot_id = store.add_day("doc-1", TOMORROW, ["09:00", "09:15"])[0]
    answer = schedule.take(slot_id, "appt-1", None, "portal")
    assert answer == {"id": str(slot_id), "doctor_id": "doc-1", "organization_id": "org-1",
                      "start": "2026-12-02T09:00:00+05:00", "end": "2026-12-02T09:15:00+05:00",
                      "date": "2026-12-02", "status": "taken", "channel": "any",
                      "appointment_id": "appt-1", "service_ids": ["svc-1"]}
    assert store.free_count("doc-1", TOMORROW) == 1
    assert schedule.take(slot_id, "appt-1", None, "portal") == answer  # a retry
    assert store.free_count("doc-1", TOMORROW) == 1  # counted once
    assert schedule.appointment_slot("appt-1") == answer
    assert schedule.appointment_slot("appt-2") is None
    with pytest.raises(SlotUnavailable):
        schedule.take(slot_id, "appt-2", None, "portal")
    assert store.slots[slot_id]["appointment_id"] == "appt-1"


def test_a_take_of_a_held_slot_needs_its_hold_and_does_not_count_twice(schedule, store):
    slot_id = store.add_day("doc-1", TOMORROW, ["09:00"])[0]
    hold_id = schedule.hold(slot_id, "client-a", None, holder="patient-1")["hold_id"]
    with pytest.raises(SlotUnavailable):
        schedule.take(slot_id, "appt-2", "another-hold", "portal")
    answer = schedule.take(slot_id, "appt-1", hold_id, "portal")
    assert (answer["status"], answer["appointment_id"]) == ("taken", "appt-1")
    assert store.slots[slot_id]["hold_id"] is None and store.holds[hold_id]["released"]
    assert store.free_count("doc-1", TOMORROW) == 0


def test_a_take_is_refused_on_a_started_slot_a_missing_one_and_another_channels(schedule,
                                                                                store):
    started, reception = store.add_day("doc-1", TODAY, ["07:30", "09:00"],
                                       channels={1: "reception"})
    with pytest.raises(SlotStarted):
        schedule.take(started, "appt-1", None, "reception")
    with pytest.raises(SlotNotFound):
        schedule.take(999, "appt-1", None, "portal")
    with pytest.raises(SlotUnavailable):
        schedule.take(reception, "appt-1", None, "portal")
    assert schedule.take(reception, "appt-1", None, "reception")["status"] == "taken"


def test_an_appointment_holding_another_slot_cannot_take_a_second(schedule, store):
    first, second = store.add_day("doc-1", TOMORROW, ["09:00", "09:15"])
    schedule.take(first, "appt-1", None, "portal")
    with pytest.raises(SlotUnavailable):
        schedule.take(second, "appt-1", None, "portal")
    assert store.slots[second]["status"] == "free" and store.free_count("doc-1", TOMORROW) == 1


def test_a_unique_conflict_with_a_concurrent_take_of_the_same_slot_is_success(schedule, store):
    slot_id = store.add_day("doc-1", TOMORROW, ["09:00"])[0]
    real = store.transaction

    def concurrent_retry_won(work):  # the other retry commits; ours hits the unique index
        real(work)
        raise ConflictingChange("slots_appointment_id_key")

    store.transaction = concurrent_retry_won
    answer = schedule.take(slot_id, "appt-1", None, "portal")
    assert (answer["id"], answer["appointment_id"]) == (str(slot_id), "appt-1")


def test_a_release_frees_the_slot_once_and_announces_it(schedule, store):
    slot_id = store.add_day("doc-1", TOMORROW, ["09:00"])[0]
    schedule.take(slot_id, "appt-1", None, "portal")
    answer = schedule.release(slot_id, "appt-1")
    assert (answer["status"], answer["appointment_id"]) == ("free", None)
    assert store.free_count("doc-1", TOMORROW) == 1
    assert store.events == [("slot.released", {
        "slot_id": str(slot_id), "doctor_id": "doc-1", "organization_id": "org-1",
        "service_ids": ["svc-1"], "start": "2026-12-02T09:00:00+05:00",
        "end": "2026-12-02T09:15:00+05:00"})]
    assert schedule.release(slot_id, "appt-1")["status"] == "free"  # a retry
    assert len(store.events) == 1 and store.free_count("doc-1", TOMORROW) == 1
    with pytest.raises(SlotNotFound):
        schedule.release(999, "appt-1")


def test_a_release_on_an_absent_day_blocks_the_slot_silently(schedule, store):
    slot_id = store.add_day("doc-1", TOMORROW, ["09:00"])[0]
    schedule.take(slot_id, "appt-1", None, "portal")
    store.absent.add(("doc-1", TOMORROW))
    assert schedule.release(slot_id, "appt-1")["status"] == "blocked"
    assert store.events == [] and store.free_count("doc-1", TOMORROW) == 0


def test_a_move_takes_the_new_slot_and_frees_the_old_one_atomically(schedule, store):
    old = store.add_day("doc-1", TOMORROW, ["09:00"])[0]
    new, busy = store.add_day("doc-1", LATER, ["10:00", "10:15"])
    schedule.take(old, "appt-1", None, "portal")
    schedule.take(busy, "appt-2", None, "portal")
    with pytest.raises(SlotUnavailable):
        schedule.move("appt-1", old, busy, "portal")
    assert store.slots[old]["appointment_id"] == "appt-1" and store.events == []  # rolled back
    with pytest.raises(SlotUnavailable):
        schedule.move("appt-1", new, busy, "portal")  # not the appointment's slot
    answer = schedule.move("appt-1", old, new, "portal")
    assert (answer["id"], answer["status"], answer["appointment_id"]) == (str(new), "taken",
                                                                          "appt-1")
    assert answer["start"] == "2026-12-03T10:00:00+05:00"
    assert store.slots[old]["status"] == "free"
    assert store.free_count("doc-1", TOMORROW) == 1 and store.free_count("doc-1", LATER) == 0
    assert [(t, d["slot_id"]) for t, d in store.events] == [("slot.released", str(old))]
    assert schedule.move("appt-1", old, new, "portal") == answer  # a retry
    assert len(store.events) == 1 and store.free_count("doc-1", LATER) == 0


def test_takes_lists_the_taken_slots_after_the_cursor(schedule, store):
    first, second = store.add_day("doc-1", TOMORROW, ["09:00", "09:15"])
    schedule.take(first, "appt-1", None, "portal")
    schedule.take(second, "appt-2", None, "portal")
    taken = schedule.takes(since=None, after_id=0, older_than=0, limit=10)
    assert [(t["slot_id"], t["appointment_id"]) for t in taken] == [(str(first), "appt-1"),
                                                                    (str(second), "appt-2")]
    assert schedule.takes(since=None, after_id=0, older_than=3600, limit=10) == []
