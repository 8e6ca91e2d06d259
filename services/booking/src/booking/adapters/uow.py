"""Booking's records through SQLAlchemy Core: the unit of work of the book use case (one
transaction: answer + appointment + event) and the few reads around it."""
from __future__ import annotations

import json

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from regcommon.db import utcnow
from regcommon.outbox import add_event

from ..domain import errors
from ..ports import StoredReply
from . import referrals_sql, store
from .tables import appointments, idempotency_records, outbox

# The book path's statements, built once: a statement object rebuilt per booking (``.values()``,
# ``.where()``) costs SQLAlchemy a construction and a cache-key walk each time, a fifth of the
# booking service's CPU under the rush; a constant statement with its parameters costs neither.
INSERT_REPLY = idempotency_records.insert()
INSERT_APPOINTMENT = appointments.insert()
INSERT_EVENT = outbox.insert()


def _conflict(exc: IntegrityError) -> Exception:
    """Which rule refused the write (PostgreSQL names the index, SQLite the columns)."""
    if "specialty" in str(exc.orig):
        return errors.DuplicateSpecialty()
    return errors.RecordConflict(str(exc.orig)[:200])


class SqlUnitOfWork:
    def __init__(self, engine: Engine):
        self.engine = engine
        self._tx = None
        self.conn = None

    def __enter__(self) -> "SqlUnitOfWork":
        self.conn = self.engine.connect()
        self._tx = self.conn.begin()
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self._tx.is_active:
                self._tx.rollback()
        finally:
            self.conn.close()

    def commit(self) -> None:
        self._tx.commit()

    def _execute(self, statement, params: dict) -> None:
        try:
            self.conn.execute(statement, params)
        except IntegrityError as exc:
            raise _conflict(exc) from None

    def add_reply(self, actor_id: str, key: str, request_hash: str, status: int, body: dict,
                  appointment_id: str | None) -> None:
        now = utcnow()
        self._execute(INSERT_REPLY, {
            "actor_id": actor_id, "key": key, "request_hash": request_hash,
            "appointment_id": appointment_id, "status_code": status,
            "response_body": json.dumps(body, ensure_ascii=False), "created_at": now,
            "completed_at": now})

    def add_appointment(self, row: dict) -> None:
        self._execute(INSERT_APPOINTMENT, row)

    def add_event(self, event_type: str, data: dict) -> None:
        add_event(self.conn, outbox, event_type, data, statement=INSERT_EVENT)

    def fulfil_waitlist(self, patient_id: str, organization_id: str, service_id: str) -> None:
        store.fulfil_waitlist(self.conn, patient_id, organization_id, service_id)

    def use_referral(self, **match) -> str | None:
        """See ``referrals_sql.use``: the id of the referral this booking used up, or None."""
        return referrals_sql.use(self.conn, **match)

    def add_audit(self, *, actor, action: str, client, appointment_id: str, patient_id: str,
                  organization_id: str) -> None:
        store.add_audit(self.conn, actor=actor, action=action, client=client,
                        appointment_id=appointment_id, patient_id=patient_id,
                        organization_id=organization_id)


def _stored(record: dict | None) -> StoredReply | None:
    if record is None:
        return None
    body = record["response_body"]
    return StoredReply(request_hash=record["request_hash"], status=record["status_code"],
                       body=json.loads(body) if body else None,
                       appointment_id=record["appointment_id"])


class SqlBookingRecords:
    def __init__(self, engine: Engine):
        self.engine = engine

    def unit_of_work(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine)

    def find_reply(self, actor_id: str, key: str) -> StoredReply | None:
        with self.engine.connect() as conn:
            return _stored(store.get_key(conn, actor_id, key))

    def remember_reply(self, actor_id: str, key: str, request_hash: str, status: int,
                       body: dict) -> StoredReply | None:
        with self.engine.begin() as conn:
            inserted = store.insert_ignoring_conflict(conn, idempotency_records, {
                "actor_id": actor_id, "key": key, "request_hash": request_hash,
                "appointment_id": None, "status_code": status,
                "response_body": json.dumps(body, ensure_ascii=False), "created_at": utcnow(),
                "completed_at": utcnow()})
            if inserted:
                return None
            return _stored(store.get_key(conn, actor_id, key))

    def release_past_specialty(self, patient_id: str, specialty: str, now) -> int:
        with self.engine.begin() as conn:
            return conn.execute(update(appointments).where(
                appointments.c.patient_id == patient_id, appointments.c.specialty == specialty,
                appointments.c.status == "booked", appointments.c.end_utc <= now,
                appointments.c.specialty_released_at.is_(None),
            ).values(specialty_released_at=now)).rowcount

    def appointment_exists(self, appointment_id: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(appointments.c.id)
                                .where(appointments.c.id == appointment_id)).first() is not None
