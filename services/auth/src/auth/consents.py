"""Use cases of consent to personal-data processing (152-FZ): accept, withdraw, status."""
from __future__ import annotations

from regcommon.db import new_id, utcnow

from .context import Context
from .domain.consent import CONSENT_VERSION, consent_sha256
from .domain.errors import ConsentRequired


def record(ctx: Context, *, action: str, version: str, channel: str, ip: str | None,
           user_agent: str | None, patient_id: str | None = None,
           session_id: str | None = None) -> dict:
    if action == "accepted" and version != CONSENT_VERSION:
        raise ConsentRequired()
    entry = {"id": new_id(), "patient_id": patient_id, "session_id": session_id,
             "action": action, "version": version, "text_sha256": consent_sha256(),
             "created_at": utcnow(), "channel": channel[:32],
             "ip": (ip or None) and ip[:64], "user_agent": (user_agent or None) and user_agent[:512]}
    with ctx.records.unit_of_work() as uow:
        uow.add_consent(entry)
    return {"id": entry["id"], "action": action, "version": version,
            "sha256": entry["text_sha256"], "at": entry["created_at"].isoformat()}


def accepted_version(ctx: Context, patient_id: str) -> str | None:
    """The version the patient accepted last, or None if none or withdrawn since."""
    with ctx.records.unit_of_work() as uow:
        return uow.accepted_consent_version(patient_id)
