"""A slot is taken by at most one appointment, under real concurrency, on both databases."""
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlalchemy import select

from schedule.adapters.tables import doctor_days, slots
from schedule.domain.errors import SlotUnavailable

pytestmark = pytest.mark.integration
DAY = date(2026, 12, 3)


def free_any_slots(engine, count):
    with engine.connect() as conn:
        return conn.execute(select(slots.c.id).where(
            slots.c.doctor_id == "doc-000001", slots.c.local_date == DAY,
            slots.c.channel == "any", slots.c.status == "free")
            .order_by(slots.c.start_utc).limit(count)).scalars().all()


def free_counter(engine):
    with engine.connect() as conn:
        return conn.execute(select(doctor_days.c.free).where(
            doctor_days.c.doctor_id == "doc-000001", doctor_days.c.date == DAY)).scalar_one()


def race(schedule, attempts, call):
    barrier = threading.Barrier(min(attempts, 50))

    def attempt(i):
        try:
            if i < 50:
                barrier.wait(timeout=10)
            call(i)
            return "ok"
        except SlotUnavailable:
            return "conflict"

    with ThreadPoolExecutor(max_workers=50) as pool:
        return Counter(pool.map(attempt, range(attempts)))


def run_take_race(app, attempts):
    schedule, engine = app.extensions["schedule"], app.extensions["engine"]
    slot = free_any_slots(engine, 1)[0]
    before = free_counter(engine)
    outcome = race(schedule, attempts,
                   lambda i: schedule.take(slot, f"appt-{i}", None, "portal"))
    assert outcome == {"ok": 1, "conflict": attempts - 1}
    assert free_counter(engine) == before - 1
    with engine.connect() as conn:
        taken = conn.execute(select(slots.c.appointment_id).where(slots.c.id == slot)).scalar()
    assert taken.startswith("appt-")


def test_two_hundred_concurrent_takes_on_postgresql_make_exactly_one_winner(pg_url, make_app):
    run_take_race(make_app(pg_url, db_pool_size=25), 200)


def test_concurrent_takes_on_sqlite_make_exactly_one_winner(sqlite_url, make_app):
    run_take_race(make_app(sqlite_url), 100)


def run_move_race(app):
    schedule, engine = app.extensions["schedule"], app.extensions["engine"]
    origin, *targets = free_any_slots(engine, 11)
    schedule.take(origin, "mover", None, "portal")
    outcome = race(schedule, 10,
                   lambda i: schedule.move("mover", origin, targets[i], "portal"))
    assert outcome == {"ok": 1, "conflict": 9}
    with engine.connect() as conn:
        held = conn.execute(select(slots.c.id).where(slots.c.appointment_id == "mover")).all()
        statuses = Counter(conn.execute(select(slots.c.status).where(
            slots.c.id.in_([origin, *targets]))).scalars())
    assert len(held) == 1 and held[0].id in targets
    assert statuses == {"taken": 1, "free": 10}
    assert free_counter(engine) == len(free_any_slots(engine, 100))


def test_concurrent_moves_of_one_appointment_on_postgresql_let_exactly_one_win(pg_url, make_app):
    run_move_race(make_app(pg_url, db_pool_size=12))


def test_concurrent_moves_of_one_appointment_on_sqlite_let_exactly_one_win(sqlite_url, make_app):
    run_move_race(make_app(sqlite_url))


def test_concurrent_holds_of_one_slot_on_postgresql_make_exactly_one_hold(pg_url, make_app):
    app = make_app(pg_url, db_pool_size=25)
    schedule, engine = app.extensions["schedule"], app.extensions["engine"]
    slot = free_any_slots(engine, 1)[0]
    before = free_counter(engine)
    outcome = race(schedule, 60, lambda i: schedule.hold(slot, f"10.1.0.{i}", None,
                                                         holder=f"patient-{i}"))
    assert outcome == {"ok": 1, "conflict": 59}
    assert free_counter(engine) == before - 1


def test_concurrent_holds_of_one_doctor_day_on_postgresql_stop_at_its_cap(pg_url, make_app):
    """18 portal slots of doc-000001 on 2026-12-03, 30 patients at once: exactly 4 holds."""
    from schedule.domain.errors import TooManyHoldsForDay

    app = make_app(pg_url, db_pool_size=25)
    schedule = app.extensions["schedule"]
    items = app.test_client().get("/v1/doctors/doc-000001/slots?service_id=svc-0001-01"
                                  "&date=2026-12-03").json["items"]
    ids = [int(i["id"]) for i in items if i["bookable"]]
    outcomes: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(30)

    def attempt(i: int) -> None:
        barrier.wait()
        try:
            schedule.hold(ids[i % len(ids)], f"10.3.0.{i}", None, holder=f"patient-{i}")
            outcome = "ok"
        except TooManyHoldsForDay:
            outcome = "day_full"
        except SlotUnavailable:  # two patients chose the same slot
            outcome = "conflict"
        except Exception as exc:  # noqa: BLE001 - anything else fails the test, with its reason
            outcome = f"{type(exc).__name__}: {str(exc)[:300]}"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") == 4
    assert set(outcomes) <= {"ok", "day_full", "conflict"}, outcomes


def test_a_recount_racing_a_take_on_postgresql_keeps_the_free_counter_exact(pg_url, make_app):
    import time
    from datetime import datetime, timezone

    from schedule.adapters import slot_store

    app = make_app(pg_url)
    engine, admin = app.extensions["engine"], app.extensions["schedule_admin"]
    slot = free_any_slots(engine, 1)[0]
    before = free_counter(engine)
    with engine.connect() as conn:
        tx = conn.begin()  # a take in flight: slot and counter changed, not committed yet
        changes = Counter()
        assert slot_store.take(conn, slot, "appt-race", None, "portal",
                               datetime(2026, 12, 1, 3, tzinfo=timezone.utc), changes)
        slot_store.bump_counters(conn, changes)
        quota = threading.Thread(target=admin.set_quota, args=("doc-000001", 20))
        quota.start()  # the same quota: only recounts the days
        time.sleep(0.5)
        tx.commit()
    quota.join(timeout=10)
    assert not quota.is_alive()
    assert free_counter(engine) == before - 1


def slot_status(engine, slot):
    with engine.connect() as conn:
        return conn.execute(select(slots.c.status).where(slots.c.id == slot)).scalar_one()


def taken_slot(app):
    schedule, engine = app.extensions["schedule"], app.extensions["engine"]
    slot = free_any_slots(engine, 1)[0]
    schedule.take(slot, "appt-cancelled", None, "portal")
    return slot


def test_a_cancel_released_while_an_absence_is_being_added_leaves_the_slot_blocked(
        pg_url, make_app):
    import time

    from schedule.adapters import slot_store

    app = make_app(pg_url)
    engine, admin = app.extensions["engine"], app.extensions["schedule_admin"]
    slot = taken_slot(app)
    with engine.connect() as conn:
        tx = conn.begin()  # the release is in flight when the absence comes in
        changes = Counter()
        assert slot_store.release(conn, slot, "appt-cancelled", changes) == "free"
        slot_store.bump_counters(conn, changes)
        absence = threading.Thread(target=admin.add_absence,
                                   args=("doc-000001", DAY, DAY, "Больничный"))
        absence.start()
        time.sleep(0.5)
        tx.commit()
    absence.join(timeout=10)
    assert not absence.is_alive()
    assert slot_status(engine, slot) == "blocked", "a free slot on the doctor's absent day"
    assert free_counter(engine) == 0


def test_an_absence_added_while_a_cancel_releases_its_slot_leaves_the_slot_blocked(
        pg_url, make_app, monkeypatch):
    import time

    from schedule import admin as admin_module

    app = make_app(pg_url)
    engine, admin = app.extensions["engine"], app.extensions["schedule_admin"]
    schedule = app.extensions["schedule"]
    slot = taken_slot(app)
    real_add_event = admin_module.add_event

    def slow_add_event(*args, **kwargs):  # the absence's transaction stays open a while
        time.sleep(0.5)
        return real_add_event(*args, **kwargs)

    monkeypatch.setattr(admin_module, "add_event", slow_add_event)
    absence = threading.Thread(target=admin.add_absence,
                               args=("doc-000001", DAY, DAY, "Больничный"))
    absence.start()
    time.sleep(0.2)
    schedule.release(slot, "appt-cancelled")
    absence.join(timeout=10)
    assert not absence.is_alive()
    assert slot_status(engine, slot) == "blocked", "a free slot on the doctor's absent day"
    assert free_counter(engine) == 0
