"""«Ближайшее свободное время»: the first free portal slots across a set of doctors.

Read from the per-day counters first (``doctor_days``: which of the doctors' open days still have
free portal slots, in date order), then the slots of only the earliest of those days, bounded by
the index on (doctor, start). The same rules as the day grid and a hold: portal channels only
(the reception quota stays out), never a slot that has started, the organization's first open
date (same-day booking or not) and last open date (the horizon, after ``day_opens_at``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.engine import Connection

from .adapters.directory import DoctorInfo
from .adapters.tables import doctor_days, slots
from .domain import bookability as rules_mod
from .domain.bookability import PORTAL_CHANNELS

MAX_LIMIT = 200  # FHIR $find pages through up to this many
MAX_IDS = 2000


@dataclass(frozen=True)
class Query:
    service_ids: frozenset[str]
    doctor_ids: frozenset[str] | None = None  # None: every doctor of the services
    start: datetime | None = None             # UTC; None: now
    until: datetime | None = None             # UTC, exclusive; None: the horizon
    limit: int = 5


@dataclass(frozen=True)
class Window:
    """One doctor's open dates and zone for this search."""
    first: date
    last: date
    zone: object


def doctors_of(directory, service_ids: frozenset[str]) -> list[DoctorInfo]:
    """The doctors offering any of the services, from the directory's snapshot (an index by
    service built once per snapshot)."""
    snapshot = directory.snapshot
    items = snapshot.current()
    index = snapshot.derived.get(("earliest", "by_service"))
    if index is None:
        index = {}
        for info in items.values():
            for service_id in info.service_ids:
                index.setdefault(service_id, []).append(info)
        snapshot.derived[("earliest", "by_service")] = index
    found: dict[str, DoctorInfo] = {}
    for service_id in sorted(service_ids):
        for info in index.get(service_id, ()):
            found.setdefault(info.id, info)
    return list(found.values())


def windows(doctors: list[DoctorInfo], orgs, query: Query, now: datetime) -> dict[str, Window]:
    """Each doctor's open window, narrowed by the query's start and until; doctors whose window
    is empty are left out."""
    start = max(query.start or now, now)
    found = {}
    for info in doctors:
        rules = orgs.rules(info.organization_id, info.timezone)
        first = max(rules_mod.first_open_date(rules, now), start.astimezone(rules.zone).date())
        last = rules_mod.last_open_date(rules, now)
        if query.until is not None:
            last = min(last, (query.until - timedelta(microseconds=1)).astimezone(rules.zone).date())
        if first <= last:
            found[info.id] = Window(first, last, rules.zone)
    return found


def _grouped(pairs) -> dict:
    groups: dict = {}
    for key, doctor_id in pairs:
        groups.setdefault(key, []).append(doctor_id)
    return groups


def open_days(conn: Connection, wins: dict[str, Window]) -> list[tuple[date, str, int]]:
    """(date, doctor, free) of every day in the windows whose counter shows free portal slots,
    in date order: one indexed range per group of doctors sharing a window."""
    groups = _grouped(((w.first, w.last), doctor_id) for doctor_id, w in wins.items())
    ranges = [and_(doctor_days.c.doctor_id.in_(ids), doctor_days.c.date >= first,
                   doctor_days.c.date <= last) for (first, last), ids in groups.items()]
    query = (select(doctor_days.c.date, doctor_days.c.doctor_id, doctor_days.c.free)
             .where(or_(*ranges), doctor_days.c.free > 0, doctor_days.c.blocked.is_(False))
             .order_by(doctor_days.c.date, doctor_days.c.doctor_id))
    return [tuple(row) for row in conn.execute(query)]


def batches(days: list[tuple[date, str, int]], limit: int):
    """The open days cut into batches of whole dates, each holding at least ``limit`` free slots
    by the counters (the last batch may hold fewer)."""
    batch: list = []
    counted = 0
    for index, (day, doctor_id, free) in enumerate(days):
        batch.append((day, doctor_id))
        counted += free
        last_of_date = index + 1 == len(days) or days[index + 1][0] != day
        if last_of_date and counted >= limit:
            yield batch
            batch, counted = [], 0
    if batch:
        yield batch


FREE_NOW = or_(slots.c.status == "free",
               and_(slots.c.status == "held", slots.c.hold_expires_at <= bindparam("now")))


def free_slots(conn: Connection, batch: list, wins: dict[str, Window], after: datetime,
               until: datetime | None, now: datetime, limit: int) -> list:
    """The first ``limit`` bookable slots of the batch's doctor-days, by start then doctor."""
    groups = _grouped(((day, id(wins[doctor_id].zone)), doctor_id) for day, doctor_id in batch)
    ranges = []
    for (day, _zone), ids in groups.items():
        zone = wins[ids[0]].zone
        begin = datetime.combine(day, datetime.min.time(), zone)
        end = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)
        ranges.append(and_(slots.c.doctor_id.in_(ids), slots.c.start_utc >= begin,
                           slots.c.start_utc < end))
    conditions = [or_(*ranges), slots.c.start_utc > after, slots.c.channel.in_(PORTAL_CHANNELS),
                  FREE_NOW]
    if until is not None:
        conditions.append(slots.c.start_utc < until)
    query = (select(slots.c.id, slots.c.doctor_id, slots.c.organization_id, slots.c.start_utc,
                    slots.c.end_utc, slots.c.local_date)
             .where(*conditions).order_by(slots.c.start_utc, slots.c.doctor_id).limit(limit))
    return conn.execute(query, {"now": now}).all()


def search(engine, directory, orgs, query: Query, now: datetime) -> list[dict]:
    """The first ``query.limit`` bookable slots, ordered by start time then doctor."""
    doctors = doctors_of(directory, query.service_ids)
    if query.doctor_ids is not None:
        doctors = [d for d in doctors if d.id in query.doctor_ids]
    wins = windows(doctors, orgs, query, now)
    if not wins:
        return []
    after = max(query.start or now, now)
    found: list = []
    with engine.connect() as conn:
        days = open_days(conn, wins)
        for batch in batches(days, query.limit):
            found += free_slots(conn, batch, wins, after, query.until, now, query.limit)
            if len(found) >= query.limit:
                break
    found.sort(key=lambda row: (rules_mod.as_utc(row.start_utc), row.doctor_id))
    by_id = {d.id: d for d in doctors}
    return [present(row, by_id[row.doctor_id], wins[row.doctor_id].zone, query.service_ids)
            for row in found[:query.limit]]


def present(row, info: DoctorInfo, zone, service_ids: frozenset[str]) -> dict:
    service_id = min(info.service_ids & service_ids)
    return {"slot_id": str(row.id), "doctor_id": row.doctor_id,
            "organization_id": row.organization_id, "service_id": service_id,
            "date": row.local_date.isoformat(),
            "start": rules_mod.as_utc(row.start_utc).astimezone(zone).isoformat(),
            "end": rules_mod.as_utc(row.end_utc).astimezone(zone).isoformat()}
