"""Use cases on existing appointments: read, list, cancel, reschedule."""
from __future__ import annotations

import logging

from regcommon.ids import parse_slot_id
from regcommon.outbox import add_event

from . import idempotency, referrals
from .adapters import store
from .adapters.tables import outbox
from .context import Actor, ClientInfo, Deps, Reply
from .domain import errors, rules
from .domain.views import as_utc, appointment_json, event_data, local_iso
from .inputs import UUID_RE, parse_instant

log = logging.getLogger(__name__)


def visible(actor: Actor, row: dict | None) -> dict:
    """Someone else's appointment is a 404, never a 403 (api.md)."""
    if row is None or row["status"] == "failed":
        raise errors.NotFound()
    if actor.is_staff:
        if not actor.may_act_in(row["organization_id"]):
            raise errors.NotFound()
    elif row["patient_id"] != actor.id:
        raise errors.NotFound()
    return row


def load(deps: Deps, actor: Actor, appointment_id: str) -> dict:
    if not UUID_RE.match(appointment_id or ""):
        raise errors.NotFound()
    with deps.engine.connect() as conn:
        return visible(actor, store.get_appointment(conn, appointment_id))


def get(deps: Deps, actor: Actor, appointment_id: str) -> dict:
    return appointment_json(load(deps, actor, appointment_id))


def list_for(deps: Deps, actor: Actor, status: str | None, patient_id: str | None) -> list[dict]:
    if status not in (None, "", "active", "past"):
        raise errors.InvalidInput(fields={"status": "Допустимые значения: active, past"})
    if actor.is_staff:
        if not patient_id or not UUID_RE.match(patient_id):
            raise errors.InvalidInput(fields={"patient_id": "Укажите пациента"})
    else:
        patient_id = actor.id
    org = actor.organization_id if actor.is_staff else None
    with deps.engine.connect() as conn:
        rows = store.list_appointments(conn, patient_id=patient_id, now=deps.clock(),
                                       active=status != "past", organization_id=org or None)
    return [appointment_json(r) for r in rows]


def org_settings(deps: Deps, row: dict) -> rules.OrgSettings:
    """Fresh settings from the catalog (cached); the booking-time copy if catalog is down."""
    try:
        context = deps.catalog.doctor_context(row["doctor_id"], row["service_id"])
    except Exception:  # noqa: BLE001 - cancelling must not depend on the catalog being up
        context = None
    settings = (context or {}).get("organization", {}).get("settings")
    return rules.OrgSettings.from_dict(settings or row["snapshot"].get("settings"))


def cancel(deps: Deps, actor: Actor, appointment_id: str, client: ClientInfo) -> dict:
    row = load(deps, actor, appointment_id)
    if row["status"] == "cancelled":
        return appointment_json(row)  # repeating a cancel is harmless
    if row["status"] != "booked":
        raise errors.NotActive() if row["status"] != "pending" else errors.AppointmentChanged()
    rules.check_cancel(as_utc(row["start_utc"]), deps.clock(), org_settings(deps, row),
                       by_staff=actor.is_staff)
    with deps.engine.begin() as conn:
        changed = store.change_appointment(conn, row["id"], statuses=("booked",),
                                           version=row["version"], status="cancelled",
                                           slot_release_due=True)
        current = store.get_appointment(conn, row["id"])
        if not changed:
            if current["status"] == "cancelled":
                return appointment_json(current)
            raise errors.AppointmentChanged()
        add_event(conn, outbox, "appointment.cancelled",
                  event_data(current, actor=actor.kind, extra=actor.event_extra))
        referrals.give_back(conn, current, deps.clock())
        if actor.audited:
            store.add_audit(conn, actor=actor.audit_actor, action="appointment.cancel",
                            client=client,
                            appointment_id=row["id"], patient_id=row["patient_id"],
                            organization_id=row["organization_id"])
    release_slot(deps, current["id"], current["slot_id"])
    return appointment_json(current)


def release_slot(deps: Deps, appointment_id: str, slot_id: str) -> bool:
    """Free the slot in schedule (idempotent); on failure the reconciler retries later."""
    try:
        deps.schedule.release(slot_id, appointment_id)
        # It may hold another slot than the one recorded (a reschedule whose move landed but
        # whose answer was lost, not adopted yet): free that one too.
        held = deps.schedule.slot_of(appointment_id)
        if held is not None:
            deps.schedule.release(str(held["id"]), appointment_id)
    except Exception as exc:  # noqa: BLE001 - schedule down: slot_release_due stays set
        log.warning("slot release failed; will retry", extra={"appointment_id": appointment_id,
                                                              "error": str(exc)[:200]})
        return False
    with deps.engine.begin() as conn:
        store.clear_release_due(conn, appointment_id)
    return True


def reschedule(deps: Deps, actor: Actor, appointment_id: str, body, key: str,
               client: ClientInfo) -> Reply:
    if not isinstance(body, dict):
        raise errors.InvalidInput(fields={"_schema": "Ожидается JSON-объект"})
    slot_id = parse_slot_id(body.get("slot_id"))
    if slot_id is None:
        raise errors.InvalidInput(fields={"slot_id": "Обязательное поле"})
    slot_id = str(slot_id)
    load(deps, actor, appointment_id)  # 404 before touching the key for someone else's id
    return idempotency.run(
        deps.engine, actor_id=actor.id, key=key,
        req_hash=idempotency.request_hash("POST", f"/v1/appointments/{appointment_id}/reschedule",
                                          body),
        work=lambda: _reschedule(deps, actor, appointment_id, slot_id, key, client),
        wait_seconds=deps.settings.idempotency_wait_seconds)


def _reschedule(deps: Deps, actor: Actor, appointment_id: str, slot_id: str, key: str,
                client: ClientInfo) -> Reply:
    row = load(deps, actor, appointment_id)
    if row["status"] != "booked":
        raise errors.NotActive()
    if row["slot_id"] == slot_id:
        return Reply(200, appointment_json(row))
    now = deps.clock()
    rules.check_reschedule_source(as_utc(row["start_utc"]), now, org_settings(deps, row),
                                  by_staff=actor.is_staff)
    slot = deps.schedule.get_slot(slot_id)
    if slot is None:
        raise errors.SlotNotFound()
    # Taken by this very appointment: an earlier attempt's move landed but its answer was lost
    # (and its transaction rolled back); the idempotent move below finishes it.
    if slot.get("status") in ("taken", "blocked") and slot.get("appointment_id") != row["id"]:
        raise errors.SlotUnavailable()
    if slot.get("service_ids") and row["service_id"] not in slot["service_ids"]:
        raise errors.RescheduleNotAllowed()
    context = deps.catalog.doctor_context(slot["doctor_id"], row["service_id"])
    rules.check_reschedule_target({"organization_id": row["organization_id"],
                                   "doctor_specialty": row["snapshot"]["doctor"].get("specialty")},
                                  context)
    start, end = parse_instant(slot["start"]), parse_instant(slot["end"])
    # The new time is booked by this caller: their channel's rules, and the patient's current
    # attachment (it may have changed since the booking, and the target doctor's area may differ).
    patient = deps.auth.patient(row["patient_id"])
    if patient is None:
        raise errors.PatientNotFound()
    rules.check_new_slot(context, patient.get("attachments") or [], start, now,
                         by_staff=actor.is_staff)
    doctor = context["doctor"]
    snapshot = dict(row["snapshot"])
    snapshot["doctor"] = {"id": doctor["id"], "full_name": doctor.get("full_name"),
                          "specialty": doctor.get("specialty"), "room": doctor.get("room")}
    tz_name = snapshot.get("timezone")
    previous = {"start": local_iso(row["start_utc"], tz_name),
                "end": local_iso(row["end_utc"], tz_name)}
    # The row stays locked while schedule moves the slot, so that of two concurrent reschedules
    # exactly one moves it; if the move fails the transaction rolls back and nothing changed.
    try:
        return _commit_move(deps, actor, row, slot_id, doctor, start, end, snapshot, previous,
                            key, client)
    except errors.BookingError:
        raise
    except Exception:
        # No answer from schedule (or a crash before our commit): the move may have landed.
        # Touch the row so that the reconciler compares it with schedule and adopts the move.
        try:
            with deps.engine.begin() as conn:
                store.change_appointment(conn, row["id"], statuses=("booked",),
                                         version=row["version"])
        except Exception:  # noqa: BLE001 - the original error matters more
            log.exception("could not mark a reschedule for reconciliation")
        raise


def _commit_move(deps: Deps, actor: Actor, row: dict, slot_id: str, doctor: dict, start, end,
                 snapshot: dict, previous: dict, key: str, client: ClientInfo) -> Reply:
    with deps.engine.begin() as conn:
        current = store.get_appointment(conn, row["id"], for_update=True)
        if current["version"] != row["version"] or current["status"] != "booked":
            raise errors.AppointmentChanged()
        # The caller's channel, not the booking's: a patient moving a reception-made appointment
        # gets portal slots and quotas only.
        deps.schedule.move(row["id"], row["slot_id"], slot_id, actor.channel)
        store.change_appointment(conn, row["id"], statuses=("booked",), version=row["version"],
                                 slot_id=slot_id, doctor_id=doctor["id"], start_utc=start,
                                 end_utc=end, snapshot=snapshot, flagged=False, flag_reason=None)
        moved = store.get_appointment(conn, row["id"])
        add_event(conn, outbox, "appointment.rescheduled",
                  event_data(moved, actor=actor.kind, previous=previous, extra=actor.event_extra))
        if actor.audited:
            store.add_audit(conn, actor=actor.audit_actor, action="appointment.reschedule",
                            client=client,
                            appointment_id=row["id"], patient_id=row["patient_id"],
                            organization_id=row["organization_id"],
                            details={"from_slot_id": row["slot_id"], "to_slot_id": slot_id})
        reply = Reply(200, appointment_json(moved), stored=True)
        store.store_reply(conn, actor.id, key, reply.status, reply.body)
    log.info("appointment rescheduled", extra={"appointment_id": row["id"]})
    return reply


def adopt_schedule_slot(deps: Deps, row: dict, slot: dict) -> bool:
    """A reschedule whose move landed in schedule but whose commit here did not (its answer was
    lost): schedule's slot is the truth. Records it with its ``appointment.rescheduled`` event;
    False when the appointment changed meanwhile (the next check looks again)."""
    context = deps.catalog.doctor_context(slot["doctor_id"], row["service_id"])
    doctor = (context or {}).get("doctor") or {"id": slot["doctor_id"]}
    snapshot = dict(row["snapshot"])
    snapshot["doctor"] = {"id": doctor["id"], "full_name": doctor.get("full_name"),
                          "specialty": doctor.get("specialty"), "room": doctor.get("room")}
    tz_name = snapshot.get("timezone")
    previous = {"start": local_iso(row["start_utc"], tz_name),
                "end": local_iso(row["end_utc"], tz_name)}
    with deps.engine.begin() as conn:
        if not store.change_appointment(conn, row["id"], statuses=("booked",),
                                        version=row["version"], slot_id=str(slot["id"]),
                                        doctor_id=doctor["id"],
                                        start_utc=parse_instant(slot["start"]),
                                        end_utc=parse_instant(slot["end"]), snapshot=snapshot,
                                        flagged=False, flag_reason=None):
            return False
        moved = store.get_appointment(conn, row["id"])
        kind = "staff" if row["channel"] == "reception" else "patient"
        add_event(conn, outbox, "appointment.rescheduled",
                  event_data(moved, actor=kind, previous=previous))
    log.warning("appointment adopted the slot schedule moved it to",
                extra={"appointment_id": row["id"], "slot_id": str(slot["id"])})
    return True
