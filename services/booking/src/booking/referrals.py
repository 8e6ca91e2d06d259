"""Referrals (направления): the rules and the hooks of the book and cancel use cases.

A service marked ``requires_referral`` in the catalog is booked only with a usable referral:
the patient's own, ``active``, not expired (``expires_on`` is the last day, in the
organization's zone), for this service or for any service of its specialty. The booking's
transaction uses it up with one conditional UPDATE (``adapters/referrals_sql.use``); a cancel
gives it back in its own transaction; a reschedule keeps the appointment id, so the referral
stays with it. The staff and patient use cases are in ``referral_cases.py``.
"""
from __future__ import annotations

from datetime import date, datetime

from regcommon.instants import DEFAULT_TIMEZONE, as_utc

from .adapters import referrals_sql
from .domain import errors, rules

STATUSES = ("active", "used", "cancelled")
# Attempts of the automatic choice: a concurrent booking may use the chosen one first.
AUTO_ATTEMPTS = 3


def local_today(now: datetime, tz_name: str | None = None) -> date:
    return now.astimezone(rules.zone(tz_name or DEFAULT_TIMEZONE)).date()


def mark(snapshot: dict, service: dict, referral_id: str | None) -> None:
    """Book path, before the transaction: a referral-only service notes what the booking needs."""
    if service.get("requires_referral"):
        snapshot["referral"] = {"required": True, "requested_id": referral_id}


def use_for_booking(uow, row: dict, now: datetime) -> str | None:
    """Book path, inside the booking's transaction: use up a referral when the service needs one
    (``ReferralRequired`` / ``ReferralInvalid`` otherwise); the id of the one used."""
    need = (row.get("snapshot") or {}).get("referral")
    if not need or not need.get("required"):
        return None
    today = local_today(now, row["snapshot"].get("timezone"))
    requested = need.get("requested_id")
    for _attempt in range(1 if requested else AUTO_ATTEMPTS):
        used = uow.use_referral(appointment_id=row["id"], patient_id=row["patient_id"],
                                service_id=row["service_id"], specialty=row["specialty"],
                                today=today, referral_id=requested)
        if used is not None:
            return used
    raise errors.ReferralInvalid() if requested else errors.ReferralRequired()


def give_back(conn, row: dict, now: datetime) -> int:
    """Cancel path, inside the cancel's transaction: the referral is active again (unless
    expired) and may book another time."""
    today = local_today(now, (row.get("snapshot") or {}).get("timezone"))
    return referrals_sql.give_back(conn, row["id"], today)


def display_status(row: dict, today: date) -> str:
    """``expired``: active, but its last day has passed (the row stays ``active``)."""
    if row["status"] == "active" and row["expires_on"] < today:
        return "expired"
    return row["status"]


def referral_json(row: dict, today: date) -> dict:
    issued_at = as_utc(row["issued_at"]) if row["issued_at"] else None
    return {
        "id": row["id"], "patient_id": row["patient_id"],
        "organization_id": row["organization_id"],
        "service": ({"id": row["service_id"], "name": row["service_name"]}
                    if row["service_id"] else None),
        "specialty": row["specialty"], "expires_on": row["expires_on"].isoformat(),
        "status": display_status(row, today),
        "issued_at": issued_at.isoformat() if issued_at else None,
        "issued_by": {"id": row["issued_by"], "name": row["issued_by_name"]},
        "source": ({"system": row["source_system"], "number": row["source_number"]}
                   if row["source_system"] else None),
        "used_by_appointment_id": row["used_by_appointment_id"],
    }
