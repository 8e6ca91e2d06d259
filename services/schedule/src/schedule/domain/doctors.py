"""A doctor's facts as the schedule's reads need them: organization, zone, services, template
and absences (read by ``adapters/directory.py``, used by the day grid and the earliest search)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .templates import Template


@dataclass(frozen=True)
class DoctorInfo:
    id: str
    organization_id: str
    timezone: str
    service_ids: frozenset[str]
    template: Template | None
    absences: tuple[tuple[date, date], ...]

    def absent_on(self, day: date) -> bool:
        return any(start <= day <= end for start, end in self.absences)
