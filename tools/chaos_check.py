"""The chaos run's checker (Jepsen-style): the history of answered requests against the databases.

Invariants, over every request answered so far:
- every 201 names exactly one appointment that is ``booked``, holds the slot it asked for in
  schedule, and has exactly one ready talon (``lost`` counts the ones that do not);
- no slot is held by two booked appointments, and no patient has two active appointments of the
  load (each patient of the load books once; ``duplicated`` counts both);
- no slot in schedule is held by an appointment that booking does not have as booked (``leaked``);
- nothing half-done from before the fault is left (``unsettled``: pending appointments, slots
  still to release, booked appointments without a ready talon).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import create_engine, text


@dataclass
class Answer:
    """One request of the load and what came back (status 0: no answer, ``code`` says why)."""

    sent: float
    answered: float
    status: int
    code: str
    key: str
    patient: int
    slot_id: str
    appointment_id: str = ""


@dataclass
class Verdict:
    lost: list = field(default_factory=list)
    duplicated: list = field(default_factory=list)
    leaked: list = field(default_factory=list)
    unsettled: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.leaked or any(self.unsettled.values()))


class Checker:
    def __init__(self, urls: dict[str, str]):
        self.engines = {svc: create_engine(urls[svc], pool_pre_ping=True, pool_size=2)
                        for svc in ("booking", "schedule", "tickets")}

    def _rows(self, svc: str, sql: str, **params) -> list:
        with self.engines[svc].connect() as conn:
            return conn.execute(text(sql), params).all()

    def unsettled(self, before: datetime) -> dict[str, int]:
        """Half-done work older than ``before`` (UTC): what the reconciler and relays must settle."""
        pending = self._rows("booking", "SELECT count(*) FROM appointments WHERE status = 'pending' "
                             "AND created_at <= :t", t=before)[0][0]
        release = self._rows("booking", "SELECT count(*) FROM appointments WHERE slot_release_due "
                             "AND updated_at <= :t", t=before)[0][0]
        booked = {r[0] for r in self._rows("booking", "SELECT id FROM appointments WHERE status = "
                                           "'booked' AND created_at <= :t", t=before)}
        ready = {r[0] for r in self._rows("tickets", "SELECT appointment_id FROM tickets "
                                          "WHERE status = 'ready'")}
        # A take whose booking transaction never ran (the database went down between the two):
        # the booking reconciler releases it once it is older than its grace period.
        taken = {r[0] for r in self._rows("schedule", "SELECT appointment_id FROM slots WHERE "
                                          "status = 'taken' AND taken_at <= :t", t=before)}
        recorded = {r[0] for r in self._rows("booking", "SELECT id FROM appointments WHERE "
                                             "status IN ('booked', 'pending')")}
        return {"pending": pending, "slot_release_due": release,
                "take_unrecorded": len(taken - recorded),
                "booked_without_talon": len(booked - ready)}

    def check(self, history: list[Answer], before: datetime) -> Verdict:
        verdict = Verdict(unsettled=self.unsettled(before))
        # Read in this order: schedule's held slots, what booking is still settling, what it has
        # booked, the held slots again. A booking goes pending -> booked, or failed with its slot
        # to release -> released; so a slot held in both reads of schedule is pending, releasing
        # or booked unless it really leaked. (Read in another order, a booking that settled
        # between two reads looked leaked.)
        held_sql = "SELECT appointment_id, CAST(id AS TEXT) FROM slots WHERE appointment_id IS NOT NULL"
        held = {r[0]: r[1] for r in self._rows("schedule", held_sql)}
        settling = {r[0] for r in self._rows("booking", "SELECT id FROM appointments WHERE "
                                             "status = 'pending' OR slot_release_due")}
        booked = {r[0]: (r[1], r[2]) for r in self._rows(
            "booking", "SELECT id, slot_id, patient_id FROM appointments WHERE status = 'booked'")}
        active_by_patient = self._rows(
            "booking", "SELECT patient_id, count(*) FROM appointments WHERE status IN ('pending', "
            "'booked') GROUP BY patient_id HAVING count(*) > 1")
        talons = {r[0]: r[1] for r in self._rows("tickets", "SELECT appointment_id, status FROM tickets")}
        still_held = {r[0]: r[1] for r in self._rows("schedule", held_sql)}
        by_key: dict[str, set] = {}
        for answer in history:
            if answer.status != 201:
                continue
            by_key.setdefault(answer.key, set()).add(answer.appointment_id)
            appointment = answer.appointment_id
            problems = []
            if appointment not in booked:
                problems.append("not booked")
            elif booked[appointment][0] != answer.slot_id:
                problems.append("another slot in booking")
            if held.get(appointment) != answer.slot_id:
                problems.append("slot not held in schedule")
            # A talon is owed once the booking is older than the settling cut.
            if answer.answered <= before.timestamp() and talons.get(appointment) != "ready":
                problems.append(f"talon {talons.get(appointment, 'missing')}")
            if problems:
                verdict.lost.append((appointment, problems))
        slots = {}
        for appointment, (slot_id, _patient) in booked.items():
            slots.setdefault(slot_id, []).append(appointment)
        verdict.duplicated = [("slot", s, a) for s, a in slots.items() if len(a) > 1]
        verdict.duplicated += [("patient", p, n) for p, n in active_by_patient]
        # One Idempotency-Key, one appointment, however often it was answered.
        verdict.duplicated += [("key", k, sorted(a)) for k, a in by_key.items() if len(a) > 1]
        # In flight (pending) or being released (slot_release_due): not a leak, unless it stays so
        # (then ``unsettled`` shows it).
        verdict.leaked = [(a, s) for a, s in held.items() if still_held.get(a) == s
                          and a not in settling and (a not in booked or booked[a][0] != s)]
        return verdict

    def dispose(self) -> None:
        for engine in self.engines.values():
            engine.dispose()
