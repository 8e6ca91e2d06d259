"""``python -m schedule import FILE``: organizations, doctors and templates from the region file
(format ``registratura-region/1``), upserted in bulk."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from regcommon.db import utcnow
from regcommon.instants import DEFAULT_TIMEZONE

from .adapters.tables import doctors, organizations, templates
from .adapters.upsert import upsert
from .domain.templates import TemplateInvalid, parse_template

log = logging.getLogger(__name__)
FORMAT = "registratura-region/1"
BATCH = 2000


class RegionFileInvalid(ValueError):
    pass


@dataclass
class ImportResult:
    organizations: int = 0
    doctors: int = 0
    skipped_templates: int = 0


def import_region(engine: Engine, region: dict, default_tz: str = DEFAULT_TIMEZONE) -> ImportResult:
    if not isinstance(region, dict) or region.get("format") != FORMAT:
        raise RegionFileInvalid(f"not a {FORMAT} file")
    now = utcnow()
    result = ImportResult()
    org_rows, doctor_rows, template_rows = [], [], []
    region_tz = region.get("timezone") or default_tz
    for org in region.get("organizations") or []:
        tz = org.get("timezone") or region_tz
        org_rows.append({"id": org["id"], "timezone": tz,
                         "settings": json.dumps(org.get("settings") or {}), "updated_at": now})
        for doc in org.get("doctors") or []:
            doctor_rows.append({"id": doc["id"], "organization_id": org["id"], "timezone": tz,
                                "service_ids": json.dumps(list(doc.get("service_ids") or [])),
                                "updated_at": now})
            try:
                template = parse_template(doc.get("schedule") or {})
            except TemplateInvalid as exc:
                log.warning("template skipped", extra={"doctor_id": doc["id"],
                                                       "fields": exc.fields})
                result.skipped_templates += 1
                continue
            template_rows.append(template_row(doc["id"], template, now))
    with engine.begin() as conn:
        for i in range(0, len(org_rows), BATCH):
            upsert(conn, organizations, org_rows[i:i + BATCH], ["id"])
        for i in range(0, len(doctor_rows), BATCH):
            upsert(conn, doctors, doctor_rows[i:i + BATCH], ["id"])
        for i in range(0, len(template_rows), BATCH):
            upsert(conn, templates, template_rows[i:i + BATCH], ["doctor_id"])
    result.organizations, result.doctors = len(org_rows), len(doctor_rows)
    return result


def template_row(doctor_id: str, template, now) -> dict:
    data = template.to_json()
    return {"doctor_id": doctor_id, "slot_minutes": data["slot_minutes"],
            "week": json.dumps(data["week"]), "breaks": json.dumps(data["breaks"]),
            "reception_percent": data["quota"]["reception_percent"], "updated_at": now}
