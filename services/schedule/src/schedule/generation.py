"""Slot generation over the rolling horizon, in bulk.

A doctor's day is generated once: its ``doctor_days`` row and its slots are written in the same
transaction, and a day that already has a row is skipped, so ``generate`` is idempotent and cheap
to repeat (the worker runs it regularly; the unique (doctor_id, start_utc) key is the backstop).
"""
from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.engine import Connection, Engine

from regcommon.db import utcnow

from .adapters import slot_store as store
from .adapters.directory import OrgSettingsProvider, template_from_row
from .adapters.tables import absences, doctor_days, doctors, slots, templates
from .adapters.upsert import insert_ignore
from .domain.bookability import OrgRules, as_utc, local_now
from .domain.templates import Template, plan_day

log = logging.getLogger(__name__)
BATCH_DOCTORS = 300


@dataclass
class GenerateResult:
    days: int = 0
    slots: int = 0
    elapsed: float = 0.0


@dataclass
class Doctor:
    id: str
    organization_id: str
    timezone: str
    template: Template | None
    absences: list[tuple[date, date]]

    def absent_on(self, day: date) -> bool:
        return any(a <= day <= b for a, b in self.absences)


def load_doctors(conn: Connection, doctor_ids: list[str] | None = None) -> list[Doctor]:
    query = (select(doctors.c.id, doctors.c.organization_id, doctors.c.timezone,
                    templates.c.doctor_id, templates.c.slot_minutes, templates.c.week,
                    templates.c.breaks, templates.c.reception_percent)
             .select_from(doctors.outerjoin(templates, templates.c.doctor_id == doctors.c.id))
             .order_by(doctors.c.id))
    spans_query = select(absences.c.doctor_id, absences.c.date_from, absences.c.date_to)
    if doctor_ids is not None:
        query = query.where(doctors.c.id.in_(doctor_ids))
        spans_query = spans_query.where(absences.c.doctor_id.in_(doctor_ids))
    spans = defaultdict(list)
    for row in conn.execute(spans_query):
        spans[row.doctor_id].append((row.date_from, row.date_to))
    return [Doctor(row.id, row.organization_id, row.timezone,
                   template_from_row(row) if row.doctor_id else None, spans[row.id])
            for row in conn.execute(query)]


def day_rows(doctor: Doctor, rules: OrgRules, day: date, *,
             skip: list[tuple[datetime, datetime]] = ()) -> tuple[dict, list[dict]]:
    """The doctor_days row and slot rows of one doctor-day (slots overlapping ``skip`` left out:
    slots kept through a regeneration)."""
    template = doctor.template
    blocked = doctor.absent_on(day)
    planned = plan_day(template, day, rules.zone) if template else []
    if skip:
        planned = [p for p in planned
                   if not any(p.start_utc < b and a < p.end_utc for a, b in skip)]
    status = "blocked" if blocked else "free"
    slot_rows = [{"doctor_id": doctor.id, "organization_id": doctor.organization_id,
                  "start_utc": p.start_utc, "end_utc": p.end_utc, "local_date": day,
                  "status": status, "channel": p.channel, "appointment_id": None,
                  "hold_id": None, "hold_expires_at": None, "version": 0} for p in planned]
    free = 0 if blocked else sum(1 for p in planned if p.channel != "reception")
    day_row = {"doctor_id": doctor.id, "date": day,
               "interval": template.interval_text(day) if template else None,
               "total": len(planned), "free": free, "blocked": blocked}
    return day_row, slot_rows


def horizon_dates(rules: OrgRules, now: datetime, days: int | None) -> list[date]:
    """Today through today + horizon + 1: the day after the next opening is ready ahead."""
    today = local_now(rules, now).date()
    count = days if days is not None else rules.booking_horizon_days + 1
    return [today + timedelta(days=i) for i in range(count + 1)]


def generate(engine: Engine, orgs: OrgSettingsProvider, *, days: int | None = None,
             doctor_ids: list[str] | None = None, now: datetime | None = None) -> GenerateResult:
    started = time.perf_counter()
    now = now or utcnow()
    result = GenerateResult()
    with engine.connect() as conn:
        everyone = load_doctors(conn, doctor_ids)
    for i in range(0, len(everyone), BATCH_DOCTORS):
        batch = everyone[i:i + BATCH_DOCTORS]
        wanted = {d.id: horizon_dates(orgs.rules(d.organization_id, d.timezone), now, days)
                  for d in batch}
        low = min(min(v) for v in wanted.values())
        with engine.begin() as conn:
            have = set(conn.execute(select(doctor_days.c.doctor_id, doctor_days.c.date).where(
                doctor_days.c.doctor_id.in_(list(wanted)), doctor_days.c.date >= low)).all())
            day_batch, slot_batch = [], []
            for doctor in batch:
                rules = orgs.rules(doctor.organization_id, doctor.timezone)
                for day in wanted[doctor.id]:
                    if (doctor.id, day) in have:
                        continue
                    day_row, slot_rows = day_rows(doctor, rules, day)
                    day_batch.append(day_row)
                    slot_batch.extend(slot_rows)
            insert_ignore(conn, slots, slot_batch)
            insert_ignore(conn, doctor_days, day_batch)
        result.days += len(day_batch)
        result.slots += len(slot_batch)
    result.elapsed = time.perf_counter() - started
    log.info("slots generated", extra={"days": result.days, "slots": result.slots,
                                       "elapsed": round(result.elapsed, 2)})
    return result


def regenerate_doctor(engine: Engine, orgs: OrgSettingsProvider, doctor_id: str,
                      now: datetime | None = None) -> GenerateResult:
    """Rebuild a doctor's future days (from tomorrow) from the current template. Taken and held
    slots stay where they are; new slots that would overlap them are left out."""
    now = now or utcnow()
    result = GenerateResult()
    with engine.connect() as conn:
        found = load_doctors(conn, [doctor_id])
    if not found:
        return result
    doctor = found[0]
    rules = orgs.rules(doctor.organization_id, doctor.timezone)
    with engine.begin() as conn:
        dates = horizon_dates(rules, now, None)[1:]
        start = dates[0]
        conn.execute(delete(slots).where(slots.c.doctor_id == doctor_id,
                                         slots.c.local_date >= start,
                                         slots.c.status.in_(("free", "blocked")),
                                         slots.c.appointment_id.is_(None)))
        conn.execute(delete(doctor_days).where(doctor_days.c.doctor_id == doctor_id,
                                               doctor_days.c.date >= start))
        kept = defaultdict(list)
        for row in conn.execute(select(slots.c.local_date, slots.c.start_utc, slots.c.end_utc)
                                .where(slots.c.doctor_id == doctor_id,
                                       slots.c.local_date >= start)):
            kept[row.local_date].append((as_utc(row.start_utc), as_utc(row.end_utc)))
        for day in dates:
            day_row, slot_rows = day_rows(doctor, rules, day, skip=kept.get(day, []))
            insert_ignore(conn, slots, slot_rows)
            insert_ignore(conn, doctor_days, [day_row])
            store.recount_day(conn, doctor_id, day)
            result.days += 1
            result.slots += len(slot_rows)
    return result
