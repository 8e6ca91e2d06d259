"""Staff schedule management: templates, absences (blocking days), reception quotas."""
from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Callable

from sqlalchemy import and_, delete, select, update
from sqlalchemy.engine import Connection, Engine

from regcommon.db import utcnow
from regcommon.errors import ApiError
from regcommon.outbox import add_event

from .adapters.tx import in_transaction

from .adapters import slot_store as store
from .adapters.directory import DoctorDirectory, OrgSettingsProvider
from .adapters.tables import absences, doctor_days, doctors, outbox, slots, templates
from .adapters.upsert import upsert
from .domain.bookability import local_now
from .domain.errors import AbsenceNotFound, DoctorNotFound
from .domain.templates import Template, reception_flags
from .generation import regenerate_doctor
from .importer import template_row

MAX_ABSENCE_DAYS = 366


class ScheduleAdmin:
    def __init__(self, engine: Engine, directory: DoctorDirectory, orgs: OrgSettingsProvider,
                 clock: Callable[[], datetime] = utcnow):
        self.engine = engine
        self.directory = directory
        self.orgs = orgs
        self.clock = clock

    def authorize(self, claims: dict, doctor_id: str):
        """Admins manage every doctor; a registrar only the doctors of their organization."""
        info = self.directory.load(doctor_id)
        if info is None:
            raise DoctorNotFound(doctor_id)
        if claims.get("role") == "registrar" and claims.get("organization_id") != info.organization_id:
            raise ApiError(403, "forbidden", "Можно управлять расписанием только своей организации")
        return info

    def template(self, doctor_id: str) -> dict:
        info = self.directory.load(doctor_id)
        template = info.template or Template()
        return {"doctor_id": doctor_id, **template.to_json()}

    def put_template(self, doctor_id: str, template: Template) -> dict:
        with self.engine.begin() as conn:
            upsert(conn, templates, [template_row(doctor_id, template, self.clock())],
                   ["doctor_id"])
        self.directory.forget(doctor_id)
        return self.template(doctor_id)

    def regenerate(self, doctor_id: str) -> dict:
        result = regenerate_doctor(self.engine, self.orgs, doctor_id, self.clock())
        self.directory.forget(doctor_id)
        return {"doctor_id": doctor_id, "days": result.days, "slots": result.slots}

    # --- absences ------------------------------------------------------------------------------

    def absences(self, doctor_id: str) -> list[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(absences).where(absences.c.doctor_id == doctor_id)
                                .order_by(absences.c.date_from)).mappings().all()
        return [present_absence(r) for r in rows]

    def add_absence(self, doctor_id: str, first: date, last: date, reason: str) -> dict:
        info = self.directory.load(doctor_id)
        absence_id = str(uuid.uuid4())
        row = {"id": absence_id, "doctor_id": doctor_id, "date_from": first, "date_to": last,
               "reason": reason, "created_at": self.clock()}

        def work(conn: Connection) -> dict:
            # Retried whole after a deadlock with a release or another edit of this doctor.
            _lock_absences_of(conn, doctor_id)
            if conn.dialect.name == "postgresql":
                # Lock every slot of the range, taken ones too, before the absence exists: a
                # release in flight commits first (and its slot is blocked below), a later one
                # waits for our commit and then sees the absence.
                conn.execute(select(slots.c.id).where(
                    slots.c.doctor_id == doctor_id, slots.c.local_date >= first,
                    slots.c.local_date <= last).order_by(slots.c.id).with_for_update())
            conn.execute(absences.insert().values(**row))
            # Free (and held) slots become blocked; taken ones stay and are reported per day.
            conn.execute(update(slots).where(
                slots.c.doctor_id == doctor_id, slots.c.local_date >= first,
                slots.c.local_date <= last, slots.c.status.in_(("free", "held")))
                .values(status="blocked", hold_id=None, hold_expires_at=None,
                        version=slots.c.version + 1))
            conn.execute(update(doctor_days).where(
                doctor_days.c.doctor_id == doctor_id, doctor_days.c.date >= first,
                doctor_days.c.date <= last).values(blocked=True, free=0))
            taken = defaultdict(list)
            for slot in conn.execute(select(slots.c.local_date, slots.c.appointment_id).where(
                    slots.c.doctor_id == doctor_id, slots.c.local_date >= first,
                    slots.c.local_date <= last, slots.c.status == "taken")
                    .order_by(slots.c.start_utc)):
                taken[slot.local_date].append(slot.appointment_id)
            working = set(conn.execute(select(doctor_days.c.date).where(
                doctor_days.c.doctor_id == doctor_id, doctor_days.c.date >= first,
                doctor_days.c.date <= last, doctor_days.c.total > 0)).scalars())
            for day in sorted(working | set(taken)):
                add_event(conn, outbox, "schedule.day_blocked", {
                    "doctor_id": doctor_id, "organization_id": info.organization_id,
                    "date": day.isoformat(), "appointment_ids": taken.get(day, []),
                    "reason": reason})
            return taken

        taken = in_transaction(self.engine, work)
        self.directory.forget(doctor_id)
        # The staff screen shows which bookings the absence hits (the events carry the same).
        return {**present_absence(row),
                "appointment_ids": [a for day in sorted(taken) for a in taken[day]]}

    def delete_absence(self, doctor_id: str, absence_id: str) -> None:
        in_transaction(self.engine, lambda conn: self._delete_absence(conn, doctor_id, absence_id))
        self.directory.forget(doctor_id)

    def _delete_absence(self, conn: Connection, doctor_id: str, absence_id: str) -> None:
        _lock_absences_of(conn, doctor_id)
        row = conn.execute(select(absences).where(absences.c.id == absence_id,
                                                  absences.c.doctor_id == doctor_id)).first()
        if row is None:
            raise AbsenceNotFound(absence_id)
        conn.execute(delete(absences).where(absences.c.id == absence_id))
        others = conn.execute(select(absences.c.date_from, absences.c.date_to)
                              .where(absences.c.doctor_id == doctor_id)).all()
        day = row.date_from
        while day <= row.date_to:
            if not any(a <= day <= b for a, b in others):
                self._unblock_day(conn, doctor_id, day)
            day += timedelta(days=1)

    def _unblock_day(self, conn: Connection, doctor_id: str, day: date) -> None:
        conn.execute(update(slots).where(
            slots.c.doctor_id == doctor_id, slots.c.local_date == day,
            slots.c.status == "blocked", slots.c.appointment_id.is_(None))
            .values(status="free", version=slots.c.version + 1))
        conn.execute(update(doctor_days).where(doctor_days.c.doctor_id == doctor_id,
                                               doctor_days.c.date == day).values(blocked=False))
        store.recount_day(conn, doctor_id, day)

    # --- quotas --------------------------------------------------------------------------------

    def set_quota(self, doctor_id: str, percent: int) -> dict:
        info = self.directory.load(doctor_id)
        rules = self.orgs.rules(info.organization_id, info.timezone)
        tomorrow = local_now(rules, self.clock()).date() + timedelta(days=1)
        with self.engine.begin() as conn:
            changed = conn.execute(update(templates).where(templates.c.doctor_id == doctor_id)
                                   .values(reception_percent=percent, updated_at=self.clock()))
            if changed.rowcount == 0:
                raise ApiError(409, "template_missing",
                               "Сначала задайте шаблон расписания врача")
            by_day = defaultdict(list)
            for slot in conn.execute(select(slots.c.id, slots.c.local_date, slots.c.status,
                                            slots.c.channel)
                                     .where(slots.c.doctor_id == doctor_id,
                                            slots.c.local_date >= tomorrow)
                                     .order_by(slots.c.start_utc)):
                by_day[slot.local_date].append(slot)
            # Future days are re-split; only free slots change channel (nobody loses a booking).
            for day, day_slots in sorted(by_day.items()):
                flags = reception_flags(len(day_slots), percent)
                for slot, reception in zip(day_slots, flags):
                    wanted = "reception" if reception else "any"
                    if slot.status == "free" and slot.channel != wanted:
                        conn.execute(update(slots).where(and_(slots.c.id == slot.id,
                                                              slots.c.status == "free"))
                                     .values(channel=wanted, version=slots.c.version + 1))
                store.recount_day(conn, doctor_id, day)
        self.directory.forget(doctor_id)
        return {"doctor_id": doctor_id, "reception_percent": percent}


def present_absence(row) -> dict:
    return {"id": row["id"], "doctor_id": row["doctor_id"], "from": row["date_from"].isoformat(),
            "to": row["date_to"].isoformat(), "reason": row["reason"]}


def _lock_absences_of(conn: Connection, doctor_id: str) -> None:
    """Absence edits of one doctor take turns (PostgreSQL; SQLite's write lock already does):
    otherwise two overlapping absences deleted at once each see the other still there, and
    neither unblocks the shared days."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(doctors.c.id).where(doctors.c.id == doctor_id).with_for_update())
