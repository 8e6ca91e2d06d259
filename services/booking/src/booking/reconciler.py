"""Settles cross-service steps that crashed half-way, within a minute:

- takes that no booking recorded (the booking process died or its transaction failed after
  schedule took the slot, the take's answer was lost, a give-back failed): listed by schedule
  once ``settle_after`` old; each is claimed here (so that no late booking of it can commit) and
  its slot released;
- ``pending`` appointments (left by the previous design, which recorded them before the take):
  booked if schedule says the slot is taken by them, else failed;
- ``slot_release_due`` (cancelled or failed ones): release the slot until schedule confirms;
- recently changed ``booked`` ones whose slot in schedule differs (a reschedule whose move
  happened but whose commit did not; such a reschedule touches its row so that it is checked):
  take schedule's slot as the truth; log any mismatch.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from regcommon.db import utcnow
from regcommon.outbox import add_event

from . import changes
from .adapters import store
from .adapters.tables import outbox
from .context import Deps
from .domain.views import as_utc, event_data
from .observability import RECONCILED, count_booking

log = logging.getLogger(__name__)

TAKES_PAGE = 500
TAKES_PAGES_PER_ROUND = 20


class Reconciler:
    def __init__(self, deps: Deps, *, settle_after: float = 15.0, interval: float = 10.0,
                 takes_lookback: float = 3600.0,
                 idempotency_retention: timedelta = timedelta(days=7)):
        self.deps = deps
        self.settle_after_seconds = settle_after
        self.settle_after = timedelta(seconds=settle_after)
        self.interval = interval
        self._stop = threading.Event()
        self._checked_until = utcnow() - timedelta(minutes=10)
        # Cursor over schedule's takes: (taken_at as schedule wrote it, slot id).
        self._takes_since: str | None = (utcnow() - timedelta(seconds=takes_lookback)).isoformat()
        self._takes_after = "0"
        self.idempotency_retention = idempotency_retention
        self._pruned_at: datetime | None = None

    def run_once(self) -> dict:
        counts = {"booked": 0, "failed": 0, "skipped": 0, "released": 0, "mismatch": 0,
                  "abandoned": 0}
        now = utcnow()  # rows carry real commit times, whatever the business clock says
        self._abandoned_takes(counts)
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
        self._prune_idempotency_records(now)
        for result, n in counts.items():
            if n:
                RECONCILED.labels(result).inc(n)
        return counts

    def _prune_idempotency_records(self, now: datetime) -> int:
        """Hourly: the table has no index on created_at, and a day's records are few to scan."""
        if self._pruned_at is not None and now - self._pruned_at < timedelta(hours=1):
            return 0
        self._pruned_at = now
        with self.deps.engine.begin() as conn:
            deleted = store.delete_idempotency_records(conn, now - self.idempotency_retention)
        if deleted:
            log.info("old idempotency records deleted", extra={"count": deleted})
        return deleted

    # --- takes no booking recorded -----------------------------------------------------------

    def _abandoned_takes(self, counts: dict) -> None:
        try:
            for _page in range(TAKES_PAGES_PER_ROUND):
                items = self.deps.schedule.takes(since=self._takes_since,
                                                 after_id=self._takes_after,
                                                 older_than=self.settle_after_seconds,
                                                 limit=TAKES_PAGE)
                self._claim_unrecorded(items)
                if items:
                    self._takes_since = items[-1]["taken_at"]
                    self._takes_after = str(items[-1]["slot_id"])
                if len(items) < TAKES_PAGE:
                    break
        except Exception as exc:  # noqa: BLE001 - schedule down: the cursor stays, next round
            log.warning("reconciler cannot list schedule's takes", extra={"error": str(exc)[:200]})
            counts["skipped"] += 1
        with self.deps.engine.connect() as conn:
            due = store.abandoned_takes_due(conn)
        for item in due:
            if self._release_abandoned(item):
                counts["abandoned"] += 1

    def _claim_unrecorded(self, items: list[dict]) -> None:
        ids = [item["appointment_id"] for item in items if item.get("appointment_id")]
        with self.deps.engine.connect() as conn:
            recorded = store.recorded_appointment_ids(conn, ids)
        for item in items:
            if item.get("appointment_id") and item["appointment_id"] not in recorded:
                with self.deps.engine.begin() as conn:
                    store.claim_abandoned_take(conn, item["appointment_id"], str(item["slot_id"]))

    def _release_abandoned(self, item: dict) -> bool:
        appointment_id = item["appointment_id"]
        with self.deps.engine.connect() as conn:
            # The claim lost to a booking that committed first: that take is no orphan.
            booked = bool(store.recorded_appointment_ids(conn, [appointment_id]))
        if not booked:
            try:
                self.deps.schedule.release(item["slot_id"], appointment_id)
            except Exception as exc:  # noqa: BLE001 - retried next round (the claim stays due)
                log.warning("abandoned take not released yet",
                            extra={"appointment_id": appointment_id, "error": str(exc)[:200]})
                return False
            log.info("released a slot no booking recorded",
                     extra={"appointment_id": appointment_id, "slot_id": item["slot_id"]})
        with self.deps.engine.begin() as conn:
            store.abandoned_take_released(conn, appointment_id)
        return not booked

    # --- appointments of the previous design, releases, moved slots --------------------------

    def _settle_pending(self, row: dict) -> str:
        try:
            slot = self.deps.schedule.slot_of(row["id"])
        except Exception as exc:  # noqa: BLE001 - schedule down: try again next round
            log.warning("reconciler cannot reach schedule", extra={"error": str(exc)[:200]})
            return "skipped"
        if slot is not None and str(slot.get("id")) == row["slot_id"]:
            self._book_pending(row["id"])
            log.info("pending appointment settled as booked", extra={"appointment_id": row["id"]})
            return "booked"
        with self.deps.engine.begin() as conn:
            store.change_appointment(conn, row["id"], statuses=("pending",), status="failed",
                                     slot_release_due=True)
        log.info("pending appointment settled as failed", extra={"appointment_id": row["id"]})
        return "failed"

    def _book_pending(self, appointment_id: str) -> None:
        """pending → booked with its event, once."""
        with self.deps.engine.begin() as conn:
            if not store.change_appointment(conn, appointment_id, statuses=("pending",),
                                            status="booked"):
                return
            row = store.get_appointment(conn, appointment_id)
            kind = "staff" if row["channel"] == "reception" else "patient"
            add_event(conn, outbox, "appointment.booked", event_data(row, actor=kind))
            store.fulfil_waitlist(conn, row["patient_id"], row["organization_id"],
                                  row["service_id"])
        count_booking("booked")

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
