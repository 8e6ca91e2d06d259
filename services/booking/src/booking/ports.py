"""What the use cases need from the other services. Real HTTP clients live in
``adapters/peers.py``; tests pass in-memory fakes."""
from __future__ import annotations

from typing import Protocol


class SchedulePort(Protocol):
    def get_slot(self, slot_id: str) -> dict | None: ...

    def take(self, slot_id: str, appointment_id: str, hold_id: str | None, channel: str) -> dict:
        """Raises ``SlotUnavailable`` on 409; ``UpstreamUnavailable`` when schedule is down."""

    def release(self, slot_id: str, appointment_id: str) -> None: ...

    def move(self, appointment_id: str, from_slot_id: str, to_slot_id: str, channel: str) -> dict:
        """Atomic in schedule; raises ``SlotUnavailable`` and nothing changed."""

    def slot_of(self, appointment_id: str) -> dict | None: ...

    def day_slots(self, doctor_id: str, service_id: str, day: str) -> list[dict]: ...


class CatalogPort(Protocol):
    def doctor_context(self, doctor_id: str, service_id: str) -> dict | None: ...

    def organization_services(self, organization_id: str) -> list[dict] | None: ...


class AuthPort(Protocol):
    def patient(self, patient_id: str) -> dict | None: ...

    def accept_consent(self, patient_id: str, version: str, channel: str, ip: str | None,
                       user_agent: str | None) -> None:
        """Raises ``ConsentRequired`` when the version is not the current one."""
