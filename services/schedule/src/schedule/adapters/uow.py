"""The slot store through SQLAlchemy Core (``ports.SlotStore``): one unit is one connection, a
transaction is ``tx.in_transaction``'s (retried on contention), over the statements of
``slot_store``, ``hold_store`` and ``reads`` and the outbox table."""
from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from datetime import date, datetime
from typing import Callable, Iterator, TypeVar

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from regcommon.outbox import add_event

from ..ports import ConflictingChange
from . import hold_store, reads, slot_store
from .tables import outbox
from .tx import in_transaction

T = TypeVar("T")


class SqlSlotUnit:
    """The statements of the slot store on one connection."""

    def __init__(self, conn: Connection):
        self.conn = conn

    # --- reads of the day grid and a day's slots ---------------------------------------------------
    def day_grid(self, doctor_id: str, first: date, last: date) -> dict:
        return reads.day_grid(self.conn, doctor_id, first, last)

    def free_from_now(self, doctor_id: str, day: date, now: datetime, day_end: datetime) -> int:
        return reads.free_from_now(self.conn, doctor_id, day, now, day_end)

    def day_slots(self, doctor_id: str, begin: datetime, end: datetime) -> list:
        return reads.day_slots(self.conn, doctor_id, begin, end)

    def reception_free(self, doctor_id: str, begin: datetime, end: datetime,
                       now: datetime) -> dict:
        return reads.reception_free(self.conn, doctor_id, begin, end, now)

    # --- slots --------------------------------------------------------------------------------------
    def slot_row(self, slot_id: int) -> dict | None:
        return slot_store.slot_row(self.conn, slot_id)

    def slot_of_appointment(self, appointment_id: str) -> dict | None:
        return slot_store.slot_of_appointment(self.conn, appointment_id)

    def takes_between(self, *, since: datetime | None, after_id: int, until: datetime,
                      limit: int) -> list[dict]:
        return slot_store.takes_between(self.conn, since=since, after_id=after_id, until=until,
                                        limit=limit)

    def take_free(self, slot_id: int, appointment_id: str, channel: str, now: datetime,
                  changes: Counter) -> dict | None:
        return slot_store.take_free(self.conn, slot_id, appointment_id, channel, now, changes)

    def take_held(self, slot_id: int, appointment_id: str, hold_id: str | None, channel: str,
                  now: datetime) -> bool:
        return slot_store.take_held(self.conn, slot_id, appointment_id, hold_id, channel, now)

    def take(self, slot_id: int, appointment_id: str, hold_id: str | None, channel: str,
             now: datetime, changes: Counter) -> bool:
        return slot_store.take(self.conn, slot_id, appointment_id, hold_id, channel, now, changes)

    def release(self, slot_id: int, appointment_id: str, changes: Counter) -> str | None:
        return slot_store.release(self.conn, slot_id, appointment_id, changes)

    def hold(self, slot_id: int, hold_id: str, expires_at: datetime, now: datetime,
             changes: Counter) -> bool:
        return slot_store.hold(self.conn, slot_id, hold_id, expires_at, now, changes)

    def unhold(self, slot_id: int, hold_id: str, changes: Counter) -> bool:
        return slot_store.unhold(self.conn, slot_id, hold_id, changes)

    def bump_counters(self, changes: Counter) -> None:
        slot_store.bump_counters(self.conn, changes)

    # --- holds --------------------------------------------------------------------------------------
    def session_holds(self, session_id: str, now: datetime) -> list:
        return hold_store.session_holds(self.conn, session_id, now)

    def client_holds(self, client_key: str, now: datetime) -> tuple[int, datetime | None]:
        return hold_store.client_holds(self.conn, client_key, now)

    def holder_holds(self, holder_id: str, now: datetime) -> tuple[int, datetime | None]:
        return hold_store.holder_holds(self.conn, holder_id, now)

    def lock_day(self, doctor_id: str, day: date) -> None:
        hold_store.lock_day(self.conn, doctor_id, day)

    def day_holds(self, doctor_id: str, day: date,
                  now: datetime) -> tuple[int, int, datetime | None]:
        return hold_store.day_holds(self.conn, doctor_id, day, now)

    def add_hold(self, **values) -> None:
        hold_store.add(self.conn, **values)

    def get_hold(self, hold_id: str):
        return hold_store.get(self.conn, hold_id)

    def mark_hold_released(self, hold_id: str) -> None:
        hold_store.mark_released(self.conn, hold_id)

    # --- events -------------------------------------------------------------------------------------
    def add_event(self, event_type: str, data: dict) -> None:
        add_event(self.conn, outbox, event_type, data)


class SqlSlotStore:
    """``ports.SlotStore`` over an engine."""

    def __init__(self, engine: Engine):
        self.engine = engine

    @contextmanager
    def reading(self) -> Iterator[SqlSlotUnit]:
        with self.engine.connect() as conn:
            yield SqlSlotUnit(conn)

    def transaction(self, work: Callable[[SqlSlotUnit], T]) -> T:
        try:
            return in_transaction(self.engine, lambda conn: work(SqlSlotUnit(conn)))
        except IntegrityError as exc:
            raise ConflictingChange(str(exc.orig)[:200]) from exc
