"""Use case: book an appointment (POST /v1/appointments), race-free and idempotent.

Steps: validate → read slot, doctor context, patient → check the rules → record consent → insert
the appointment as ``pending`` (the partial unique index enforces one active appointment per
specialty) → ask schedule to take the slot → ``booked`` plus the outbox event in one transaction.
A crash after the insert leaves ``pending``, which a retry or the reconciler settles.
"""
from __future__ import annotations

import logging
import re
from datetime import datetime, timezone

from regcommon.db import new_id, utcnow
from regcommon.outbox import add_event

from . import idempotency
from .adapters import store
from .adapters.tables import outbox
from .api_errors import to_api_error
from .context import Actor, ClientInfo, Deps, Reply
from .domain import errors, rules
from .domain.views import appointment_json, build_snapshot, event_data, new_ticket_number
from .observability import count_booking

log = logging.getLogger(__name__)

SLOT_ID = re.compile(r"^[0-9]{1,18}$")
REF = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
UUID_RE = re.compile(r"^[0-9a-fA-F-]{36}$")


def _text(body: dict, name: str, pattern: re.Pattern, fields: dict, *, required: bool = True):
    value = body.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # slot ids are decimal strings; accept a JSON number too
    if value is None or value == "":
        if required:
            fields[name] = "Обязательное поле"
        return None
    if not isinstance(value, str) or not pattern.match(value):
        fields[name] = "Недопустимое значение"
        return None
    return value


def parse_book_body(body, actor: Actor) -> dict:
    if not isinstance(body, dict):
        raise errors.InvalidInput(fields={"_schema": "Ожидается JSON-объект"})
    fields: dict = {}
    req = {"slot_id": _text(body, "slot_id", SLOT_ID, fields),
           "service_id": _text(body, "service_id", REF, fields),
           "hold_id": _text(body, "hold_id", REF, fields, required=False),
           "patient_id": None}
    if actor.is_staff:
        req["patient_id"] = _text(body, "patient_id", UUID_RE, fields)
    consent = body.get("consent_version")
    if consent is not None and not isinstance(consent, (str, int)):
        fields["consent_version"] = "Недопустимое значение"
    if fields:
        raise errors.InvalidInput(fields=fields)
    if consent in (None, ""):
        raise errors.ConsentRequired()
    req["consent_version"] = str(consent)
    return req


def parse_instant(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def book(deps: Deps, actor: Actor, body, key: str, client: ClientInfo) -> Reply:
    req = parse_book_body(body, actor)
    appointment_id = new_id()
    return idempotency.run(
        deps.engine, actor_id=actor.id, key=key,
        req_hash=idempotency.request_hash("POST", "/v1/appointments", body),
        appointment_id=appointment_id,
        work=lambda: _book(deps, actor, req, appointment_id, client, key),
        resume=lambda existing_id: resume(deps, actor, existing_id, key),
        wait_seconds=deps.settings.idempotency_wait_seconds)


def _book(deps: Deps, actor: Actor, req: dict, appointment_id: str, client: ClientInfo,
          key: str) -> Reply:
    try:
        row = _prepare(deps, actor, req, appointment_id, client)
    except errors.BookingError as exc:
        count_booking(exc.code)
        raise
    return take_and_settle(deps, row, req["hold_id"], actor, key, client)


def _prepare(deps: Deps, actor: Actor, req: dict, appointment_id: str,
             client: ClientInfo) -> dict:
    """Everything before the slot is taken; returns the committed ``pending`` row."""
    slot = deps.schedule.get_slot(req["slot_id"])
    if slot is None:
        raise errors.SlotNotFound()
    if slot.get("status") in ("taken", "blocked"):
        raise errors.SlotUnavailable()
    if slot.get("service_ids") and req["service_id"] not in slot["service_ids"]:
        raise errors.InvalidInput(fields={"service_id": "Эта услуга не оказывается в это время"})
    if actor.is_staff and not actor.may_act_in(slot["organization_id"]):
        raise errors.Forbidden("Можно записывать только в свою медицинскую организацию")
    context = deps.catalog.doctor_context(slot["doctor_id"], req["service_id"])
    if context is None:
        raise errors.InvalidInput(fields={"service_id": "Врач не оказывает эту услугу"})
    patient_id = req["patient_id"] or actor.id
    patient = deps.auth.patient(patient_id)
    if patient is None:
        raise errors.PatientNotFound()

    org, service, doctor = context["organization"], context["service"], context["doctor"]
    start, end = parse_instant(slot["start"]), parse_instant(slot["end"])
    settings = rules.OrgSettings.from_dict(org.get("settings"))
    rules.check_service_bookable(service, by_staff=actor.is_staff)
    rules.check_attachment(service, org["id"], doctor.get("areas") or [],
                           patient.get("attachments") or [])
    rules.check_booking_time(start, deps.clock(), rules.zone(org.get("timezone")), settings,
                             by_staff=actor.is_staff)
    consent = patient.get("consent") or {}
    already = (consent.get("accepted_version") == req["consent_version"]
               and consent.get("current_version") == req["consent_version"])
    if not already:  # record the acceptance (auth refuses a version that is not current)
        deps.auth.accept_consent(patient_id, req["consent_version"], actor.channel, client.ip,
                                 client.user_agent)

    snapshot = build_snapshot(context, patient)
    if req["hold_id"]:
        snapshot["hold_id"] = req["hold_id"]
    now = utcnow()
    row = {"id": appointment_id, "patient_id": patient_id, "organization_id": org["id"],
           "doctor_id": doctor["id"], "service_id": service["id"],
           "specialty": rules.specialty_of(context), "slot_id": str(slot["id"]),
           "start_utc": start, "end_utc": end, "status": "pending",
           "ticket_number": new_ticket_number(), "snapshot": snapshot,
           "channel": actor.channel, "created_by": actor.id, "flagged": False,
           "flag_reason": None, "slot_release_due": False, "created_at": now,
           "updated_at": now, "version": 1}
    store.insert_appointment(deps.engine, row)
    return row


def take_and_settle(deps: Deps, row: dict, hold_id: str | None, actor: Actor, key: str | None,
                    client: ClientInfo | None) -> Reply:
    try:
        deps.schedule.take(row["slot_id"], row["id"], hold_id, row["channel"])
    except errors.SlotUnavailable:
        with deps.engine.begin() as conn:
            store.change_appointment(conn, row["id"], statuses=("pending",), status="failed")
        count_booking("slot_unavailable")
        raise
    reply = settle(deps, row["id"], actor, key, client)
    if reply.status != 201:
        # The reconciler settled the row as failed while this take was in flight (it saw no
        # taken slot, so it released nothing): the slot just taken must be given back.
        from .changes import release_slot  # changes imports this module

        with deps.engine.begin() as conn:
            store.change_appointment(conn, row["id"], statuses=("failed",),
                                     slot_release_due=True)
        release_slot(deps, row["id"], row["slot_id"])
    return reply


def settle(deps: Deps, appointment_id: str, actor: Actor | None, key: str | None,
           client: ClientInfo | None = None) -> Reply:
    """pending → booked with its event (once); the answer for the appointment's current state,
    stored under the Idempotency-Key in the same transaction."""
    with deps.engine.begin() as conn:
        changed = store.change_appointment(conn, appointment_id, statuses=("pending",),
                                           status="booked")
        row = store.get_appointment(conn, appointment_id)
        if changed:
            kind = actor.kind if actor else ("staff" if row["channel"] == "reception" else "patient")
            add_event(conn, outbox, "appointment.booked", event_data(row, actor=kind))
            store.fulfil_waitlist(conn, row["patient_id"], row["organization_id"],
                                  row["service_id"])
            if actor is not None and actor.is_staff:
                store.add_audit(conn, actor=actor, action="appointment.create", client=client,
                                appointment_id=row["id"], patient_id=row["patient_id"],
                                organization_id=row["organization_id"])
        reply = reply_for(row)
        if key is not None and actor is not None:
            store.store_reply(conn, actor.id, key, reply.status, reply.body)
    if changed:
        count_booking("booked")
    return Reply(reply.status, reply.body, stored=key is not None)


def reply_for(row: dict) -> Reply:
    if row["status"] == "failed":
        api = to_api_error(errors.SlotUnavailable())
        return Reply(api.status, api.body())
    return Reply(201, appointment_json(row))


def resume(deps: Deps, actor: Actor, appointment_id: str, key: str) -> Reply | None:
    """A retry whose first attempt recorded the appointment but gave no answer (died or timed
    out): finish the same appointment. None when there is nothing to resume."""
    with deps.engine.connect() as conn:
        row = store.get_appointment(conn, appointment_id)
    if row is None:
        return None
    if row["status"] == "pending":
        hold_id = (row["snapshot"] or {}).get("hold_id")
        try:
            return take_and_settle(deps, row, hold_id, actor, key, None)
        except errors.SlotUnavailable as exc:
            api = to_api_error(exc)
            return Reply(api.status, api.body())
    return settle(deps, appointment_id, actor, key)
