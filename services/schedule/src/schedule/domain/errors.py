"""Business errors of the schedule, mapped to HTTP in one place (``schedule.api_errors``)."""
from __future__ import annotations


class ScheduleError(Exception):
    """Base class of the schedule's business errors."""


class SlotUnavailable(ScheduleError):
    """The slot is taken, held by someone else, blocked, in the past or of another channel."""


class SlotStarted(SlotUnavailable):
    """A take of a slot whose time has come: booking answers ``in_the_past``."""


class SlotNotFound(ScheduleError):
    pass


class DoctorNotFound(ScheduleError):
    pass


class ServiceNotProvided(ScheduleError):
    pass


class HoldNotFound(ScheduleError):
    pass


class TooManyHolds(ScheduleError):
    def __init__(self, retry_after: int):
        super().__init__("too many holds")
        self.retry_after = retry_after


class TooManyHoldsForDay(ScheduleError):
    """The doctor-day already has as many holds as its cap allows (see bookability.day_hold_cap)."""

    def __init__(self, retry_after: int):
        super().__init__("too many holds for the day")
        self.retry_after = retry_after


class AbsenceNotFound(ScheduleError):
    pass
