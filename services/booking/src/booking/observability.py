"""Prometheus metrics of the booking service (registered once per process)."""
from __future__ import annotations

from regcommon import metrics

BOOKINGS = metrics.counter("booking_bookings_total", "Booking attempts by outcome", ("outcome",))
RECONCILED = metrics.counter("booking_reconciled_total", "Appointments settled by the reconciler",
                             ("result",))


def count_booking(outcome: str) -> None:
    BOOKINGS.labels(outcome).inc()


ATTENDANCE_MARKS = metrics.counter("registratura_attendance_marks_total",
                                   "Attendance marks by the reception", ("result",))
SUSPENSIONS = metrics.counter("registratura_booking_suspensions_total",
                              "Online booking suspensions of the no-show rule, started or lifted",
                              ("event",))


def count_attendance(result: str) -> None:
    ATTENDANCE_MARKS.labels(result).inc()


def count_suspension(event: str) -> None:
    SUSPENSIONS.labels(event).inc()
