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

from sqlalchemy.engine import Connection

from . import earliest_walk as walk_mod
from .adapters import earliest_reads as reads
from .domain import bookability as rules_mod
from .domain.doctors import DoctorInfo

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


def doctors_of(directory, service_ids: frozenset[str]) -> dict[str, DoctorInfo]:
    """The doctors offering any of the services by id, from the directory's snapshot (an index
    by service built once per snapshot)."""
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
    return found


def _window(rules, start: datetime, until: datetime | None, now: datetime) -> Window | None:
    first = max(rules_mod.first_open_date(rules, now), start.astimezone(rules.zone).date())
    last = rules_mod.last_open_date(rules, now)
    if until is not None:
        last = min(last, (until - timedelta(microseconds=1)).astimezone(rules.zone).date())
    return Window(first, last, rules.zone) if first <= last else None


def windows(doctors, orgs, query: Query, now: datetime) -> dict[str, Window]:
    """Each doctor's open window, narrowed by the query's start and until; doctors whose window
    is empty are left out. Computed once per distinct organization rules, and doctors whose
    windows are equal share one Window object (the search groups them by identity)."""
    start = max(query.start or now, now)
    per_org: dict = {}
    per_rules: dict = {}
    canonical: dict = {}
    found = {}
    for info in doctors:
        key = (info.organization_id, info.timezone)
        win = per_org.get(key, per_org)
        if win is per_org:
            rules = orgs.rules(*key)
            if rules not in per_rules:
                win = _window(rules, start, query.until, now)
                per_rules[rules] = canonical.setdefault(win, win) if win is not None else None
            win = per_org[key] = per_rules[rules]
        if win is not None:
            found[info.id] = win
    return found


def dated_counters(conn: Connection, wins: dict[str, Window]):
    """(date, [(doctor, free)]) for each date of the windows in order, read one date at a time
    (the earliest dates usually suffice), only for the doctors whose window covers it."""
    if not wins:
        return
    day = min(w.first for w in wins.values())
    last = max(w.last for w in wins.values())
    while day <= last:
        ids = sorted(d for d, w in wins.items() if w.first <= day <= w.last)
        if ids:
            yield day, reads.day_counters(conn, day, ids)
        day += timedelta(days=1)


def batches(dated, limit: int):
    """Whole dates gathered into batches of doctor-days, each holding at least ``limit`` free
    slots by the counters (the last batch may hold fewer); ``dated`` as ``dated_counters``."""
    batch: list = []
    counted = 0
    for day, counters in dated:
        batch += [(day, doctor_id) for doctor_id, _free in counters]
        counted += sum(free for _doctor, free in counters)
        if batch and counted >= limit:
            yield batch
            batch, counted = [], 0
    if batch:
        yield batch


def free_slots(conn: Connection, batch: list, wins: dict[str, Window], after: datetime,
               until: datetime | None, now: datetime, limit: int) -> list:
    """The first ``limit`` bookable slots of the batch's doctor-days, by start then doctor."""
    ranges = []
    for day, doctor_id in batch:
        zone = wins[doctor_id].zone
        ranges.append((doctor_id, datetime.combine(day, datetime.min.time(), zone),
                       datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)))
    return reads.first_free(conn, ranges, after, until, now, limit)


def counted(conn: Connection, wins: dict[str, Window], after: datetime, until: datetime | None,
            now: datetime, limit: int) -> list:
    """The first ``limit`` bookable slots of the windows' doctors, from the counters: whole
    dates in order, the slots of only as many as the answer needs."""
    found: list = []
    for batch in batches(dated_counters(conn, wins), limit):
        found += free_slots(conn, batch, wins, after, until, now, limit)
        if len(found) >= limit:
            break
    return found


def walked(conn: Connection, win: Window, members: dict[str, Window], after: datetime,
           query: Query, now: datetime, total: int) -> list:
    """The first ``query.limit`` bookable slots of ``members`` (doctors sharing the window
    ``win``) by the walk in start order; where it stopped short, on from the counters."""
    begin = datetime.combine(win.first, datetime.min.time(), win.zone)
    end = datetime.combine(win.last + timedelta(days=1), datetime.min.time(), win.zone)
    if query.until is not None:
        end = min(end, query.until)
    found, key = walk_mod.walk(conn, members, begin, end, after, now, query.limit, total)
    if key is None:
        return found
    # Every match up to key is found: the rest starts at key's start or later (the matches at
    # that very start already found come again and are dropped).
    start = rules_mod.as_utc(key[0])
    later = {d: Window(max(w.first, start.astimezone(w.zone).date()), w.last, w.zone)
             for d, w in members.items()}
    seen = {row.id for row in found}
    more = counted(conn, later, max(after, start - timedelta(microseconds=1)), query.until, now,
                   query.limit)
    return found + [row for row in more if row.id not in seen]


def search(engine, directory, orgs, query: Query, now: datetime) -> list[dict]:
    """The first ``query.limit`` bookable slots, ordered by start time then doctor. Doctors
    sharing a window are walked for in start order where they are many (earliest_walk.py),
    the others read from the counters."""
    doctors = doctors_of(directory, query.service_ids)
    if query.doctor_ids is not None:
        doctors = {d: info for d, info in doctors.items() if d in query.doctor_ids}
    wins = windows(doctors.values(), orgs, query, now)
    if not wins:
        return []
    after = max(query.start or now, now)
    total = len(directory.snapshot.current())
    by_window: dict[int, tuple[Window, dict[str, Window]]] = {}
    for doctor_id, win in wins.items():
        by_window.setdefault(id(win), (win, {}))[1][doctor_id] = win
    found: list = []
    rest: dict[str, Window] = {}
    with engine.connect() as conn:
        for win, members in by_window.values():
            if walk_mod.worth_walking(conn, len(members), total, query.limit):
                found += walked(conn, win, members, after, query, now, total)
            else:
                rest.update(members)
        if rest:
            found += counted(conn, rest, after, query.until, now, query.limit)
    found.sort(key=lambda row: (rules_mod.as_utc(row.start_utc), row.doctor_id))
    return [present(row, doctors[row.doctor_id], wins[row.doctor_id].zone, query.service_ids)
            for row in found[:query.limit]]


def present(row, info: DoctorInfo, zone, service_ids: frozenset[str]) -> dict:
    service_id = min(info.service_ids & service_ids)
    return {"slot_id": str(row.id), "doctor_id": row.doctor_id,
            "organization_id": row.organization_id, "service_id": service_id,
            "date": row.local_date.isoformat(),
            "start": rules_mod.as_utc(row.start_utc).astimezone(zone).isoformat(),
            "end": rules_mod.as_utc(row.end_utc).astimezone(zone).isoformat()}
