"""Small value objects passed from the API to the use cases."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from sqlalchemy.engine import Engine

STAFF_ROLES = ("registrar", "admin")


@dataclass(frozen=True)
class Actor:
    id: str
    role: str
    organization_id: str | None = None
    name: str | None = None

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
    """Everything a use case talks to."""
    engine: Engine
    schedule: object
    catalog: object
    auth: object
    clock: Callable[[], datetime]
    settings: object
    extra: dict = field(default_factory=dict)
