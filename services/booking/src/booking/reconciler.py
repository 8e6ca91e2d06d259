"""Settles cross-service steps that crashed half-way, within a minute:

- ``pending`` appointments (schedule timed out or the process died after the insert): booked if
  schedule says the slot is taken by them, else failed;
- ``slot_release_due`` (cancelled or failed ones): release the slot until schedule confirms;
- recently changed ``booked`` ones whose slot in schedule differs (a reschedule whose move
  happened but whose commit did not; such a reschedule touches its row so that it is checked):
  take schedule's slot as the truth; log any mismatch.
"""
from __future__ import annotations

import logging
import threading
from datetime import timedelta

from regcommon.db import utcnow

from . import changes, services
from .adapters import store
from .context import Deps
from .domain.views import as_utc
from .observability import RECONCILED

log = logging.getLogger(__name__)


class Reconciler:
    def __init__(self, deps: Deps, *, settle_after: float = 15.0, interval: float = 10.0):
        self.deps = deps
        self.settle_after = timedelta(seconds=settle_after)
        self.interval = interval
        self._stop = threading.Event()
        self._checked_until = utcnow() - timedelta(minutes=10)

    def run_once(self) -> dict:
        counts = {"booked": 0, "failed": 0, "skipped": 0, "released": 0, "mismatch": 0}
        now = utcnow()  # rows carry real commit times, whatever the business clock says
        with self.deps.engine.connect() as conn:
            pending = store.pending_older_than(conn, now - self.settle_after)
        for row in pending:
            counts[self._settle_pending(row)] += 1
        with self.deps.engine.connect() as conn:
            due = store.release_due(conn)
        for row in due:
            if changes.release_slot(self.deps, row["id"], row["slot_id"]):
                counts["released"] += 1
        counts["mismatch"] = self._check_recent_bookings(now)
        for result, n in counts.items():
            if n:
                RECONCILED.labels(result).inc(n)
        return counts

    def _settle_pending(self, row: dict) -> str:
        try:
            slot = self.deps.schedule.slot_of(row["id"])
        except Exception as exc:  # noqa: BLE001 - schedule down: try again next round
            log.warning("reconciler cannot reach schedule", extra={"error": str(exc)[:200]})
            return "skipped"
        if slot is not None and str(slot.get("id")) == row["slot_id"]:
            services.settle(self.deps, row["id"], None, None)
            log.info("pending appointment settled as booked", extra={"appointment_id": row["id"]})
            return "booked"
        with self.deps.engine.begin() as conn:
            store.change_appointment(conn, row["id"], statuses=("pending",), status="failed",
                                     slot_release_due=True)
        log.info("pending appointment settled as failed", extra={"appointment_id": row["id"]})
        return "failed"

    def _check_recent_bookings(self, now) -> int:
        since, until = self._checked_until, now - self.settle_after
        if until <= since:
            return 0
        with self.deps.engine.connect() as conn:
            rows = store.booked_updated_since(conn, since, until)
        mismatches = 0
        for row in rows:
            try:
                slot = self.deps.schedule.slot_of(row["id"])
                if slot is not None and str(slot.get("id")) != row["slot_id"]:
                    # A reschedule whose move landed but whose answer was lost.
                    changes.adopt_schedule_slot(self.deps, row, slot)
            except Exception:  # noqa: BLE001 - checked again in the next round
                return mismatches
            if slot is None or str(slot.get("id")) != row["slot_id"]:
                mismatches += 1
                log.warning("booked appointment does not hold its slot in schedule",
                            extra={"appointment_id": row["id"], "slot_id": row["slot_id"],
                                   "schedule_slot_id": slot and slot.get("id")})
            self._checked_until = as_utc(row["updated_at"])
        if len(rows) < 200:
            self._checked_until = until
        return mismatches

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # noqa: BLE001 - keep reconciling after a database hiccup
                log.exception("reconciler round failed")
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
