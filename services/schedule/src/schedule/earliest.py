"""«Ближайшее свободное время»: the first free portal slots across a set of doctors.

Read from the per-day counters first (``doctor_days``: which of the doctors' open days still have
free portal slots, in date order), then the slots of only the earliest of those days, bounded by
the index on (doctor, start). Where the doctors of one window are many (a whole region's
therapists), walk the region's bookable slots in start order instead (earliest_walk.py): that
reads a few slots, not every doctor's day. The same rules as the day grid and a hold: portal
channels only (the reception quota stays out), never a slot that has started, the
organization's first open date (same-day booking or not) and last open date (the horizon, after
``day_opens_at``).
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


class Windows:
    """The open window of each (organization, timezone) for one search: computed once per
    distinct organization rules (the search groups doctors by equal windows)."""

    def __init__(self, orgs, query: Query, now: datetime):
        self.orgs, self.until, self.now = orgs, query.until, now
        self.start = max(query.start or now, now)
        self._per_org: dict = {}
        self._per_rules: dict = {}

    def of(self, organization_id: str, timezone: str) -> Window | None:
        key = (organization_id, timezone)
        if key in self._per_org:
            return self._per_org[key]
        rules = self.orgs.rules(organization_id, timezone)  # a frozen, hashable value
        if rules not in self._per_rules:
            self._per_rules[rules] = self._window(rules)
        win = self._per_org[key] = self._per_rules[rules]
        return win

    def _window(self, rules) -> Window | None:
        first = max(rules_mod.first_open_date(rules, self.now),
                    self.start.astimezone(rules.zone).date())
        last = rules_mod.last_open_date(rules, self.now)
        if self.until is not None:
            last = min(last, (self.until - timedelta(microseconds=1)).astimezone(rules.zone).date())
        if first > last:
            return None
        return Window(first, last, rules.zone)


def windows(doctors, orgs, query: Query, now: datetime) -> dict[str, Window]:
    """Each doctor's open window, narrowed by the query's start and until; doctors whose window
    is empty are left out."""
    of = Windows(orgs, query, now).of
    found = {}
    for info in doctors:
        win = of(info.organization_id, info.timezone)
        if win is not None:
            found[info.id] = win
    return found


INDEX = ("earliest", "by_service")


def service_index(directory) -> tuple[dict, dict[str, DoctorInfo]]:
    """(by service: ((organization, timezone, doctor ids), ...), doctors by id) of the
    directory's snapshot, built once per snapshot: a search then handles one entry per
    organization, not one per doctor."""
    snapshot = directory.snapshot
    items = snapshot.current()
    index = snapshot.derived.get(INDEX)
    if index is None:
        grouped: dict = {}
        for info in items.values():
            for service_id in info.service_ids:
                grouped.setdefault(service_id, {}).setdefault(
                    (info.organization_id, info.timezone), []).append(info.id)
        index = snapshot.derived[INDEX] = (
            {s: tuple((o, tz, frozenset(ids)) for (o, tz), ids in by_org.items())
             for s, by_org in grouped.items()}, dict(items))
    return index


def groups(by_service: dict, orgs, query: Query, now: datetime) -> list[tuple[Window, set]]:
    """The doctors of the query's services (those of ``query.doctor_ids`` only, if given) by
    their open window; empty windows left out."""
    of = Windows(orgs, query, now).of
    found: dict[Window, set] = {}
    for service_id in query.service_ids:
        for organization_id, timezone, ids in by_service.get(service_id, ()):
            win = of(organization_id, timezone)
            if win is not None:
                found.setdefault(win, set()).update(ids)
    if query.doctor_ids is not None:
        for members in found.values():
            members.intersection_update(query.doctor_ids)
    return [(win, members) for win, members in found.items() if members]


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
    bounds: dict = {}
    ranges = []
    for day, doctor_id in batch:
        zone = wins[doctor_id].zone
        span = bounds.get((day, zone))
        if span is None:
            span = bounds[(day, zone)] = (
                datetime.combine(day, datetime.min.time(), zone),
                datetime.combine(day + timedelta(days=1), datetime.min.time(), zone))
        ranges.append((doctor_id, day, *span))
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


def walked(conn: Connection, win: Window, members: set, after: datetime, query: Query,
           now: datetime, total: int) -> list:
    """The first ``query.limit`` bookable slots of ``members`` (doctors sharing the window
    ``win``) by the walk in start order; where it stopped short, on from the counters."""
    begin = datetime.combine(win.first, datetime.min.time(), win.zone)
    end = datetime.combine(win.last + timedelta(days=1), datetime.min.time(), win.zone)
    if query.until is not None:
        end = min(end, query.until)
    found, stop = walk_mod.walk(conn, members, begin, end, after, now, query.limit, total)
    if stop is None:
        return found
    # Every match up to the slot read last is found: the rest starts at its start or later (the
    # matches at that very start already found come again and are dropped).
    start = rules_mod.as_utc(stop)
    later = Window(max(win.first, start.astimezone(win.zone).date()), win.last, win.zone)
    seen = {row.id for row in found}
    more = counted(conn, dict.fromkeys(members, later), max(after, start - timedelta(
        microseconds=1)), query.until, now, query.limit)
    return found + [row for row in more if row.id not in seen]


def _reading(engine):
    """A connection for the search's reads. On PostgreSQL without a transaction: the walk is
    one statement, and BEGIN and ROLLBACK would be two more round trips (SQLite's connections
    begin with ``BEGIN IMMEDIATE`` of their own, regcommon.db)."""
    conn = engine.connect()
    if conn.dialect.name == "postgresql":
        conn.execution_options(isolation_level="AUTOCOMMIT")
    return conn


def search(engine, directory, orgs, query: Query, now: datetime) -> list[dict]:
    """The first ``query.limit`` bookable slots, ordered by start time then doctor. Doctors
    sharing a window are walked for in start order where they are many (earliest_walk.py),
    the others read from the counters."""
    by_service, infos = service_index(directory)
    wanted = groups(by_service, orgs, query, now)
    if not wanted:
        return []
    after = max(query.start or now, now)
    found: list = []  # (slot row, window)
    rest: dict[str, Window] = {}
    with _reading(engine) as conn:
        for win, members in wanted:
            if walk_mod.worth_walking(conn, len(members), len(infos), query.limit):
                found += [(row, win) for row in walked(conn, win, members, after, query, now,
                                                       len(infos))]
            else:
                rest.update(dict.fromkeys(members, win))
        if rest:
            found += [(row, rest[row.doctor_id])
                      for row in counted(conn, rest, after, query.until, now, query.limit)]
    found.sort(key=lambda pair: (rules_mod.as_utc(pair[0].start_utc), pair[0].doctor_id))
    return [present(row, infos[row.doctor_id], win.zone, query.service_ids)
            for row, win in found[:query.limit]]


def present(row, info: DoctorInfo, zone, service_ids: frozenset[str]) -> dict:
    service_id = min(info.service_ids & service_ids)
    return {"slot_id": str(row.id), "doctor_id": row.doctor_id,
            "organization_id": row.organization_id, "service_id": service_id,
            "date": row.local_date.isoformat(),
            "start": rules_mod.as_utc(row.start_utc).astimezone(zone).isoformat(),
            "end": rules_mod.as_utc(row.end_utc).astimezone(zone).isoformat()}
