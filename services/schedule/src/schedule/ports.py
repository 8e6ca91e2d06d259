"""What the schedule's use cases (services.py, queries.py, slot_operations.py) need from the
outside: the slot store (reads on one connection, changes in one transaction that also adds
the outbox event), the doctor directory and the organizations' booking settings.
Real adapters: ``adapters/uow.py`` (SQL, over ``slot_store``, ``hold_store``, ``reads`` and
``tx``) and ``adapters/directory.py``; unit tests pass in-memory fakes."""
from __future__ import annotations

from collections import Counter
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Callable, Protocol, TypedDict, TypeVar

from .domain.bookability import OrgRules
from .domain.doctors import DoctorInfo

T = TypeVar("T")
# Free-count deltas of the per-day counters, keyed by (doctor_id, local date): the slot
# transitions add to them, ``bump_counters`` applies them (after the slot rows are locked).
Changes = Counter


class SlotRow(TypedDict):
    """A slot with its doctor's zone and services; instants are aware UTC datetimes."""
    id: int
    doctor_id: str
    organization_id: str
    start_utc: datetime
    end_utc: datetime
    local_date: date
    status: str  # free | held | taken | blocked
    channel: str  # any | portal | reception
    appointment_id: str | None
    hold_id: str | None
    hold_expires_at: datetime | None
    timezone: str
    service_ids: list[str]


class DayRow(Protocol):
    """A doctor-day's counters (portal slots only)."""
    date: date
    interval: str | None
    free: int
    blocked: bool


class DaySlotRow(Protocol):
    id: int
    start_utc: datetime
    end_utc: datetime
    status: str
    channel: str
    hold_expires_at: datetime | None


class SessionHold(Protocol):
    id: str
    slot_id: int


class HoldState(Protocol):
    slot_id: int
    released: bool


class ConflictingChange(Exception):
    """A uniqueness rule of the store refused the transaction (in a take or a move: the
    appointment occupies another slot, taken concurrently); nothing of it was written."""


class SlotUnit(Protocol):
    """One connection to the slot store: the reads, and within :meth:`SlotStore.transaction`
    the changes too. A change answers whether it won (its condition held)."""

    # --- reads of the day grid and a day's slots -------------------------------------------------
    def day_grid(self, doctor_id: str, first: date, last: date) -> dict[date, DayRow]: ...

    def free_from_now(self, doctor_id: str, day: date, now: datetime,
                      day_end: datetime) -> int:
        """Portal slots of ``day`` still free that start after ``now`` and before ``day_end``."""

    def day_slots(self, doctor_id: str, begin: datetime, end: datetime) -> list[DaySlotRow]:
        """The slots starting in [begin, end), in start order."""

    def reception_free(self, doctor_id: str, begin: datetime, end: datetime,
                       now: datetime) -> dict[date, int]:
        """Free-at-reception counts (any channel, not started) by local date."""

    # --- slots ----------------------------------------------------------------------------------
    def slot_row(self, slot_id: int) -> SlotRow | None: ...

    def slot_of_appointment(self, appointment_id: str) -> SlotRow | None: ...

    def takes_between(self, *, since: datetime | None, after_id: int, until: datetime,
                      limit: int) -> list[dict]:
        """``[{slot_id, appointment_id, taken_at}]`` after the (since, after_id) cursor."""

    def take_free(self, slot_id: int, appointment_id: str, channel: str, now: datetime,
                  changes: Changes) -> SlotRow | None:
        """A free slot (bookable on the channel, not started) becomes the appointment's."""

    def take_held(self, slot_id: int, appointment_id: str, hold_id: str | None, channel: str,
                  now: datetime) -> bool:
        """Take a slot held by this hold (or by an expired one); its hold is released."""

    def take(self, slot_id: int, appointment_id: str, hold_id: str | None, channel: str,
             now: datetime, changes: Changes) -> bool:
        """``take_free``, else ``take_held``."""

    def release(self, slot_id: int, appointment_id: str, changes: Changes) -> str | None:
        """Free the appointment's slot (blocked if an absence covers its day): the new status,
        or None when the appointment did not occupy it."""

    def hold(self, slot_id: int, hold_id: str, expires_at: datetime, now: datetime,
             changes: Changes) -> bool:
        """Hold a free portal slot, or take over someone's expired hold."""

    def unhold(self, slot_id: int, hold_id: str, changes: Changes) -> bool:
        """Give a held slot back (only if this hold still has it)."""

    def bump_counters(self, changes: Changes) -> None: ...

    # --- holds ----------------------------------------------------------------------------------
    def session_holds(self, session_id: str, now: datetime) -> list[SessionHold]: ...

    def client_holds(self, client_key: str, now: datetime) -> tuple[int, datetime | None]:
        """How many active holds the client address has, and the soonest expiry."""

    def holder_holds(self, holder_id: str, now: datetime) -> tuple[int, datetime | None]: ...

    def lock_day(self, doctor_id: str, day: date) -> None:
        """Serialize the holds of one doctor-day until the transaction ends."""

    def day_holds(self, doctor_id: str, day: date,
                  now: datetime) -> tuple[int, int, datetime | None]:
        """(portal slots of the day, of them held now, the soonest of those holds to expire)."""

    def add_hold(self, *, id: str, slot_id: int, client_key: str, holder_id: str,
                 session_id: str | None, expires_at: datetime, created_at: datetime) -> None: ...

    def get_hold(self, hold_id: str) -> HoldState | None: ...

    def mark_hold_released(self, hold_id: str) -> None: ...

    # --- events ---------------------------------------------------------------------------------
    def add_event(self, event_type: str, data: dict) -> None:
        """An outbox event, published once the transaction commits."""


class SlotStore(Protocol):
    def reading(self) -> AbstractContextManager[SlotUnit]:
        """``with store.reading() as unit: ...``: reads on one connection, no changes."""

    def transaction(self, work: Callable[[SlotUnit], T]) -> T:
        """Run ``work`` in one transaction (committed when it returns, rolled back when it
        raises), again from the start when the store aborted it for contention. Raises
        :class:`ConflictingChange` when a uniqueness rule refused it."""


class DoctorDirectoryPort(Protocol):
    def get(self, doctor_id: str) -> DoctorInfo | None: ...


class OrgSettingsPort(Protocol):
    def rules(self, organization_id: str, timezone: str) -> OrgRules:
        """The organization's booking rules in its zone (the defaults when it has none)."""
