"""``python -m schedule worker``: expires holds, keeps the horizon generated, and writes
``slots.opened`` when an organization's newest day opens (``day_opens_at``, local time)."""
from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from regcommon.db import utcnow
from regcommon.outbox import add_event

from .adapters import slot_store as store
from .adapters.directory import OrgSettingsProvider
from .adapters.tables import day_openings, doctor_days, doctors, outbox
from .domain.bookability import last_open_date, local_now
from .generation import generate

log = logging.getLogger(__name__)


def expire_holds(engine: Engine, now: datetime | None = None) -> int:
    total = 0
    while True:
        with engine.begin() as conn:
            freed = store.expire_holds(conn, now or utcnow())
        total += freed
        if freed < 1000:
            return total


def prune_holds(engine: Engine, keep: timedelta, now: datetime | None = None) -> int:
    """Delete holds expired longer than ``keep`` ago: they name a patient and an address."""
    with engine.begin() as conn:
        return store.delete_expired_holds(conn, (now or utcnow()) - keep)


def open_days(engine: Engine, orgs: OrgSettingsProvider, now: datetime | None = None) -> int:
    """For every organization whose newest day has opened, write one ``slots.opened`` per working
    doctor, once (the day_openings key makes a repeat a no-op). Returns events written."""
    now = now or utcnow()
    written = 0
    with engine.connect() as conn:
        org_zones = conn.execute(select(doctors.c.organization_id, doctors.c.timezone)
                                 .distinct()).all()
    for org_id, tz in org_zones:
        rules = orgs.rules(org_id, tz)
        newest = last_open_date(rules, now)
        if newest != local_now(rules, now).date() + timedelta(days=rules.booking_horizon_days):
            continue  # before day_opens_at: today's newest day is not open yet
        with engine.begin() as conn:
            seen = conn.execute(select(day_openings.c.date).where(
                day_openings.c.organization_id == org_id, day_openings.c.date == newest)).first()
            if seen is not None:
                continue
            conn.execute(insert(day_openings).values(organization_id=org_id, date=newest,
                                                     opened_at=now))
            working = conn.execute(
                select(doctor_days.c.doctor_id)
                .join(doctors, doctors.c.id == doctor_days.c.doctor_id)
                .where(doctors.c.organization_id == org_id, doctor_days.c.date == newest,
                       doctor_days.c.free > 0, doctor_days.c.blocked.is_(False))
                .order_by(doctor_days.c.doctor_id)).scalars().all()
            for doctor_id in working:
                add_event(conn, outbox, "slots.opened", {"doctor_id": doctor_id,
                                                         "organization_id": org_id,
                                                         "date": newest.isoformat()})
            written += len(working)
    return written


class Worker:
    def __init__(self, engine: Engine, orgs: OrgSettingsProvider, *, tick: float = 15.0,
                 generate_every: float = 600.0, hold_retention: timedelta = timedelta(days=1)):
        self.engine = engine
        self.orgs = orgs
        self.tick = tick
        self.generate_every = generate_every
        self.hold_retention = hold_retention
        self._stop = threading.Event()
        self._last_generated = 0.0

    def run_once(self) -> None:
        expired = expire_holds(self.engine)
        if expired:
            log.info("holds expired", extra={"count": expired})
        if time.monotonic() - self._last_generated >= self.generate_every:
            generate(self.engine, self.orgs)
            self._last_generated = time.monotonic()
            pruned = prune_holds(self.engine, self.hold_retention)
            if pruned:
                log.info("old holds deleted", extra={"count": pruned})
        opened = open_days(self.engine, self.orgs)
        if opened:
            log.info("days opened", extra={"events": opened})

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # noqa: BLE001 - keep the loop alive; the next tick retries
                log.exception("schedule worker tick failed")
            self._stop.wait(self.tick)

    def stop(self) -> None:
        self._stop.set()
