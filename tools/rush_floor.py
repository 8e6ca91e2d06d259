"""The floors the rush benchmark compares the full booking path with, on copies of its databases:

- the raw SQL transaction: a pgbench-like loop of the booking's SQL with psycopg, one connection
  per client thread, no web server at all;
- the one-hop floor: the same SQL behind one minimal Flask + SQLAlchemy endpoint served by
  gunicorn with the stack's worker model (``gunicorn 'rush_floor:create_app()'``).

The SQL is the booking as issue 10 shapes it, one transaction per owner: schedule takes the slot
(the idempotent-retry check, the conditional UPDATE answering the slot's facts, the day's free
counter), then booking claims the Idempotency-Key with the answer already in it, inserts the
booked appointment and its outbox event. What the full path adds on top of the one-hop floor is
the price of its hops, checks and frameworks.
"""
from __future__ import annotations

import json
import os
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone

TAKE_CHECK = "SELECT id FROM slots WHERE appointment_id = %(appointment_id)s"
TAKE = ("UPDATE slots SET status = 'taken', appointment_id = %(appointment_id)s, hold_id = NULL, "
        "hold_expires_at = NULL, version = version + 1 "
        "WHERE id = %(slot_id)s AND start_utc > %(now)s AND channel IN ('any', 'portal') "
        "AND status = 'free' "
        "RETURNING id, doctor_id, organization_id, local_date, start_utc, end_utc")
COUNT_OUT = ("UPDATE doctor_days SET free = free - 1 "
             "WHERE doctor_id = %(doctor_id)s AND date = %(local_date)s")
CLAIM = ("INSERT INTO idempotency_records (actor_id, key, request_hash, appointment_id, "
         "status_code, response_body, created_at, completed_at) VALUES (%(patient_id)s, "
         "%(key)s, %(hash)s, %(appointment_id)s, 201, %(response)s, %(now)s, %(now)s)")
APPOINTMENT = ("INSERT INTO appointments (id, patient_id, organization_id, doctor_id, service_id, "
               "specialty, slot_id, start_utc, end_utc, status, ticket_number, snapshot, channel, "
               "created_by, created_at, updated_at) VALUES (%(appointment_id)s, %(patient_id)s, "
               "%(organization_id)s, %(doctor_id)s, %(service_id)s, %(specialty)s, %(slot)s, "
               "%(start_utc)s, %(end_utc)s, 'booked', %(ticket)s, %(snapshot)s, 'portal', "
               "%(patient_id)s, %(now)s, %(now)s)")
EVENT = ("INSERT INTO outbox (id, event_type, payload, created_at, attempts) "
         "VALUES (%(event_id)s, 'appointment.booked', %(payload)s, %(now)s, 0)")


def booking_params(slot_id: int, service_id: str) -> dict:
    appointment_id = str(uuid.uuid4())
    return {"slot_id": slot_id, "slot": str(slot_id), "service_id": service_id,
            "appointment_id": appointment_id, "patient_id": str(uuid.uuid4()),
            "key": str(uuid.uuid4()), "hash": "0" * 64, "specialty": "floor",
            "ticket": "F" + uuid.uuid4().hex[:12], "event_id": str(uuid.uuid4()),
            "now": datetime.now(timezone.utc)}


def with_slot(params: dict, slot) -> dict:
    """The booking's remaining parameters, from the facts the take answered."""
    facts = {"doctor_id": slot[1], "organization_id": slot[2], "local_date": slot[3],
             "start_utc": slot[4], "end_utc": slot[5]}
    body = {"id": params["appointment_id"], "slot_id": params["slot"], "status": "booked",
            "start": slot[4].isoformat(), "doctor_id": slot[1]}
    return {**params, **facts, "response": json.dumps(body),
            "snapshot": json.dumps({"doctor": slot[1], "service": params["service_id"]}),
            "payload": json.dumps({"id": params["event_id"], "type": "appointment.booked",
                                   "data": body})}


def book(schedule_tx, booking_tx, slot_id: int, service_id: str) -> bool:
    """One booking: ``schedule_tx()`` / ``booking_tx()`` open a transaction on either database and
    yield a function running one statement; False when the slot was not free (a 409)."""
    params = booking_params(slot_id, service_id)
    with schedule_tx() as run:
        run(TAKE_CHECK, params).fetchone()
        slot = run(TAKE, params).fetchone()
        if slot is None:
            return False
        run(COUNT_OUT, {"doctor_id": slot[1], "local_date": slot[3]})
    params = with_slot(params, slot)
    with booking_tx() as run:
        for statement in (CLAIM, APPOINTMENT, EVENT):
            run(statement, params)
    return True


def psycopg_tx(conn):
    """Transactions on one psycopg connection (autocommit outside them)."""

    @contextmanager
    def tx():
        with conn.transaction():
            yield conn.execute

    return tx


def sqlalchemy_tx(engine):
    """Transactions on a SQLAlchemy engine: a pooled connection for each."""

    @contextmanager
    def tx():
        with engine.begin() as conn:
            yield conn.exec_driver_sql

    return tx


# --- the raw SQL loop ----------------------------------------------------------------------------

def raw_loop(schedule_url: str, booking_url: str, jobs, clients: int) -> tuple[int, int, float]:
    """Book ``jobs`` (a thread-safe iterator of (slot_id, service_id)) from ``clients`` threads,
    each on its own two connections. Returns (booked, refused, seconds)."""
    import psycopg

    counts = {"booked": 0, "refused": 0}
    lock = threading.Lock()

    def client():
        with psycopg.connect(libpq(schedule_url), autocommit=True) as schedule, \
                psycopg.connect(libpq(booking_url), autocommit=True) as booking:
            for slot_id, service_id in jobs:
                done = book(psycopg_tx(schedule), psycopg_tx(booking), slot_id, service_id)
                with lock:
                    counts["booked" if done else "refused"] += 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts["booked"], counts["refused"], time.perf_counter() - started


def libpq(url: str) -> str:
    """A SQLAlchemy URL (postgresql+psycopg://...) as libpq wants it."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


# --- the one-hop floor ---------------------------------------------------------------------------

def create_app():
    """``POST /book {"slot_id", "service_id"}`` -> 201 or 409, on RUSH_FLOOR_SCHEDULE_URL and
    RUSH_FLOOR_BOOKING_URL, through SQLAlchemy's pools (one connection per request thread)."""
    from flask import Flask, request
    from sqlalchemy import create_engine

    threads = int(os.environ.get("GUNICORN_THREADS", "4"))
    schedule = create_engine(os.environ["RUSH_FLOOR_SCHEDULE_URL"], pool_size=threads)
    booking = create_engine(os.environ["RUSH_FLOOR_BOOKING_URL"], pool_size=threads)
    app = Flask(__name__)

    schedule_tx, booking_tx = sqlalchemy_tx(schedule), sqlalchemy_tx(booking)

    @app.post("/book")
    def book_endpoint():
        body = request.get_json()
        done = book(schedule_tx, booking_tx, int(body["slot_id"]), body["service_id"])
        return ({"status": "booked"}, 201) if done else ({"error": {"code": "slot_unavailable"}}, 409)

    @app.get("/readyz")
    def ready():
        return {"status": "ready"}

    return app
