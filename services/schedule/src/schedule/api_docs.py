"""What the schedule's views read by hand, for /openapi.json (see regcommon.openapi)."""
from __future__ import annotations

from regcommon.openapi import DATE, TEXT, body

CHANNEL = {"type": "string", "enum": ["reception"]}
SPAN = {"type": "array", "items": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"},
        "minItems": 2, "maxItems": 2}
WEEK = {"type": "object", "properties": {day: SPAN for day in
                                         ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}

TAKE_CHANNEL = {"type": "string", "enum": ["portal", "reception"]}
SLOT = {"type": "string", "pattern": "^[0-9]{1,18}$"}

INPUTS = {
    "GET /v1/doctors/{doctor_id}/days": {
        "query": {"service_id": TEXT, "from": DATE, "to": DATE, "channel": CHANNEL},
        "required_query": ["service_id", "from", "to"]},
    "GET /v1/doctors/{doctor_id}/slots": {
        "query": {"service_id": TEXT, "date": DATE, "channel": CHANNEL},
        "required_query": ["service_id", "date"]},
    "POST /v1/slots/{slot_id}/hold": {
        "body": body({"session_id": {"type": "string", "maxLength": 128}})},
    "PUT /v1/admin/doctors/{doctor_id}/quota": {
        "body": body({"reception_percent": {"type": "integer", "minimum": 0, "maximum": 100}},
                     ("reception_percent",))},
    "PUT /v1/admin/doctors/{doctor_id}/template": {
        "body": body({"slot_minutes": {"type": "integer", "minimum": 5, "maximum": 240},
                      "week": WEEK, "breaks": {"type": "array", "items": SPAN},
                      "quota": body({"reception_percent": {"type": "integer"}})})},
    "POST /v1/admin/doctors/{doctor_id}/absences": {
        "body": body({"from": DATE, "to": DATE, "reason": {"type": "string", "maxLength": 200}},
                     ("from", "to"))},
    "POST /internal/slots/{slot_id}/take": {"body": body(
        {"appointment_id": TEXT, "hold_id": TEXT, "channel": TAKE_CHANNEL}, ("appointment_id",))},
    "POST /internal/slots/{slot_id}/release": {"body": body({"appointment_id": TEXT},
                                                            ("appointment_id",))},
    "POST /internal/appointments/{appointment_id}/move": {"body": body(
        {"from_slot_id": SLOT, "to_slot_id": SLOT, "channel": TAKE_CHANNEL},
        ("from_slot_id", "to_slot_id"))},
}
