"""Prometheus metrics of the booking service (registered once per process)."""
from __future__ import annotations

from regcommon import metrics

BOOKINGS = metrics.counter("booking_bookings_total", "Booking attempts by outcome", ("outcome",))
RECONCILED = metrics.counter("booking_reconciled_total", "Appointments settled by the reconciler",
                             ("result",))


def count_booking(outcome: str) -> None:
    BOOKINGS.labels(outcome).inc()
