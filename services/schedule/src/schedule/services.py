"""Use cases of the schedule: the day grid, a day's slots, holds, and the internal slot
operations (take, release, move) that the booking service calls, all idempotent."""
from __future__ import annotations

import math
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Callable

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from regcommon.db import utcnow
from regcommon.outbox import add_event

from .adapters import hold_store, reads
from .adapters import slot_store as store
from .adapters.directory import DoctorDirectory, DoctorInfo, OrgSettingsProvider
from .adapters.tables import outbox
from .adapters.tx import in_transaction
from .domain import bookability as rules_mod
from .domain.errors import (DoctorNotFound, HoldNotFound, ServiceNotProvided, SlotNotFound,
                            SlotStarted, SlotUnavailable, TooManyHolds, TooManyHoldsForDay)


def iso_local(value: datetime, zone) -> str:
    return value.astimezone(zone).isoformat()


def local_midnight(day: date, zone) -> datetime:
    """The UTC instant at which ``day`` begins in the organization's zone."""
    return datetime.combine(day, datetime.min.time(), zone).astimezone(timezone.utc)


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


class Schedule:
    def __init__(self, engine: Engine, directory: DoctorDirectory, orgs: OrgSettingsProvider, *,
                 hold_seconds: int = 300, limits: HoldLimits = HoldLimits(),
                 clock: Callable[[], datetime] = utcnow):
        self.engine = engine
        self.directory = directory
        self.orgs = orgs
        self.hold_seconds = hold_seconds
        self.limits = limits
        self.clock = clock

    # --- public reads ------------------------------------------------------------------------

    def doctor(self, doctor_id: str, service_id: str | None) -> DoctorInfo:
        info = self.directory.get(doctor_id)
        if info is None:
            raise DoctorNotFound(doctor_id)
        if service_id is not None and service_id not in info.service_ids:
            raise ServiceNotProvided(service_id)
        return info

    def days(self, doctor_id: str, service_id: str, first: date, last: date, *,
             reception: bool = False) -> list[dict]:
        info = self.doctor(doctor_id, service_id)
        if reception:
            return self._reception_days(info, first, last)
        rules = self.orgs.rules(info.organization_id, info.timezone)
        now = self.clock()
        today = rules_mod.local_now(rules, now).date()
        open_from = rules_mod.first_open_date(rules, now)
        open_to = rules_mod.last_open_date(rules, now)
        with self.engine.connect() as conn:
            rows = reads.day_grid(conn, doctor_id, first, last)
            live_today = None
            if rules.same_day_booking and first <= today <= last and today in rows:
                # Today's counter includes slots that have already started: count live.
                live_today = reads.free_from_now(conn, doctor_id, today, now,
                                                 local_midnight(today + timedelta(days=1), rules.zone))
        items = []
        day = first
        one_day = timedelta(days=1)
        while day <= last:
            row = rows.get(day)
            if row is not None:
                interval = None if row[3] else row[1]
                free = 0 if row[3] else (live_today if day == today and live_today is not None
                                         else row[2])
            else:  # not generated yet (beyond the horizon) or long past: the template says
                interval = (None if info.template is None or info.absent_on(day)
                            else info.template.interval_text(day))
                free = 0
            bookable = interval is not None and free > 0 and open_from <= day <= open_to
            items.append({"date": day.isoformat(), "interval": interval, "bookable": bookable,
                          "free": free})
            day += one_day
        return items

    def _reception_days(self, info: DoctorInfo, first: date, last: date) -> list[dict]:
        """The day grid by the reception rules: free slots of any channel that have not started,
        no horizon or same-day limits (staff only, so a slots query is affordable here)."""
        zone = self.orgs.rules(info.organization_id, info.timezone).zone
        now = self.clock()
        with self.engine.connect() as conn:
            rows = reads.day_grid(conn, info.id, first, last)
            free_by_day = reads.reception_free(conn, info.id, local_midnight(first, zone),
                                               local_midnight(last + timedelta(days=1), zone),
                                               now)
        items = []
        day = first
        while day <= last:
            row = rows.get(day)
            if row is not None:
                interval = None if row[3] else row[1]
                free = 0 if row[3] else free_by_day.get(day, 0)
            else:
                interval = (None if info.template is None or info.absent_on(day)
                            else info.template.interval_text(day))
                free = 0
            items.append({"date": day.isoformat(), "interval": interval,
                          "bookable": interval is not None and free > 0, "free": free})
            day += timedelta(days=1)
        return items

    def day_slots(self, doctor_id: str, service_id: str, day: date, *,
                  reception: bool = False) -> list[dict]:
        info = self.doctor(doctor_id, service_id)
        rules = self.orgs.rules(info.organization_id, info.timezone)
        zone = rules.zone
        begin = local_midnight(day, zone)
        end = local_midnight(day + timedelta(days=1), zone)
        now = self.clock()
        day_open = rules_mod.date_bookable_online(rules, day, now)
        with self.engine.connect() as conn:
            rows = reads.day_slots(conn, doctor_id, begin, end)
        items = []
        for row in rows:
            start = rules_mod.as_utc(row.start_utc)
            held_until = rules_mod.as_utc(row.hold_expires_at)
            if reception:
                bookable = rules_mod.slot_bookable_at_reception(
                    start_utc=start, status=row.status, hold_expires_at=held_until, now_utc=now)
            else:
                bookable = day_open and rules_mod.slot_bookable_online(
                    rules, day=day, start_utc=start, status=row.status, channel=row.channel,
                    hold_expires_at=held_until, now_utc=now)
            items.append({"id": str(row.id), "start": iso_local(start, zone),
                          "end": iso_local(rules_mod.as_utc(row.end_utc), zone),
                          "bookable": bookable})
        return items

    # --- holds ---------------------------------------------------------------------------------

    def hold(self, slot_id: int, client_key: str, session_id: str | None, *, holder: str) -> dict:
        """Hold a portal slot for ``holder`` (a patient id, or "staff:<id>")."""
        now = self.clock()
        # Checked before the transaction (settings may need their own connection); the
        # conditional UPDATE below is what decides, not this read.
        with self.engine.connect() as conn:
            slot = self._existing_slot(conn, slot_id)
        org = self.orgs.rules(slot["organization_id"], slot["timezone"])
        if not rules_mod.slot_bookable_online(
                org, day=slot["local_date"], start_utc=slot["start_utc"], status=slot["status"],
                channel=slot["channel"], hold_expires_at=slot["hold_expires_at"], now_utc=now):
            raise SlotUnavailable(slot_id)

        def work(conn: Connection) -> dict:
            changes: Counter = Counter()
            if session_id:  # one hold per session: a new choice replaces the previous one
                for old in hold_store.session_holds(conn, session_id, now):
                    store.unhold(conn, old.slot_id, old.id, changes)
                    hold_store.mark_released(conn, old.id)
            self._check_hold_limits(conn, slot, client_key, holder, now)
            hold_id = str(uuid.uuid4())
            expires = now + timedelta(seconds=self.hold_seconds)
            if not store.hold(conn, slot_id, hold_id, expires, now, changes):
                raise SlotUnavailable(slot_id)
            hold_store.add(conn, id=hold_id, slot_id=slot_id, client_key=client_key,
                           holder_id=holder, session_id=session_id, expires_at=expires,
                           created_at=now)
            store.bump_counters(conn, changes)
            return {"hold_id": hold_id, "expires_at": iso_local(expires, org.zone)}

        return in_transaction(self.engine, work)

    def _check_hold_limits(self, conn: Connection, slot: dict, client_key: str, holder: str,
                           now: datetime) -> None:
        limits = self.limits
        count, soonest = hold_store.client_holds(conn, client_key, now)
        if count >= limits.per_client:
            raise TooManyHolds(retry_after(soonest, now))
        count, soonest = hold_store.holder_holds(conn, holder, now)
        if count >= limits.per_holder:
            raise TooManyHolds(retry_after(soonest, now))
        hold_store.lock_day(conn, slot["doctor_id"], slot["local_date"])
        portal, held, soonest = hold_store.day_holds(conn, slot["doctor_id"], slot["local_date"],
                                                     now)
        if held >= rules_mod.day_hold_cap(portal, limits.day_percent, limits.day_minimum):
            raise TooManyHoldsForDay(retry_after(soonest, now))

    def drop_hold(self, hold_id: str) -> None:
        def work(conn: Connection) -> None:
            row = hold_store.get(conn, hold_id)
            if row is None:
                raise HoldNotFound(hold_id)
            if not row.released:
                changes: Counter = Counter()
                store.unhold(conn, row.slot_id, hold_id, changes)
                hold_store.mark_released(conn, hold_id)
                store.bump_counters(conn, changes)

        in_transaction(self.engine, work)

    # --- internal operations (booking) -------------------------------------------------------

    def slot(self, slot_id: int) -> dict:
        with self.engine.connect() as conn:
            return self.present(self._existing_slot(conn, slot_id))

    def appointment_slot(self, appointment_id: str) -> dict | None:
        with self.engine.connect() as conn:
            row = store.slot_of_appointment(conn, appointment_id)
        return self.present(row) if row else None

    def takes(self, *, since: datetime | None, after_id: int, older_than: float,
              limit: int) -> list[dict]:
        """Takes at least ``older_than`` seconds old (real time), after the (since, after_id)
        cursor: the booking reconciler finds among them those that booking never recorded."""
        until = utcnow() - timedelta(seconds=older_than)
        with self.engine.connect() as conn:
            rows = store.takes_between(conn, since=since, after_id=after_id, until=until,
                                       limit=limit)
        return [{"slot_id": str(r["slot_id"]), "appointment_id": r["appointment_id"],
                 "taken_at": r["taken_at"].isoformat()} for r in rows]

    def take(self, slot_id: int, appointment_id: str, hold_id: str | None, channel: str) -> dict:
        def work(conn: Connection) -> dict:
            # Should the appointment hold another slot, the unique index refuses this one.
            changes: Counter = Counter()
            now = self.clock()
            won = store.take_free(conn, slot_id, appointment_id, channel, now, changes)
            if won is not None:  # the rush's common case: one UPDATE answering the facts
                store.bump_counters(conn, changes)
                return self.present(won)
            slot = self._existing_slot(conn, slot_id)
            if slot["appointment_id"] == appointment_id:
                return self.present(slot)  # a retry: already ours
            if not store.take_held(conn, slot_id, appointment_id, hold_id, channel, now):
                # A concurrent retry of this same appointment may have won: that is success.
                again = store.slot_of_appointment(conn, appointment_id)
                if again is not None and again["id"] == slot_id:
                    return self.present(again)
                raise SlotStarted(slot_id) if slot["start_utc"] <= now else SlotUnavailable(slot_id)
            store.bump_counters(conn, changes)
            return self.present({**slot, "status": "taken", "appointment_id": appointment_id,
                                 "hold_id": None, "hold_expires_at": None})

        return self._unique_guard(work, appointment_id, slot_id)

    def release(self, slot_id: int, appointment_id: str) -> dict:
        def work(conn: Connection) -> dict:
            self._existing_slot(conn, slot_id)
            changes: Counter = Counter()
            status = store.release(conn, slot_id, appointment_id, changes)
            row = store.slot_row(conn, slot_id)
            if status == "free":
                self._released_event(conn, row)
            store.bump_counters(conn, changes)
            return self.present(row)

        return in_transaction(self.engine, work)

    def move(self, appointment_id: str, from_slot: int, to_slot: int, channel: str) -> dict:
        def work(conn: Connection) -> dict:
            mine = store.slot_of_appointment(conn, appointment_id)
            if mine is not None and mine["id"] == to_slot:
                return self.present(mine)  # already moved: a retry
            self._existing_slot(conn, to_slot)
            if mine is None or mine["id"] != from_slot:
                raise SlotUnavailable(from_slot)
            changes: Counter = Counter()
            status = store.release(conn, from_slot, appointment_id, changes)
            if status is None:  # a concurrent move got here first
                raise SlotUnavailable(from_slot)
            if not store.take(conn, to_slot, appointment_id, None, channel, self.clock(),
                              changes):
                raise SlotUnavailable(to_slot)  # rolls back the release too
            if status == "free":
                self._released_event(conn, store.slot_row(conn, from_slot))
            store.bump_counters(conn, changes)
            return self.present(store.slot_row(conn, to_slot))

        return self._unique_guard(work, appointment_id, to_slot)

    # --- helpers -------------------------------------------------------------------------------

    def _unique_guard(self, work, appointment_id: str, slot_id: int) -> dict:
        try:
            return in_transaction(self.engine, work)
        except IntegrityError:
            # The appointment took a slot concurrently (unique index): ours means success.
            mine = self.appointment_slot(appointment_id)
            if mine is not None and mine["id"] == str(slot_id):
                return mine
            raise SlotUnavailable(slot_id) from None

    def _existing_slot(self, conn: Connection, slot_id: int) -> dict:
        row = store.slot_row(conn, slot_id)
        if row is None:
            raise SlotNotFound(slot_id)
        return row

    def _released_event(self, conn: Connection, row: dict) -> None:
        zone = rules_mod.OrgRules(timezone=row["timezone"]).zone
        add_event(conn, outbox, "slot.released", {
            "slot_id": str(row["id"]), "doctor_id": row["doctor_id"],
            "organization_id": row["organization_id"], "service_ids": row["service_ids"],
            "start": iso_local(row["start_utc"], zone), "end": iso_local(row["end_utc"], zone)})

    def present(self, row: dict) -> dict:
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
