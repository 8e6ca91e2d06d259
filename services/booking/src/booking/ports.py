"""What the use cases need from the other services and from booking's own database. Real
adapters: ``adapters/peers.py`` (HTTP) and ``adapters/uow.py`` (SQL); unit tests pass fakes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from .inputs import parse_instant


@dataclass(frozen=True)
class TakenSlot:
    """The slot's facts, as schedule's take answers them (internal-contracts.md)."""
    id: str
    doctor_id: str
    organization_id: str
    start: datetime  # UTC
    end: datetime
    service_ids: tuple[str, ...]

    @classmethod
    def from_answer(cls, answer: dict) -> "TakenSlot":
        return cls(id=str(answer["id"]), doctor_id=answer["doctor_id"],
                   organization_id=answer["organization_id"], start=parse_instant(answer["start"]),
                   end=parse_instant(answer["end"]),
                   service_ids=tuple(answer.get("service_ids") or ()))


@dataclass(frozen=True)
class StoredReply:
    """An answer remembered under (actor, Idempotency-Key)."""
    request_hash: str
    status: int | None  # None: a claim of the earlier design still in progress
    body: dict | None
    appointment_id: str | None


class SchedulePort(Protocol):
    def get_slot(self, slot_id: str) -> dict | None: ...

    def take(self, slot_id: str, appointment_id: str, hold_id: str | None,
             channel: str) -> TakenSlot:
        """Idempotent by appointment id. Raises ``SlotNotFound`` (404), ``SlotUnavailable``
        (409); ``UpstreamUnavailable`` when schedule is down."""

    def release(self, slot_id: str, appointment_id: str) -> None: ...

    def move(self, appointment_id: str, from_slot_id: str, to_slot_id: str, channel: str) -> dict:
        """Atomic in schedule; raises ``SlotUnavailable`` and nothing changed."""

    def slot_of(self, appointment_id: str) -> dict | None: ...

    def takes(self, *, since: str | None, after_id: str, older_than: float,
              limit: int) -> list[dict]:
        """``[{slot_id, appointment_id, taken_at}]`` taken ``older_than`` seconds ago or more,
        after the (since, after_id) cursor, oldest first."""

    def day_slots(self, doctor_id: str, service_id: str, day: str) -> list[dict]: ...


class CatalogPort(Protocol):
    def doctor_context(self, doctor_id: str, service_id: str, *,
                       fresh: bool = False) -> dict | None:
        """The organization, service and doctor; ``fresh`` asks the catalog now, past any copy
        kept for the hot path."""

    def organization_services(self, organization_id: str) -> list[dict] | None: ...


class AuthPort(Protocol):
    def patient(self, patient_id: str) -> dict | None: ...

    def accept_consent(self, patient_id: str, version: str, channel: str, ip: str | None,
                       user_agent: str | None) -> None:
        """Raises ``ConsentRequired`` when the version is not the current one."""


class BookingUnitOfWork(Protocol):
    """One transaction of booking's database: ``with uow: ...; uow.commit()``. Statements that
    break a uniqueness rule raise ``DuplicateSpecialty`` or ``RecordConflict``."""

    def __enter__(self) -> "BookingUnitOfWork": ...

    def __exit__(self, *exc) -> None: ...

    def commit(self) -> None: ...

    def add_reply(self, actor_id: str, key: str, request_hash: str, status: int, body: dict,
                  appointment_id: str | None) -> None: ...

    def add_appointment(self, row: dict) -> None: ...

    def add_event(self, event_type: str, data: dict) -> None: ...

    def fulfil_waitlist(self, patient_id: str, organization_id: str, service_id: str) -> None: ...

    def add_audit(self, *, actor, action: str, client, appointment_id: str, patient_id: str,
                  organization_id: str) -> None: ...

    def use_referral(self, *, appointment_id: str, patient_id: str, service_id: str,
                     specialty: str, today, referral_id: str | None) -> str | None:
        """Use up a matching active referral (one conditional UPDATE); its id, or None."""


class BookingRecords(Protocol):
    """Reads of booking's database outside a unit of work, and the unit of work itself."""

    def unit_of_work(self) -> BookingUnitOfWork: ...

    def release_past_specialty(self, patient_id: str, specialty: str, now: datetime) -> int:
        """Let the patient's booked appointments of ``specialty`` that ended by ``now`` stop
        holding its place (one conditional UPDATE); how many did."""

    def find_reply(self, actor_id: str, key: str) -> StoredReply | None: ...

    def remember_reply(self, actor_id: str, key: str, request_hash: str, status: int,
                       body: dict) -> StoredReply | None:
        """Store the answer unless one is stored already; returns the one already stored."""

    def appointment_exists(self, appointment_id: str) -> bool: ...
