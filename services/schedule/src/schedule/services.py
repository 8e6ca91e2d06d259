"""Use cases of the schedule: the day grid, a day's slots, holds, and the internal slot
operations (take, release, move) that the booking service calls, all idempotent.

The reads live in :mod:`schedule.queries`, the holds and slot operations in
:mod:`schedule.slot_operations`; :class:`Schedule` joins them over one set of dependencies."""
from __future__ import annotations

from datetime import datetime
from typing import Callable

from sqlalchemy.engine import Engine

from regcommon.db import utcnow

from .adapters.directory import DoctorDirectory, OrgSettingsProvider
from .queries import ScheduleReads
from .slot_operations import HoldLimits, SlotOperations


class Schedule(ScheduleReads, SlotOperations):
    """The schedule's use cases over the database, the doctor directory and the organizations'
    booking settings (``app.py`` builds one per process)."""

    def __init__(self, engine: Engine, directory: DoctorDirectory, orgs: OrgSettingsProvider, *,
                 hold_seconds: int = 300, limits: HoldLimits = HoldLimits(),
                 clock: Callable[[], datetime] = utcnow):
        self.engine = engine
        self.directory = directory
        self.orgs = orgs
        self.hold_seconds = hold_seconds
        self.limits = limits
        self.clock = clock
