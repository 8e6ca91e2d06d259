"""Use cases of attendance: the reception marks a past appointment attended or not; the
organization's no-show rule (``domain/no_show.py``) suspends and lifts the patient's online
booking in the same transaction; the patient's restrictions; the staff's day list and counts."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from regcommon.instants import as_utc

from . import changes
from .adapters import attendance_sql as sql
from .adapters import store
from .context import Actor, ClientInfo, Deps
from .domain import errors
from .domain.no_show import (ATTENDED, LIFT, NO_SHOW, START, NoShowRule, OnlineBookingSuspended,
                             TooEarlyToMark, end_date, restriction_message)
from .domain.views import appointment_json, local_iso
from .observability import count_attendance, count_suspension

log = logging.getLogger(__name__)
MAX_RANGE = timedelta(days=366)


# --- the book path's hook -----------------------------------------------------------------------

def _suspensions(deps: Deps):
    found = deps.extra.get("suspensions")
    if found is None and deps.engine is not None:
        found = deps.extra["suspensions"] = sql.SqlSuspensions(deps.engine)
    return found


def check_online_booking(deps: Deps, actor: Actor, patient_id: str, organization_id: str,
                         settings: dict | None = None) -> None:
    """Refuse a patient's own booking while their online booking here is suspended; the
    reception (staff) books them all the same. Where the organization has no rule (the default,
    ``no_show_limit`` 0) nothing is read: a booking pays no query for a rule that is off, and an
    organization switching its rule off stops enforcing the suspensions it started at once."""
    if actor.is_staff:
        return
    if settings is not None and not settings.get("no_show_limit"):
        return
    reader = _suspensions(deps)
    active = reader.active(patient_id, organization_id, deps.clock()) if reader else None
    if active is not None:
        raise OnlineBookingSuspended(restriction_message(active))


# --- marking ------------------------------------------------------------------------------------

def _attended(body) -> bool:
    value = body.get("attended") if isinstance(body, dict) else None
    if not isinstance(value, bool):
        raise errors.InvalidInput(fields={"attended": "Должно быть true или false"})
    return value


def _rule(deps: Deps, row: dict) -> NoShowRule:
    """The organization's rule as the catalog has it now (not the hot path's region snapshot,
    which may be a minute old: a rule switched on just before the marks must count them); the
    copy frozen at booking time when the catalog is down."""
    try:
        context = deps.catalog.doctor_context(row["doctor_id"], row["service_id"], fresh=True)
    except Exception:  # noqa: BLE001 - a mark must not depend on the catalog being up
        context = None
    settings = ((context or {}).get("organization") or {}).get("settings")
    return NoShowRule.from_settings(settings or row["snapshot"].get("settings"))


def mark(deps: Deps, actor: Actor, appointment_id: str, body, client: ClientInfo) -> dict:
    attended = _attended(body)
    if not actor.is_staff:
        raise errors.Forbidden()
    row = changes.load(deps, actor, appointment_id)  # another organization's: 404
    if row["status"] != "booked":
        raise errors.NotActive()
    now = deps.clock()
    if as_utc(row["start_utc"]) > now:
        raise TooEarlyToMark()
    rule = _rule(deps, row)
    value = ATTENDED if attended else NO_SHOW
    with deps.engine.begin() as conn:
        sql.lock_patient(conn, row["patient_id"], row["organization_id"])
        if not sql.set_attendance(conn, row["id"], value, at=now, by=actor.id):
            raise errors.NotActive()  # cancelled meanwhile
        outcome = _apply_rule(conn, rule, row, now, marked_no_show=not attended)
        store.add_audit(conn, actor=actor, action="appointment.attendance", client=client,
                        appointment_id=row["id"], patient_id=row["patient_id"],
                        organization_id=row["organization_id"],
                        details={"attendance": value, "suspension": outcome["event"]})
        current = store.get_appointment(conn, row["id"])
    count_attendance(value)
    if outcome["event"]:
        count_suspension(outcome["event"])
        log.info("online booking suspension changed",
                 extra={"appointment_id": row["id"], "event": outcome["event"]})
    return {**attendance_json(current), "no_shows_in_window": outcome["count"],
            "suspension": outcome["suspension"]}


def _apply_rule(conn, rule: NoShowRule, row: dict, now: datetime, *,
                marked_no_show: bool) -> dict:
    patient_id, organization_id = row["patient_id"], row["organization_id"]
    count = len(sql.no_show_starts(conn, patient_id, organization_id, rule.window_start(now),
                                   now))
    active = sql.active_suspension(conn, patient_id, organization_id, now)
    decision = rule.decide(count, active=active is not None, marked_no_show=marked_no_show)
    suspension, event = active, None
    if decision == START:
        snap = row["snapshot"]
        suspension = sql.add_suspension(
            conn, patient_id=patient_id, organization_id=organization_id,
            organization_name=(snap.get("organization") or {}).get("name"),
            timezone=snap.get("timezone"), starts_at=now, ends_at=rule.ends_at(now),
            reason="no_show", count=count, window_days=rule.window_days)
        event = "started"
    elif decision == LIFT:
        sql.lift(conn, active["id"], now)
        suspension, event = None, "lifted"
    return {"count": count, "event": event,
            "suspension": suspension_json(suspension) if suspension else None}


# --- views --------------------------------------------------------------------------------------

def attendance_json(row: dict) -> dict:
    tz_name = row["snapshot"].get("timezone")
    marked = row.get("attendance_marked_at")
    return {**appointment_json(row), "attendance": row.get("attendance"),
            "attendance_marked_at": local_iso(marked, tz_name) if marked else None}


def suspension_json(row: dict) -> dict:
    tz_name = row.get("timezone")
    return {"id": row["id"], "reason": row["reason"],
            "organization": {"id": row["organization_id"], "name": row.get("organization_name")},
            "starts_at": local_iso(row["starts_at"], tz_name),
            "ends_at": local_iso(row["ends_at"], tz_name), "ends_on": end_date(row),
            "count": row["count"], "window_days": row["window_days"],
            "message": restriction_message(row)}


# --- reads --------------------------------------------------------------------------------------

def restrictions(deps: Deps, actor: Actor) -> list[dict]:
    """The patient's own active suspensions (staff have none)."""
    if actor.is_staff:
        raise errors.Forbidden()
    with deps.engine.connect() as conn:
        rows = sql.active_suspensions_of(conn, actor.id, deps.clock())
    return [suspension_json(r) for r in rows]


def staff_organization(actor: Actor, requested: str | None) -> str:
    """A registrar's own organization; an admin names one (another registrar's: 403)."""
    organization_id = requested or actor.organization_id
    if not organization_id:
        raise errors.InvalidInput(fields={"organization_id": "Укажите медицинскую организацию"})
    if not actor.may_act_in(organization_id):
        raise errors.Forbidden("Можно смотреть только свою медицинскую организацию")
    return organization_id


def check_range(since: datetime | None, until: datetime | None) -> tuple[datetime, datetime]:
    if since is None or until is None:
        missing = {name: "Обязательный параметр" for name, value in
                   (("from", since), ("to", until)) if value is None}
        raise errors.InvalidInput(fields=missing)
    if until <= since or until - since > MAX_RANGE:
        raise errors.InvalidInput(fields={"to": "Период должен быть не длиннее 366 дней и "
                                                "заканчиваться позже начала"})
    return since, until


def day_list(deps: Deps, actor: Actor, organization_id: str, since: datetime, until: datetime,
             doctor_id: str | None) -> list[dict]:
    now = deps.clock()
    with deps.engine.connect() as conn:
        rows = sql.booked_between(conn, organization_id, since, until, doctor_id)
    return [{**attendance_json(r), "markable": as_utc(r["start_utc"]) <= now} for r in rows]


def counts(deps: Deps, organization_id: str, since: datetime, until: datetime) -> dict:
    with deps.engine.connect() as conn:
        by_doctor = sql.counts_by_doctor(conn, organization_id, since, until)
        names = sql.doctor_names(conn, organization_id, list(by_doctor))
    total = {"attended": 0, "no_show": 0, "unmarked": 0}
    doctors = []
    for doctor_id, figures in by_doctor.items():
        for key in total:
            total[key] += figures.get(key, 0)
        doctors.append({"doctor": {"id": doctor_id, "full_name": names.get(doctor_id)},
                        **{key: figures.get(key, 0) for key in total}})
    doctors.sort(key=lambda d: (-d["no_show"], d["doctor"]["full_name"] or ""))
    return {"organization_id": organization_id, "from": since.isoformat(),
            "to": until.isoformat(), "total": total, "doctors": doctors}
