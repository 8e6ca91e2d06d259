"""Small value objects passed from the API to the use cases."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Callable

from sqlalchemy.engine import Engine

from .inputs import PatientFacts

if TYPE_CHECKING:  # types only: the ports import nothing back from here
    from .ports import AuthPort, BookingRecords, CatalogPort, SchedulePort
    from .settings import BookingSettings

STAFF_ROLES = ("registrar", "admin")


@dataclass(frozen=True)
class Actor:
    id: str
    role: str
    organization_id: str | None = None
    name: str | None = None
    patient: PatientFacts | None = None  # a patient's own facts, from the token's claims

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def kind(self) -> str:
        """The ``actor`` of appointment events."""
        return "staff" if self.is_staff else "patient"

    @property
    def channel(self) -> str:
        return "reception" if self.is_staff else "portal"

    def may_act_in(self, organization_id: str) -> bool:
        """Admins act everywhere (null organization); registrars in their own organization."""
        if self.role == "admin":
            return self.organization_id in (None, "", organization_id)
        if self.role == "registrar":
            return self.organization_id == organization_id
        return False


@dataclass(frozen=True)
class ClientInfo:
    ip: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict
    replayed: bool = False
    stored: bool = False  # already saved under its Idempotency-Key (in the use case's transaction)


@dataclass
class Deps:
    """Everything a use case talks to. ``engine`` serves the use cases not yet moved behind
    ``records`` (cancel, reschedule, the waiting list)."""
    engine: Engine
    schedule: "SchedulePort"
    catalog: "CatalogPort"
    auth: "AuthPort"
    records: "BookingRecords"
    clock: Callable[[], datetime]
    settings: "BookingSettings"
    extra: dict = field(default_factory=dict)
