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
    # The RFC 8693 ``act`` claim of a token to act for a linked person (issue 12): the holder
    # ({"sub", "name"}) who acts for the patient ``id`` names.
    acted_by: dict | None = None

    @property
    def audited(self) -> bool:
        """Staff changes are audited, and so is everything done for a linked person."""
        return self.is_staff or self.acted_by is not None

    @property
    def audit_actor(self) -> "Actor":
        """Who the audit names: the holder (role ``proxy``) when acting for a linked person."""
        if self.acted_by is None:
            return self
        return Actor(id=str(self.acted_by.get("sub") or ""), role="proxy",
                     name=self.acted_by.get("name") or None)

    @property
    def event_extra(self) -> dict | None:
        """What appointment events add about the actor: the holder acting for the patient."""
        return {"acted_by": str(self.acted_by.get("sub"))} if self.acted_by else None

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
