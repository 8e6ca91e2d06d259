"""The schedule's slot operations: holds for the portal and the reception, and the internal
take, release and move that the booking service calls, all idempotent. Mixed into
:class:`schedule.services.Schedule`, whose attributes (its ports) they use."""
from __future__ import annotations

import math
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from regcommon.db import utcnow

from .domain import bookability as rules_mod
from .domain.errors import (HoldNotFound, SlotNotFound, SlotStarted, SlotUnavailable,
                            TooManyHolds, TooManyHoldsForDay)
from .ports import ConflictingChange, SlotRow, SlotUnit
from .queries import iso_local


@dataclass(frozen=True)
class HoldLimits:
    """How many holds at once: per client address, per holder, per doctor-day (a share)."""
    per_client: int = 3
    per_holder: int = 2
    day_percent: int = 20
    day_minimum: int = 2


def retry_after(soonest: datetime | None, now: datetime) -> int:
    """Seconds until the soonest of the counted holds expires (at least 1)."""
    if soonest is None:
        return 1
    return max(1, math.ceil((rules_mod.as_utc(soonest) - now).total_seconds()))


class SlotOperations:
    """Holds and slot changes over ``self.store``, ``self.orgs``, ``self.hold_seconds``,
    ``self.limits`` and ``self.clock``."""

    # --- holds ---------------------------------------------------------------------------------

    def hold(self, slot_id: int, client_key: str, session_id: str | None, *, holder: str) -> dict:
        """Hold a portal slot for ``holder`` (a patient id, or "staff:<id>")."""
        now = self.clock()
        # Checked before the transaction (settings may need their own connection); the
        # conditional UPDATE below is what decides, not this read.
        with self.store.reading() as unit:
            slot = self._existing_slot(unit, slot_id)
        org = self.orgs.rules(slot["organization_id"], slot["timezone"])
        if not rules_mod.slot_bookable_online(
                org, day=slot["local_date"], start_utc=slot["start_utc"], status=slot["status"],
                channel=slot["channel"], hold_expires_at=slot["hold_expires_at"], now_utc=now):
            raise SlotUnavailable(slot_id)

        def work(unit: SlotUnit) -> dict:
            changes: Counter = Counter()
            if session_id:  # one hold per session: a new choice replaces the previous one
                for old in unit.session_holds(session_id, now):
                    unit.unhold(old.slot_id, old.id, changes)
                    unit.mark_hold_released(old.id)
            self._check_hold_limits(unit, slot, client_key, holder, now)
            hold_id = str(uuid.uuid4())
            expires = now + timedelta(seconds=self.hold_seconds)
            if not unit.hold(slot_id, hold_id, expires, now, changes):
                raise SlotUnavailable(slot_id)
            unit.add_hold(id=hold_id, slot_id=slot_id, client_key=client_key, holder_id=holder,
                          session_id=session_id, expires_at=expires, created_at=now)
            unit.bump_counters(changes)
            return {"hold_id": hold_id, "expires_at": iso_local(expires, org.zone)}

        return self.store.transaction(work)

    def _check_hold_limits(self, unit: SlotUnit, slot: SlotRow, client_key: str, holder: str,
                           now: datetime) -> None:
        limits = self.limits
        count, soonest = unit.client_holds(client_key, now)
        if count >= limits.per_client:
            raise TooManyHolds(retry_after(soonest, now))
        count, soonest = unit.holder_holds(holder, now)
        if count >= limits.per_holder:
            raise TooManyHolds(retry_after(soonest, now))
        unit.lock_day(slot["doctor_id"], slot["local_date"])
        portal, held, soonest = unit.day_holds(slot["doctor_id"], slot["local_date"], now)
        if held >= rules_mod.day_hold_cap(portal, limits.day_percent, limits.day_minimum):
            raise TooManyHoldsForDay(retry_after(soonest, now))

    def drop_hold(self, hold_id: str) -> None:
        def work(unit: SlotUnit) -> None:
            row = unit.get_hold(hold_id)
            if row is None:
                raise HoldNotFound(hold_id)
            if not row.released:
                changes: Counter = Counter()
                unit.unhold(row.slot_id, hold_id, changes)
                unit.mark_hold_released(hold_id)
                unit.bump_counters(changes)

        self.store.transaction(work)

    # --- internal operations (booking) -------------------------------------------------------

    def slot(self, slot_id: int) -> dict:
        with self.store.reading() as unit:
            return self.present(self._existing_slot(unit, slot_id))

    def appointment_slot(self, appointment_id: str) -> dict | None:
        with self.store.reading() as unit:
            row = unit.slot_of_appointment(appointment_id)
        return self.present(row) if row else None

    def takes(self, *, since: datetime | None, after_id: int, older_than: float,
              limit: int) -> list[dict]:
        """Takes at least ``older_than`` seconds old (real time), after the (since, after_id)
        cursor: the booking reconciler finds among them those that booking never recorded."""
        until = utcnow() - timedelta(seconds=older_than)
        with self.store.reading() as unit:
            rows = unit.takes_between(since=since, after_id=after_id, until=until, limit=limit)
        return [{"slot_id": str(r["slot_id"]), "appointment_id": r["appointment_id"],
                 "taken_at": r["taken_at"].isoformat()} for r in rows]

    def take(self, slot_id: int, appointment_id: str, hold_id: str | None, channel: str) -> dict:
        def work(unit: SlotUnit) -> dict:
            # Should the appointment hold another slot, the unique index refuses this one.
            changes: Counter = Counter()
            now = self.clock()
            won = unit.take_free(slot_id, appointment_id, channel, now, changes)
            if won is not None:  # the rush's common case: one UPDATE answering the facts
                unit.bump_counters(changes)
                return self.present(won)
            slot = self._existing_slot(unit, slot_id)
            if slot["appointment_id"] == appointment_id:
                return self.present(slot)  # a retry: already ours
            if not unit.take_held(slot_id, appointment_id, hold_id, channel, now):
                # A concurrent retry of this same appointment may have won: that is success.
                again = unit.slot_of_appointment(appointment_id)
                if again is not None and again["id"] == slot_id:
                    return self.present(again)
                raise SlotStarted(slot_id) if slot["start_utc"] <= now else SlotUnavailable(slot_id)
            unit.bump_counters(changes)
            return self.present({**slot, "status": "taken", "appointment_id": appointment_id,
                                 "hold_id": None, "hold_expires_at": None})

        return self._unique_guard(work, appointment_id, slot_id)

    def release(self, slot_id: int, appointment_id: str) -> dict:
        def work(unit: SlotUnit) -> dict:
            self._existing_slot(unit, slot_id)
            changes: Counter = Counter()
            status = unit.release(slot_id, appointment_id, changes)
            row = unit.slot_row(slot_id)
            if status == "free":
                self._released_event(unit, row)
            unit.bump_counters(changes)
            return self.present(row)

        return self.store.transaction(work)

    def move(self, appointment_id: str, from_slot: int, to_slot: int, channel: str) -> dict:
        def work(unit: SlotUnit) -> dict:
            mine = unit.slot_of_appointment(appointment_id)
            if mine is not None and mine["id"] == to_slot:
                return self.present(mine)  # already moved: a retry
            self._existing_slot(unit, to_slot)
            if mine is None or mine["id"] != from_slot:
                raise SlotUnavailable(from_slot)
            changes: Counter = Counter()
            status = unit.release(from_slot, appointment_id, changes)
            if status is None:  # a concurrent move got here first
                raise SlotUnavailable(from_slot)
            if not unit.take(to_slot, appointment_id, None, channel, self.clock(), changes):
                raise SlotUnavailable(to_slot)  # rolls back the release too
            if status == "free":
                self._released_event(unit, unit.slot_row(from_slot))
            unit.bump_counters(changes)
            return self.present(unit.slot_row(to_slot))

        return self._unique_guard(work, appointment_id, to_slot)

    # --- helpers -------------------------------------------------------------------------------

    def _unique_guard(self, work, appointment_id: str, slot_id: int) -> dict:
        try:
            return self.store.transaction(work)
        except ConflictingChange:
            # The appointment took a slot concurrently (unique index): ours means success.
            mine = self.appointment_slot(appointment_id)
            if mine is not None and mine["id"] == str(slot_id):
                return mine
            raise SlotUnavailable(slot_id) from None

    def _existing_slot(self, unit: SlotUnit, slot_id: int) -> SlotRow:
        row = unit.slot_row(slot_id)
        if row is None:
            raise SlotNotFound(slot_id)
        return row

    def _released_event(self, unit: SlotUnit, row: SlotRow) -> None:
        zone = rules_mod.OrgRules(timezone=row["timezone"]).zone
        unit.add_event("slot.released", {
            "slot_id": str(row["id"]), "doctor_id": row["doctor_id"],
            "organization_id": row["organization_id"], "service_ids": row["service_ids"],
            "start": iso_local(row["start_utc"], zone), "end": iso_local(row["end_utc"], zone)})

    def present(self, row: SlotRow) -> dict:
        zone = rules_mod.OrgRules(timezone=row["timezone"]).zone
        status = row["status"]
        if status == "held" and row["hold_expires_at"] and row["hold_expires_at"] <= self.clock():
            status = "free"  # an expired hold no longer keeps anyone out
        return {"id": str(row["id"]), "doctor_id": row["doctor_id"],
                "organization_id": row["organization_id"],
                "start": iso_local(row["start_utc"], zone), "end": iso_local(row["end_utc"], zone),
                "date": row["local_date"].isoformat(), "status": status,
                "channel": row["channel"], "appointment_id": row["appointment_id"],
                "service_ids": row["service_ids"]}
