"""Shapes of appointments in answers and events (api.md, internal-contracts.md)."""
from __future__ import annotations

import secrets
from datetime import datetime

from regcommon.instants import DEFAULT_TIMEZONE, as_utc

from .rules import zone

# No look-alike characters (0/O, 1/I): people read talon numbers aloud at the reception.
_TICKET_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def new_ticket_number() -> str:
    raw = "".join(secrets.choice(_TICKET_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def local_iso(value: datetime, tz_name: str | None) -> str:
    return as_utc(value).astimezone(zone(tz_name)).isoformat()


def build_snapshot(context: dict, patient: dict) -> dict:
    """What answers and events need later, frozen at booking time."""
    org, doctor, service = context["organization"], context["doctor"], context["service"]
    policy = patient.get("policy") or {}
    masked = str(policy.get("masked") or "")
    digits = "".join(ch for ch in masked if ch.isdigit())
    return {
        "timezone": org.get("timezone"),
        "organization": {"id": org["id"], "name": org.get("name"), "address": org.get("address"),
                         "phone": org.get("phone"), "type_name": org.get("type_name")},
        "doctor": {"id": doctor["id"], "full_name": doctor.get("full_name"),
                   "specialty": doctor.get("specialty"), "room": doctor.get("room")},
        "service": {"id": service["id"], "name": service.get("name"),
                    "paid": bool(service.get("paid"))},
        "patient": {"id": patient["id"], "full_name": patient.get("full_name")},
        "contact": {"email": patient.get("email"), "phone": patient.get("phone"),
                    "policy_last4": digits[-4:] or None},
        "settings": org.get("settings") or {},
    }


def appointment_json(row) -> dict:
    snap = row["snapshot"]
    tz_name = snap.get("timezone")
    org = snap["organization"]
    return {
        "id": row["id"],
        "status": row["status"],
        "start": local_iso(row["start_utc"], tz_name),
        "end": local_iso(row["end_utc"], tz_name),
        "organization": {"id": org["id"], "name": org.get("name"), "address": org.get("address")},
        "doctor": dict(snap["doctor"]),
        "service": dict(snap["service"]),
        "patient": dict(snap["patient"]),
        "ticket": {"number": row["ticket_number"]},
        "created_at": local_iso(row["created_at"], tz_name),
        "channel": row["channel"],
        "flagged": bool(row["flagged"]),
        "flag_reason": row["flag_reason"],
        # Marked by the reception after the time: null | attended | no_show.
        "attendance": row.get("attendance"),
    }


def event_data(row, *, actor: str, previous: dict | None = None, extra: dict | None = None) -> dict:
    """Data of the appointment.* events (internal-contracts.md)."""
    snap = row["snapshot"]
    body = appointment_json(row)
    for key in ("channel", "flagged", "flag_reason"):
        body.pop(key, None)
    # The type («Женские консультации») lets tickets keep a sensitive place out of SMS/e-mail.
    body["organization"]["type"] = snap["organization"].get("type_name")
    data = {"appointment": body, "timezone": snap.get("timezone") or DEFAULT_TIMEZONE,
            "contact": dict(snap.get("contact") or {}), "actor": actor}
    if previous is not None:
        data["previous"] = previous
    if extra:
        data.update(extra)
    return data
