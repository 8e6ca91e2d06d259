"""Cached facts the hot paths need: a doctor's organization, services and template, and the
organization's booking settings (from the catalog, falling back to the copy stored at import)."""
from __future__ import annotations

import json
import logging
import threading
import time
from typing import Callable

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Engine

from regcommon.http import ServiceClient

from ..domain.bookability import OrgRules
from ..domain.doctors import DoctorInfo  # also imported from here, its former home
from ..domain.templates import Template, TemplateInvalid, parse_template
from .tables import absences, doctors, organizations, templates

log = logging.getLogger(__name__)


def template_from_row(row) -> Template | None:
    if row is None or row.slot_minutes is None:
        return None
    try:
        return parse_template({"slot_minutes": row.slot_minutes, "week": json.loads(row.week),
                               "breaks": json.loads(row.breaks),
                               "quota": {"reception_percent": row.reception_percent}})
    except TemplateInvalid:
        log.warning("stored template is invalid", extra={"doctor_id": row.doctor_id})
        return None


class TtlCache:
    """A tiny thread-safe cache with a time to live per entry."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic):
        self.ttl = ttl
        self.clock = clock
        self._data: dict = {}
        self._lock = threading.Lock()

    def get(self, key):
        entry = self._data.get(key)
        if entry is not None and entry[0] > self.clock():
            return entry[1]
        return None

    def put(self, key, value) -> None:
        with self._lock:
            if len(self._data) > 50_000:  # bound memory: forget everything, refill lazily
                self._data.clear()
            self._data[key] = (self.clock() + self.ttl, value)

    def forget(self, key) -> None:
        with self._lock:
            self._data.pop(key, None)


DOCTOR_FACTS = (select(doctors.c.id, doctors.c.organization_id, doctors.c.timezone,
                      doctors.c.service_ids, templates.c.doctor_id,
                      templates.c.slot_minutes, templates.c.week, templates.c.breaks,
                      templates.c.reception_percent)
                .select_from(doctors.outerjoin(templates, templates.c.doctor_id == doctors.c.id)))
ONE_DOCTOR = DOCTOR_FACTS.where(doctors.c.id == bindparam("doctor_id"))
ONE_DOCTOR_ABSENCES = (select(absences.c.doctor_id, absences.c.date_from, absences.c.date_to)
                       .where(absences.c.doctor_id == bindparam("doctor_id")))
ALL_ABSENCES = select(absences.c.doctor_id, absences.c.date_from, absences.c.date_to)


class Snapshot:
    """A whole table's worth of facts read at once by ``load`` and read again as a whole once
    older than ``ttl``, so that readers spread over all of them never pay a query each. While one
    thread reads a new one, the others go on with the previous snapshot (the first is waited for).
    ``values`` derived from an entry (e.g. parsed rules) live as long as the snapshot."""

    def __init__(self, load: Callable[[], dict], ttl: float, clock: Callable[[], float] = time.monotonic):
        self.load = load
        self.ttl = ttl
        self.clock = clock
        self.items: dict = {}
        self.derived: dict = {}
        self._fresh_until: float | None = None
        self._refreshing = threading.Lock()
        self._dropped: set = set()  # while a snapshot is being read

    def current(self) -> dict:
        if self._fresh_until is None or self._fresh_until <= self.clock():
            self._refresh()
        return self.items

    def _refresh(self) -> None:
        if not self._refreshing.acquire(blocking=self._fresh_until is None):
            return
        try:
            if self._fresh_until is not None and self._fresh_until > self.clock():
                return  # another thread refreshed while this one waited
            started = self.clock()
            self._dropped = set()
            items = self.load()
            for key in self._dropped:  # changed while the snapshot was read
                items.pop(key, None)
            if items == self.items:
                self.items = items  # nothing changed (the loader may hand back the same
                # entries, see DoctorDirectory): what was derived from them still holds
            else:
                self.items, self.derived = items, {}
            self._fresh_until = started + self.ttl
        finally:
            self._refreshing.release()

    def drop(self, key) -> None:
        """This entry changed: leave it out until the next snapshot."""
        self._dropped.add(key)
        self.items.pop(key, None)
        self.derived.pop(key, None)


class DoctorDirectory:
    """Every doctor's facts from one :class:`Snapshot` (two queries for the whole region). A
    doctor the snapshot lacks (imported since) or that was :meth:`forget`-ten is read alone."""

    def __init__(self, engine: Engine, ttl: float, clock: Callable[[], float] = time.monotonic):
        self.engine = engine
        self.snapshot = Snapshot(self.load_all, ttl, clock)
        self.cache = TtlCache(ttl, clock)  # doctors read one by one
        self._known: dict = {}  # doctor: (its rows as read, its facts), of the last snapshot

    def get(self, doctor_id: str) -> DoctorInfo | None:
        info = self.snapshot.current().get(doctor_id) or self.cache.get(doctor_id)
        if info is None:
            info = self.load(doctor_id)
            if info is not None:
                self.cache.put(doctor_id, info)
        return info

    def load_all(self) -> dict[str, DoctorInfo]:
        with self.engine.connect() as conn:
            rows = conn.execute(DOCTOR_FACTS).all()
            spans: dict[str, list] = {}
            for doctor_id, first, last in conn.execute(ALL_ABSENCES):
                spans.setdefault(doctor_id, []).append((first, last))
        parsed: dict[tuple, Template | None] = {}  # most doctors share a handful of templates
        # A doctor whose rows read as before keeps its facts object: a snapshot renewed every
        # half minute costs the two queries, not the parsing of the whole region (~0.25 s
        # holding the interpreter for 6,000 doctors), and what was derived from it stays.
        previous, known, found = self._known, {}, {}
        for row in rows:
            raw = (tuple(row), tuple(spans.get(row.id, ())))
            old = previous.get(row.id)
            info = old[1] if old is not None and old[0] == raw else self._info(row, raw[1], parsed)
            known[row.id] = (raw, info)
            found[row.id] = info
        self._known = known
        return found

    def load(self, doctor_id: str) -> DoctorInfo | None:
        with self.engine.connect() as conn:
            row = conn.execute(ONE_DOCTOR, {"doctor_id": doctor_id}).first()
            if row is None:
                return None
            spans = [(a, b) for _d, a, b in conn.execute(ONE_DOCTOR_ABSENCES, {"doctor_id": doctor_id})]
        return self._info(row, spans, {})

    @staticmethod
    def _info(row, spans, parsed: dict) -> DoctorInfo:
        template = None
        if row.doctor_id:  # the template's; none without a template
            key = (row.slot_minutes, row.week, row.breaks, row.reception_percent)
            if key not in parsed:
                parsed[key] = template_from_row(row)
            template = parsed[key]
        return DoctorInfo(id=row.id, organization_id=row.organization_id, timezone=row.timezone,
                          service_ids=frozenset(json.loads(row.service_ids)), template=template,
                          absences=tuple(spans))

    def forget(self, doctor_id: str) -> None:
        """This doctor changed here: read it again on its next use."""
        self.snapshot.drop(doctor_id)
        self.cache.forget(doctor_id)
        self._known.pop(doctor_id, None)


class OrgSettingsProvider:
    """Booking settings per organization: the catalog's current answer for every organization at
    once (one call per ``ttl`` seconds), else the copies stored at import, else the defaults of
    domain.md. An organization missing from the snapshot is asked for alone."""

    def __init__(self, engine: Engine, catalog: ServiceClient | None, ttl: float = 60.0,
                 clock: Callable[[], float] = time.monotonic):
        self.engine = engine
        self.catalog = catalog
        self.snapshot = Snapshot(self._all_settings, ttl, clock)
        self.cache = TtlCache(ttl, clock)

    def rules(self, organization_id: str, timezone: str) -> OrgRules:
        settings = self.snapshot.current().get(organization_id)
        if settings is not None:
            key = (organization_id, timezone)
            rules = self.snapshot.derived.get(key)
            if rules is None:
                made = OrgRules.from_settings(timezone, settings)
                # Equal rules are one object per snapshot: a search over a region's
                # organizations works out each distinct rules' dates once.
                rules = self.snapshot.derived[key] = self.snapshot.derived.setdefault(
                    ("rules", made), made)
            return rules
        rules = self.cache.get(organization_id)
        if rules is None:
            rules = OrgRules.from_settings(timezone, self._settings(organization_id))
            self.cache.put(organization_id, rules)
        return rules

    def _catalog_answer(self, path: str) -> dict | None:
        if self.catalog is None:
            return None
        try:
            answer = self.catalog.get(path, idempotent=False)
            if answer.status == 200:
                return answer.json()
        except Exception as exc:  # noqa: BLE001 - catalog down: use the stored copy
            log.info("catalog settings unavailable", extra={"error": str(exc)[:200]})
        return None

    def _all_settings(self) -> dict[str, dict]:
        answer = self._catalog_answer("/internal/organizations/settings")
        if answer is not None:
            return dict(answer["items"])
        with self.engine.connect() as conn:
            stored = conn.execute(select(organizations.c.id, organizations.c.settings)).all()
        return {org_id: json.loads(text) for org_id, text in stored if text}

    def _settings(self, organization_id: str) -> dict | None:
        answer = self._catalog_answer(f"/internal/organizations/{organization_id}/settings")
        if answer is not None:
            return answer
        with self.engine.connect() as conn:
            stored = conn.execute(select(organizations.c.settings)
                                  .where(organizations.c.id == organization_id)).scalar()
        return json.loads(stored) if stored else None
