"""Database statements of the booking service (SQLAlchemy Core: few, cheap round trips)."""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import and_, bindparam, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from regcommon.db import new_id, utcnow

from .tables import (ACTIVE_STATUSES, appointments, audit_log, idempotency_records,
                     processed_events, waitlist_entries)


def _insert(conn: Connection, table):
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def insert_ignoring_conflict(conn: Connection, table, values: dict) -> bool:
    """INSERT … ON CONFLICT DO NOTHING; True when this call inserted the row."""
    # RETURNING rather than rowcount: the driver may not report rowcount for this statement.
    first_key = list(table.primary_key.columns)[0]
    statement = _insert(conn, table).values(**values).on_conflict_do_nothing().returning(first_key)
    return conn.execute(statement).first() is not None


# --- appointments ------------------------------------------------------------------------------

def get_appointment(conn: Connection, appointment_id: str, *, for_update: bool = False):
    query = select(appointments).where(appointments.c.id == appointment_id)
    if for_update and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def change_appointment(conn: Connection, appointment_id: str, *, statuses: tuple[str, ...],
                       version: int | None = None, **values) -> int:
    """Conditional update (status and optionally version); returns how many rows changed."""
    cond = [appointments.c.id == appointment_id, appointments.c.status.in_(statuses)]
    if version is not None:
        cond.append(appointments.c.version == version)
    values.setdefault("updated_at", utcnow())
    result = conn.execute(update(appointments).where(and_(*cond))
                          .values(version=appointments.c.version + 1, **values))
    return result.rowcount


def list_appointments(conn: Connection, *, patient_id: str, now: datetime, active: bool,
                      organization_id: str | None = None, limit: int = 200) -> list[dict]:
    a = appointments.c
    is_active = and_(a.status.in_(ACTIVE_STATUSES), a.end_utc >= now)
    query = select(appointments).where(a.patient_id == patient_id, a.status != "failed")
    if organization_id:
        query = query.where(a.organization_id == organization_id)
    if active:
        query = query.where(is_active).order_by(a.start_utc)
    else:
        query = query.where(~is_active).order_by(a.start_utc.desc())
    return [dict(r) for r in conn.execute(query.limit(limit)).mappings()]


def pending_older_than(conn: Connection, before: datetime, limit: int = 200) -> list[dict]:
    query = (select(appointments).where(appointments.c.status == "pending",
                                        appointments.c.created_at < before)
             .order_by(appointments.c.created_at).limit(limit))
    return [dict(r) for r in conn.execute(query).mappings()]


def release_due(conn: Connection, limit: int = 200) -> list[dict]:
    query = (select(appointments.c.id, appointments.c.slot_id)
             .where(appointments.c.slot_release_due.is_(True)).limit(limit))
    return [dict(r) for r in conn.execute(query).mappings()]


def booked_updated_since(conn: Connection, since: datetime, until: datetime,
                         limit: int = 200) -> list[dict]:
    query = (select(appointments).where(appointments.c.status == "booked",
                                        appointments.c.updated_at >= since,
                                        appointments.c.updated_at < until)
             .order_by(appointments.c.updated_at).limit(limit))
    return [dict(r) for r in conn.execute(query).mappings()]


def appointments_by_ids(conn: Connection, ids: list[str]) -> list[dict]:
    if not ids:
        return []
    return [dict(r) for r in conn.execute(select(appointments).where(appointments.c.id.in_(ids)))
            .mappings()]


# --- idempotency -------------------------------------------------------------------------------

def claim_key(conn: Connection, actor_id: str, key: str, request_hash: str,
              appointment_id: str | None) -> bool:
    return insert_ignoring_conflict(conn, idempotency_records, {
        "actor_id": actor_id, "key": key, "request_hash": request_hash,
        "appointment_id": appointment_id, "created_at": utcnow()})


def get_key(conn: Connection, actor_id: str, key: str):
    row = conn.execute(select(idempotency_records).where(
        idempotency_records.c.actor_id == actor_id, idempotency_records.c.key == key)
    ).mappings().first()
    return dict(row) if row else None


def store_reply(conn: Connection, actor_id: str, key: str, status: int, body: dict) -> None:
    conn.execute(update(idempotency_records).where(
        idempotency_records.c.actor_id == actor_id, idempotency_records.c.key == key,
        idempotency_records.c.status_code.is_(None)).values(
        status_code=status, response_body=json.dumps(body, ensure_ascii=False),
        completed_at=utcnow()))


def delete_idempotency_records(conn: Connection, created_before: datetime) -> int:
    """Forget replay answers (they hold the appointment as answered) older than the moment."""
    return conn.execute(delete(idempotency_records).where(
        idempotency_records.c.created_at < created_before)).rowcount


def drop_key(conn: Connection, actor_id: str, key: str) -> None:
    conn.execute(delete(idempotency_records).where(
        idempotency_records.c.actor_id == actor_id, idempotency_records.c.key == key,
        idempotency_records.c.status_code.is_(None)))


# --- audit, events, waiting list ---------------------------------------------------------------

def add_audit(conn: Connection, *, actor, action: str, client, appointment_id: str | None,
              patient_id: str | None, organization_id: str | None, details: dict | None = None):
    conn.execute(audit_log.insert().values(
        id=new_id(), actor_id=actor.id, actor_role=actor.role,
        actor_name=(actor.name.strip()[:200] or None) if isinstance(actor.name, str) else None,
        action=action,
        appointment_id=appointment_id, patient_id=patient_id, organization_id=organization_id,
        ip=((client.ip or "")[:64] or None) if client else None,
        user_agent=((client.user_agent or "")[:300] or None) if client else None,
        details=details, created_at=utcnow()))


def list_audit(conn: Connection, *, filters: dict, limit: int, offset: int) -> list[dict]:
    a = audit_log.c
    query = select(audit_log)
    for name in ("actor_id", "patient_id", "appointment_id", "organization_id", "action"):
        if filters.get(name):
            query = query.where(getattr(a, name) == filters[name])
    if filters.get("since"):
        query = query.where(a.created_at >= filters["since"])
    if filters.get("until"):
        query = query.where(a.created_at < filters["until"])
    query = query.order_by(a.created_at.desc()).limit(limit).offset(offset)
    return [dict(r) for r in conn.execute(query).mappings()]


def mark_event_processed(conn: Connection, event_id: str, event_type: str) -> bool:
    """False when this event was handled before (a redelivery)."""
    return insert_ignoring_conflict(conn, processed_events, {
        "event_id": event_id, "event_type": event_type, "processed_at": utcnow()})


# Built once: it runs in every booking's transaction (and in the reconciler's).
_w = waitlist_entries.c
FULFIL_WAITLIST = (update(waitlist_entries)
                   .where(_w.patient_id == bindparam("w_patient"),
                          _w.organization_id == bindparam("w_organization"),
                          _w.service_id == bindparam("w_service"),
                          or_(_w.status == "waiting", _w.status == "offered"))
                   .values(status="fulfilled", updated_at=bindparam("w_now")))


def fulfil_waitlist(conn: Connection, patient_id: str, organization_id: str,
                    service_id: str) -> None:
    conn.execute(FULFIL_WAITLIST, {"w_patient": patient_id, "w_organization": organization_id,
                                   "w_service": service_id, "w_now": utcnow()})


def clear_release_due(conn: Connection, appointment_id: str) -> None:
    conn.execute(update(appointments).where(appointments.c.id == appointment_id)
                 .values(slot_release_due=False))


def processed_events_select(event_id: str):
    return select(processed_events.c.event_id).where(processed_events.c.event_id == event_id)


# --- takes that no booking recorded (the reconciler) -------------------------------------------

RECONCILER = "reconciler"  # the actor of the claims on abandoned takes


def recorded_appointment_ids(conn: Connection, ids: list[str]) -> set[str]:
    if not ids:
        return set()
    return set(conn.execute(select(appointments.c.id).where(appointments.c.id.in_(ids)))
               .scalars())


def claim_abandoned_take(conn: Connection, appointment_id: str, slot_id: str) -> None:
    """Claim the appointment id for the reconciler (nothing if a booked answer names it): from
    then on no booking of it can commit, so its slot may be released."""
    insert_ignoring_conflict(conn, idempotency_records, {
        "actor_id": RECONCILER, "key": appointment_id, "request_hash": "abandoned-take",
        "appointment_id": appointment_id, "status_code": None,
        "response_body": json.dumps({"slot_id": slot_id}), "created_at": utcnow()})


def abandoned_takes_due(conn: Connection, limit: int = 200) -> list[dict]:
    """Claimed abandoned takes whose slot is not confirmed released yet."""
    r = idempotency_records.c
    rows = conn.execute(select(r.appointment_id, r.response_body)
                        .where(r.actor_id == RECONCILER, r.status_code.is_(None)).limit(limit))
    return [{"appointment_id": row.appointment_id,
             "slot_id": json.loads(row.response_body)["slot_id"]} for row in rows]


def abandoned_take_released(conn: Connection, appointment_id: str) -> None:
    conn.execute(update(idempotency_records).where(
        idempotency_records.c.actor_id == RECONCILER, idempotency_records.c.key == appointment_id)
        .values(status_code=409, completed_at=utcnow()))
