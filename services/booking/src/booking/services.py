"""Use case: book an appointment (POST /v1/appointments), race-free and idempotent, in one hop
and one transaction of booking's own.

Steps: the patient (from the token) and the consent → ONE call to schedule: take the slot under an appointment id derived from
(caller, key), which answers the slot's facts → the rules on those facts (the slot is given back
when one fails) → ONE transaction: the answer under the key + the ``booked`` appointment (the
partial unique index keeps one active appointment per specialty) + its outbox event. A retry
meets the answer remembered under the key there (or, refused earlier, when remembering its own).

A take that no booking recorded (the process died, the database failed, the answer was lost) is
found by the reconciler among schedule's takes and given back (``reconciler.py``); a retry with
the same key takes the same slot again (the take is idempotent by appointment id) and books.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from regcommon.db import utcnow

from . import attendance
from . import referrals
from .api_errors import to_api_error
from .context import Actor, ClientInfo, Deps
from .domain import errors, rules
from .domain.views import appointment_json, build_snapshot, event_data, new_ticket_number
from .inputs import (REF, UUID_RE, BookRequest, PatientFacts, parse_instant,  # noqa: F401
                     patient_from_record)
from .observability import count_booking
from .ports import StoredReply, TakenSlot

log = logging.getLogger(__name__)

# Appointment ids of bookings are derived from (caller, Idempotency-Key): concurrent retries of
# one request take the slot under the same id (idempotent in schedule) and meet at the key.
_APPOINTMENT_NS = uuid.UUID("7d0c6a52-5b8e-4f0c-9a53-3f1b1c2d9e10")


def appointment_id_for(actor_id: str, key: str) -> str:
    return str(uuid.uuid5(_APPOINTMENT_NS, f"{actor_id}\n{key}"))


@dataclass(frozen=True)
class Booked:
    appointment: dict


@dataclass(frozen=True)
class Refused:
    error: errors.BookingError


@dataclass(frozen=True)
class Replayed:
    """The answer remembered under the key, as first given."""
    status: int
    body: dict


Outcome = Booked | Refused | Replayed


def book(deps: Deps, actor: Actor, req: BookRequest, key: str, request_hash: str,
         client: ClientInfo) -> Outcome:
    # No read of the key first: a retry takes the same slot again (idempotent) and meets the
    # remembered answer at its insert, which it then replays (giving back what it took).
    memo = _Memo(deps, actor, key, request_hash)
    try:
        patient = _patient(deps, actor, req)
        _consent(deps, actor, patient, req, client)
    except errors.BookingError as exc:
        return memo.refuse(exc)
    appointment_id = appointment_id_for(actor.id, key)
    try:
        slot = deps.schedule.take(req.slot_id, appointment_id, req.hold_id, actor.channel)
    except (errors.SlotNotFound, errors.SlotUnavailable, errors.InThePast) as exc:
        return memo.refuse(exc)
    try:
        row = appointment_row(deps, actor, req, patient, slot, appointment_id)
    except errors.BookingError as exc:
        return memo.refuse(exc, release=(slot.id, appointment_id))
    except Exception:
        give_back(deps, slot.id, appointment_id)  # nothing was recorded: the slot goes back now
        raise
    return _record(deps, actor, memo, row, client)


class _Memo:
    """Remembers refusals under the Idempotency-Key (retries replay them)."""

    def __init__(self, deps: Deps, actor: Actor, key: str, request_hash: str):
        self.deps, self.actor, self.key, self.request_hash = deps, actor, key, request_hash

    def refuse(self, exc: errors.BookingError, *, release: tuple[str, str] | None = None):
        if release is not None:
            give_back(self.deps, *release)
        count_booking(exc.code)
        api = to_api_error(exc)
        earlier = self.deps.records.remember_reply(self.actor.id, self.key, self.request_hash,
                                                   api.status, api.body())
        return Refused(exc) if earlier is None else _replay(earlier, self.request_hash)


def _replay(stored: StoredReply, request_hash: str) -> Replayed:
    if stored.request_hash != request_hash:
        raise errors.IdempotencyKeyReused()
    if stored.status is None:
        raise errors.RequestInProgress()  # a claim left by the previous design, not answered yet
    return Replayed(stored.status, stored.body or {})


def _patient(deps: Deps, actor: Actor, req: BookRequest) -> PatientFacts:
    """The token's facts for a patient; auth's registry for staff (and old tokens)."""
    if not actor.is_staff and actor.patient is not None:
        return actor.patient
    record = deps.auth.patient(req.patient_id or actor.id)
    if record is None:
        raise errors.PatientNotFound()
    return patient_from_record(record)


def _consent(deps: Deps, actor: Actor, patient: PatientFacts, req: BookRequest,
             client: ClientInfo) -> None:
    if patient.consent == req.consent_version:
        return  # accepted already, and the current version
    # Record the acceptance the request carries (auth refuses a version that is not current).
    deps.auth.accept_consent(patient.id, req.consent_version, actor.channel, client.ip,
                             client.user_agent)


def appointment_row(deps: Deps, actor: Actor, req: BookRequest, patient: PatientFacts,
                    slot: TakenSlot, appointment_id: str) -> dict:
    """The booking rules on the taken slot's facts; the ``booked`` row to insert."""
    if slot.service_ids and req.service_id not in slot.service_ids:
        raise errors.InvalidInput(fields={"service_id": "Эта услуга не оказывается в это время"})
    if actor.is_staff and not actor.may_act_in(slot.organization_id):
        raise errors.Forbidden("Можно записывать только в свою медицинскую организацию")
    context = deps.catalog.doctor_context(slot.doctor_id, req.service_id)
    if context is None:
        raise errors.InvalidInput(fields={"service_id": "Врач не оказывает эту услугу"})
    org, service, doctor = context["organization"], context["service"], context["doctor"]
    rules.check_service_bookable(service, by_staff=actor.is_staff)
    attendance.check_online_booking(deps, actor, patient.id, org["id"],  # the no-show rule
                                    org.get("settings"))
    rules.check_attachment(service, org["id"], doctor.get("areas") or [],
                           list(patient.attachments))
    rules.check_booking_time(slot.start, deps.clock(), rules.zone(org.get("timezone")),
                             rules.OrgSettings.from_dict(org.get("settings")),
                             by_staff=actor.is_staff)
    snapshot = build_snapshot(context, _patient_record(patient))
    if req.hold_id:
        snapshot["hold_id"] = req.hold_id
    referrals.mark(snapshot, service, req.referral_id)
    now = utcnow()
    return {"id": appointment_id, "patient_id": patient.id, "organization_id": org["id"],
            "doctor_id": doctor["id"], "service_id": service["id"],
            "specialty": rules.specialty_of(context), "slot_id": slot.id,
            "start_utc": slot.start, "end_utc": slot.end, "status": "booked",
            "ticket_number": new_ticket_number(), "snapshot": snapshot,
            "channel": actor.channel, "created_by": actor.audit_actor.id, "flagged": False,
            "flag_reason": None, "slot_release_due": False, "created_at": now,
            "updated_at": now, "version": 1}


def _patient_record(patient: PatientFacts) -> dict:
    """The shape ``build_snapshot`` freezes (auth's patient answer)."""
    return {"id": patient.id, "full_name": patient.full_name, "email": patient.email,
            "phone": patient.phone, "policy": {"masked": patient.policy_last4 or ""}}


def _record(deps: Deps, actor: Actor, memo: _Memo, row: dict, client: ClientInfo) -> Outcome:
    """The one booking transaction. The one-per-specialty index refusing it may only mean the
    patient's earlier appointment of the specialty is over: that one lets go of its place (a
    conditional UPDATE, paid only on this conflict) and the transaction runs once more."""
    try:
        return _write(deps, actor, memo, row, client)
    except errors.DuplicateSpecialty as exc:
        if not deps.records.release_past_specialty(row["patient_id"], row["specialty"],
                                                   deps.clock()):
            return memo.refuse(exc, release=(row["slot_id"], row["id"]))
    try:
        return _write(deps, actor, memo, row, client)
    except errors.DuplicateSpecialty as exc:
        return memo.refuse(exc, release=(row["slot_id"], row["id"]))


def _write(deps: Deps, actor: Actor, memo: _Memo, row: dict, client: ClientInfo) -> Outcome:
    """Raises ``DuplicateSpecialty``; every other refusal is an outcome."""
    answer = appointment_json(row)
    try:
        with deps.records.unit_of_work() as uow:
            # The answer first: a concurrent retry of this request, or the reconciler's claim
            # on this appointment id, stops here.
            uow.add_reply(actor.id, memo.key, memo.request_hash, 201, answer, row["id"])
            uow.add_appointment(row)
            referrals.use_for_booking(uow, row, deps.clock())
            uow.add_event("appointment.booked",
                          event_data(row, actor=actor.kind, extra=actor.event_extra))
            uow.fulfil_waitlist(row["patient_id"], row["organization_id"], row["service_id"])
            if actor.audited:
                uow.add_audit(actor=actor.audit_actor, action="appointment.create", client=client,
                              appointment_id=row["id"], patient_id=row["patient_id"],
                              organization_id=row["organization_id"])
            uow.commit()
    except errors.ReferralError as exc:
        return memo.refuse(exc, release=(row["slot_id"], row["id"]))
    except errors.RecordConflict:
        return _after_conflict(deps, memo, row)
    count_booking("booked")
    return Booked(answer)


def _after_conflict(deps: Deps, memo: _Memo, row: dict) -> Outcome:
    stored = deps.records.find_reply(memo.actor.id, memo.key)
    if stored is None:
        # The reconciler gave this appointment id up (its take looked abandoned): it will never
        # be booked, so the slot just taken again goes back.
        return memo.refuse(errors.SlotUnavailable(), release=(row["slot_id"], row["id"]))
    if not (stored.status == 201 and stored.appointment_id == row["id"]):
        give_back(deps, row["slot_id"], row["id"])  # the key's answer is a refusal
    return _replay(stored, memo.request_hash)


def give_back(deps: Deps, slot_id: str, appointment_id: str) -> None:
    """Release a slot this request took but did not book; the reconciler retries on failure."""
    try:
        deps.schedule.release(slot_id, appointment_id)
    except Exception as exc:  # noqa: BLE001 - schedule down: the take is found and released later
        log.warning("could not give a slot back; the reconciler will",
                    extra={"appointment_id": appointment_id, "error": str(exc)[:200]})


__all__ = ["REF", "UUID_RE", "parse_instant", "book", "appointment_id_for", "Booked", "Refused",
           "Replayed", "Outcome", "give_back"]
