"""Use cases of the schedule: the day grid, a day's slots, holds, and the internal slot
operations (take, release, move) that the booking service calls, all idempotent.

The reads live in :mod:`schedule.queries`, the holds and slot operations in
:mod:`schedule.slot_operations`; :class:`Schedule` joins them over one set of ports
(:mod:`schedule.ports`)."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from regcommon.db import utcnow

from .ports import DoctorDirectoryPort, OrgSettingsPort, SlotStore
from .queries import ScheduleReads
from .slot_operations import HoldLimits, SlotOperations

__all__ = ["HoldLimits", "Schedule"]


class Schedule(ScheduleReads, SlotOperations):
    """The schedule's use cases over the slot store, the doctor directory and the organizations'
    booking settings (``app.py`` builds one per process). ``engine`` is not one of them: only the
    earliest search (``api_earliest`` → ``earliest.search``, not yet over ports) reads it."""

    def __init__(self, store: SlotStore, directory: DoctorDirectoryPort, orgs: OrgSettingsPort,
                 *, hold_seconds: int = 300, limits: HoldLimits = HoldLimits(),
                 clock: Callable[[], datetime] = utcnow, engine: Any = None):
        self.store = store
        self.directory = directory
        self.orgs = orgs
        self.hold_seconds = hold_seconds
        self.limits = limits
        self.clock = clock
        self.engine = engine
