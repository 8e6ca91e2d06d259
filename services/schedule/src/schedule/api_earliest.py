"""``POST /internal/earliest-slots``: the earliest free portal slots of a set of doctors (the
gateway's «Ближайшее свободное время» and FHIR ``Appointment/$find``; internal-contracts)."""
from __future__ import annotations

from datetime import datetime

from apiflask import APIBlueprint
from flask import current_app

from regcommon.errors import ValidationFailed
from regcommon.web import require_internal

from . import earliest
from .api_common import json_object

bp = APIBlueprint("schedule_earliest", __name__)

IDS = {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 64},
       "minItems": 1, "maxItems": earliest.MAX_IDS}
INPUTS = {"POST /internal/earliest-slots": {"body": {
    "type": "object", "required": ["service_ids"],
    "properties": {"service_ids": IDS, "doctor_ids": IDS,
                   "from": {"type": "string", "format": "date-time"},
                   "until": {"type": "string", "format": "date-time"},
                   "limit": {"type": "integer", "minimum": 1, "maximum": earliest.MAX_LIMIT}}}}}


def _ids(body: dict, name: str, required: bool) -> frozenset[str] | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, list) or not value or len(value) > earliest.MAX_IDS or not all(
            isinstance(v, str) and 0 < len(v) <= 64 for v in value):
        raise ValidationFailed({name: f"Непустой список строк (не больше {earliest.MAX_IDS})"})
    return frozenset(value)


def _instant(body: dict, name: str) -> datetime | None:
    value = body.get(name)
    if value is None:
        return None
    try:
        if not isinstance(value, str) or len(value) > 40:
            raise ValueError(value)
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None or not 1900 <= parsed.year <= 9000:
            raise ValueError(value)
        return earliest.rules_mod.as_utc(parsed)
    except ValueError:
        raise ValidationFailed({name: "Момент времени ISO 8601 со смещением часового пояса"}) \
            from None


def parse(body: dict) -> earliest.Query:
    limit = body.get("limit", 5)
    if not isinstance(limit, int) or isinstance(limit, bool) or \
            not 1 <= limit <= earliest.MAX_LIMIT:
        raise ValidationFailed({"limit": f"Целое число от 1 до {earliest.MAX_LIMIT}"})
    start, until = _instant(body, "from"), _instant(body, "until")
    if start is not None and until is not None and until <= start:
        raise ValidationFailed({"until": "Должен быть позже from"})
    return earliest.Query(service_ids=_ids(body, "service_ids", True),
                          doctor_ids=_ids(body, "doctor_ids", False), start=start, until=until,
                          limit=limit)


@bp.post("/internal/earliest-slots")
@bp.doc(summary="Internal: service-to-service, needs the internal token")
def earliest_slots():
    require_internal(current_app.extensions["settings"])
    query = parse(json_object())
    schedule = current_app.extensions["schedule"]
    items = earliest.search(schedule.engine, schedule.directory, schedule.orgs, query,
                            schedule.clock())
    return {"items": items}
