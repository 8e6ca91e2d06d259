"""What the booking views read by hand, for /openapi.json (see regcommon.openapi)."""
from __future__ import annotations

from regcommon.openapi import DATE, TEXT, body

SLOT = {"type": "string", "pattern": "^[0-9]{1,18}$"}
REF = {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,64}$"}
UUID = {"type": "string", "format": "uuid"}
INSTANT = {"type": "string", "format": "date-time"}
COUNT = {"type": "string", "pattern": "^[0-9]{1,7}$"}
_REFERRAL = {"patient_id": UUID, "service_id": REF, "specialty": TEXT, "expires_on": DATE,
             "organization_id": REF}
REFERRAL = body(_REFERRAL, ("patient_id", "expires_on"))
IMPORTED = body({**_REFERRAL, "source_system": TEXT, "source_number": TEXT, "doctor_name": TEXT},
                ("patient_id", "expires_on", "source_system", "source_number"))

INPUTS = {
    "POST /v1/appointments": {"body": body(
        {"slot_id": SLOT, "service_id": REF, "hold_id": REF, "consent_version": TEXT,
         "patient_id": UUID, "referral_id": UUID}, ("slot_id", "service_id"))},
    "GET /v1/appointments": {"query": {"status": TEXT, "patient_id": UUID}},
    "POST /v1/appointments/{appointment_id}/reschedule": {"body": body(
        {"slot_id": SLOT, "hold_id": REF}, ("slot_id",))},
    "POST /v1/waitlist": {"body": body(
        {"organization_id": REF, "service_id": REF, "doctor_id": REF, "from": DATE, "to": DATE,
         "patient_id": UUID}, ("organization_id", "service_id"))},
    "GET /v1/waitlist": {"query": {"patient_id": UUID}},
    "GET /v1/admin/audit": {"query": {
        "actor_id": TEXT, "patient_id": TEXT, "appointment_id": TEXT, "organization_id": TEXT,
        "action": TEXT, "from": INSTANT, "to": INSTANT, "limit": COUNT, "offset": COUNT}},
    "POST /v1/appointments/{appointment_id}/attendance": {"body": body(
        {"attended": {"type": "boolean"}}, ("attended",))},
    "GET /v1/admin/attendance": {"query": {"organization_id": REF, "doctor_id": REF,
                                           "from": INSTANT, "to": INSTANT}},
    "GET /v1/admin/no-shows": {"query": {"organization_id": REF, "from": INSTANT, "to": INSTANT}},
    "POST /v1/registry/referrals": {"body": REFERRAL},
    "POST /v1/registry/referrals/import": {"body": body(
        {"items": {"type": "array", "minItems": 1, "maxItems": 1000, "items": IMPORTED}},
        ("items",))},
}
