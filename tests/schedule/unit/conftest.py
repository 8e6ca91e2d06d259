"""Fakes of the schedule's ports (slot store, doctor directory, organizations' settings) for
the use-case unit tests: in memory, each statement with the condition of its SQL twin
(adapters/slot_store.py, hold_store.py, reads.py), a transaction that rolls back on error and
the one-slot-per-appointment unique rule of the database."""
from __future__ import annotations

import copy
from collections import namedtuple
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta, timezone
from types import SimpleNamespace

import pytest

from schedule.domain.bookability import PORTAL_CHANNELS, OrgRules
from schedule.domain.doctors import DoctorInfo
from schedule.ports import ConflictingChange
from schedule.services import HoldLimits, Schedule

ZONE = "Asia/Yekaterinburg"
NOW = datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc)  # 08:00 local, after the day opened
DayCounts = namedtuple("DayCounts", "date interval free blocked")


def at(day: date, hhmm: str) -> datetime:
    """The UTC instant of a local wall time in ZONE (UTC+5)."""
    hours, minutes = map(int, hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), timezone(timedelta(hours=5))) \
        .astimezone(timezone.utc)


class FakeSlotStore:
    def __init__(self):
        self.slots: dict[int, dict] = {}
        self.days: dict[tuple[str, date], dict] = {}
        self.holds: dict[str, dict] = {}
        self.absent: set[tuple[str, date]] = set()
        self.events: list[tuple[str, dict]] = []
        self.doctors: dict[str, tuple[str, str, list[str]]] = {}  # id: (org, zone, services)
        self.transactions = 0

    # --- seeding ----------------------------------------------------------------------------------
    def add_day(self, doctor_id: str, day: date, times: list[str], *, channels=None,
                interval: str = "08:00–14:00", blocked: bool = False) -> list[int]:
        org, zone, services = self.doctors[doctor_id]
        ids = []
        for n, hhmm in enumerate(times):
            slot_id = len(self.slots) + 1
            start = at(day, hhmm)
            self.slots[slot_id] = {
                "id": slot_id, "doctor_id": doctor_id, "organization_id": org,
                "start_utc": start, "end_utc": start + timedelta(minutes=15), "local_date": day,
                "status": "blocked" if blocked else "free",
                "channel": (channels or {}).get(n, "any"), "appointment_id": None,
                "hold_id": None, "hold_expires_at": None, "timezone": zone,
                "service_ids": list(services), "taken_at": None}
            ids.append(slot_id)
        free = sum(1 for i in ids if self.slots[i]["status"] == "free"
                   and self.slots[i]["channel"] in PORTAL_CHANNELS)
        self.days[(doctor_id, day)] = {"interval": interval, "free": free, "blocked": blocked}
        return ids

    def free_count(self, doctor_id: str, day: date) -> int:
        return self.days[(doctor_id, day)]["free"]

    # --- the port -------------------------------------------------------------------------------
    @contextmanager
    def reading(self):
        yield FakeSlotUnit(self)

    def transaction(self, work):
        self.transactions += 1
        saved = copy.deepcopy((self.slots, self.days, self.holds, self.events))
        try:
            return work(FakeSlotUnit(self))
        except BaseException:
            self.slots, self.days, self.holds, self.events = saved
            raise


class FakeSlotUnit:
    def __init__(self, store: FakeSlotStore):
        self.s = store

    def _row(self, slot: dict | None) -> dict | None:
        if slot is None:
            return None
        row = {k: v for k, v in slot.items() if k != "taken_at"}
        row["service_ids"] = list(row["service_ids"])
        return row

    # --- reads ------------------------------------------------------------------------------------
    def day_grid(self, doctor_id, first, last):
        return {day: DayCounts(day, d["interval"], d["free"], d["blocked"])
                for (doc, day), d in self.s.days.items() if doc == doctor_id and first <= day <= last}

    def free_from_now(self, doctor_id, day, now, day_end):
        return sum(1 for x in self.s.slots.values() if x["doctor_id"] == doctor_id
                   and x["local_date"] == day and x["status"] == "free"
                   and now < x["start_utc"] < day_end and x["channel"] in PORTAL_CHANNELS)

    def day_slots(self, doctor_id, begin, end):
        rows = [SimpleNamespace(**{k: x[k] for k in ("id", "start_utc", "end_utc", "status",
                                                      "channel", "hold_expires_at")})
                for x in self.s.slots.values()
                if x["doctor_id"] == doctor_id and begin <= x["start_utc"] < end]
        return sorted(rows, key=lambda r: r.start_utc)

    def reception_free(self, doctor_id, begin, end, now):
        counts: dict[date, int] = {}
        for x in self.s.slots.values():
            free = x["status"] == "free" or (x["status"] == "held"
                                             and x["hold_expires_at"] <= now)
            if (x["doctor_id"] == doctor_id and begin <= x["start_utc"] < end
                    and x["start_utc"] > now and free):
                counts[x["local_date"]] = counts.get(x["local_date"], 0) + 1
        return counts

    # --- slots ------------------------------------------------------------------------------------
    def slot_row(self, slot_id):
        return self._row(self.s.slots.get(slot_id))

    def slot_of_appointment(self, appointment_id):
        return self._row(next((x for x in self.s.slots.values()
                               if x["appointment_id"] == appointment_id), None))

    def takes_between(self, *, since, after_id, until, limit):
        rows = sorted((x["taken_at"], x["id"], x["appointment_id"]) for x in self.s.slots.values()
                      if x["taken_at"] is not None and x["taken_at"] <= until)
        rows = [r for r in rows if since is None or (r[0], r[1]) > (since, after_id)]
        return [{"slot_id": i, "appointment_id": a, "taken_at": t} for t, i, a in rows[:limit]]

    def _takeable(self, slot_id, channel, now):
        x = self.s.slots.get(slot_id)
        ok = x is not None and x["start_utc"] > now and (
            channel == "reception" or x["channel"] in PORTAL_CHANNELS)
        return x if ok else None

    def _occupy(self, x, appointment_id):
        if any(o is not x and o["appointment_id"] == appointment_id
               for o in self.s.slots.values()):
            raise ConflictingChange("one slot per appointment")
        x.update(status="taken", appointment_id=appointment_id, hold_id=None,
                 hold_expires_at=None, taken_at=datetime.now(timezone.utc))

    def take_free(self, slot_id, appointment_id, channel, now, changes):
        x = self._takeable(slot_id, channel, now)
        if x is None or x["status"] != "free":
            return None
        self._occupy(x, appointment_id)
        if x["channel"] in PORTAL_CHANNELS:
            changes[(x["doctor_id"], x["local_date"])] -= 1
        return self._row(x)

    def take_held(self, slot_id, appointment_id, hold_id, channel, now):
        x = self._takeable(slot_id, channel, now)
        if x is None or x["status"] != "held" or not (
                x["hold_expires_at"] <= now or (hold_id and x["hold_id"] == hold_id)):
            return False
        self._occupy(x, appointment_id)
        for h in self.s.holds.values():
            if h["slot_id"] == slot_id:
                h["released"] = True
        return True

    def take(self, slot_id, appointment_id, hold_id, channel, now, changes):
        return (self.take_free(slot_id, appointment_id, channel, now, changes) is not None
                or self.take_held(slot_id, appointment_id, hold_id, channel, now))

    def release(self, slot_id, appointment_id, changes):
        x = self.s.slots.get(slot_id)
        if x is None or x["appointment_id"] != appointment_id:
            return None
        blocked = (x["doctor_id"], x["local_date"]) in self.s.absent
        x.update(status="blocked" if blocked else "free", appointment_id=None, hold_id=None,
                 hold_expires_at=None, taken_at=None)
        if not blocked and x["channel"] in PORTAL_CHANNELS:
            changes[(x["doctor_id"], x["local_date"])] += 1
        return x["status"]

    def hold(self, slot_id, hold_id, expires_at, now, changes):
        x = self.s.slots.get(slot_id)
        if x is None or x["start_utc"] <= now or x["channel"] not in PORTAL_CHANNELS:
            return False
        if x["status"] == "free":
            changes[(x["doctor_id"], x["local_date"])] -= 1
        elif not (x["status"] == "held" and x["hold_expires_at"] <= now):
            return False
        for h in self.s.holds.values():
            if h["slot_id"] == slot_id and h["id"] != hold_id:
                h["released"] = True
        x.update(status="held", hold_id=hold_id, hold_expires_at=expires_at)
        return True

    def unhold(self, slot_id, hold_id, changes):
        x = self.s.slots.get(slot_id)
        if x is None or x["hold_id"] != hold_id or x["status"] != "held":
            return False
        x.update(status="free", hold_id=None, hold_expires_at=None)
        if x["channel"] in PORTAL_CHANNELS:
            changes[(x["doctor_id"], x["local_date"])] += 1
        return True

    def bump_counters(self, changes):
        for key, delta in changes.items():
            self.s.days[key]["free"] += delta

    # --- holds ------------------------------------------------------------------------------------
    def _active(self, now, **match):
        return [h for h in self.s.holds.values() if not h["released"] and h["expires_at"] > now
                and all(h[k] == v for k, v in match.items())]

    def session_holds(self, session_id, now):
        return [SimpleNamespace(id=h["id"], slot_id=h["slot_id"])
                for h in self._active(now, session_id=session_id)]

    def client_holds(self, client_key, now):
        found = self._active(now, client_key=client_key)
        return len(found), min((h["expires_at"] for h in found), default=None)

    def holder_holds(self, holder_id, now):
        found = self._active(now, holder_id=holder_id)
        return len(found), min((h["expires_at"] for h in found), default=None)

    def lock_day(self, doctor_id, day):
        pass

    def day_holds(self, doctor_id, day, now):
        portal = [x for x in self.s.slots.values() if x["doctor_id"] == doctor_id
                  and x["local_date"] == day and x["channel"] in PORTAL_CHANNELS]
        held = [x["hold_expires_at"] for x in portal
                if x["status"] == "held" and x["hold_expires_at"] > now]
        return len(portal), len(held), min(held, default=None)

    def add_hold(self, **values):
        self.s.holds[values["id"]] = {**values, "released": False}

    def get_hold(self, hold_id):
        h = self.s.holds.get(hold_id)
        return SimpleNamespace(slot_id=h["slot_id"], released=h["released"]) if h else None

    def mark_hold_released(self, hold_id):
        self.s.holds[hold_id]["released"] = True

    def add_event(self, event_type, data):
        self.s.events.append((event_type, data))


class FakeDirectory:
    def __init__(self, store: FakeSlotStore):
        self.doctors: dict[str, DoctorInfo] = {}
        self.store = store

    def add(self, doctor_id: str, services=("svc-1",), org="org-1", template=None,
            absences=()) -> DoctorInfo:
        info = DoctorInfo(doctor_id, org, ZONE, frozenset(services), template, tuple(absences))
        self.doctors[doctor_id] = info
        self.store.doctors[doctor_id] = (org, ZONE, list(services))
        return info

    def get(self, doctor_id):
        return self.doctors.get(doctor_id)


class FakeOrgs:
    def __init__(self):
        self.settings: dict[str, dict] = {}

    def rules(self, organization_id, tz):
        return OrgRules.from_settings(tz, self.settings.get(organization_id))


@pytest.fixture
def clock():
    moment = SimpleNamespace(now=NOW)
    return moment


@pytest.fixture
def store():
    return FakeSlotStore()


@pytest.fixture
def directory(store):
    directory = FakeDirectory(store)
    directory.add("doc-1")
    return directory


@pytest.fixture
def orgs():
    return FakeOrgs()


@pytest.fixture
def schedule(store, directory, orgs, clock):
    return Schedule(store, directory, orgs, hold_seconds=300,
                    limits=HoldLimits(per_client=3, per_holder=2, day_percent=20, day_minimum=2),
                    clock=lambda: clock.now)
