"""Use cases of consent to personal-data processing (152-FZ): accept, withdraw, status."""
from __future__ import annotations

from sqlalchemy import insert

from regcommon.db import new_id, session_scope, utcnow

from .adapters import patients_db
from .adapters.tables import consents
from .domain.consent import CONSENT_VERSION, consent_sha256
from .domain.errors import ConsentRequired
from .services import Context


def record(ctx: Context, *, action: str, version: str, channel: str, ip: str | None,
           user_agent: str | None, patient_id: str | None = None,
           session_id: str | None = None) -> dict:
    if action == "accepted" and version != CONSENT_VERSION:
        raise ConsentRequired()
    entry = {"id": new_id(), "patient_id": patient_id, "session_id": session_id,
             "action": action, "version": version, "text_sha256": consent_sha256(),
             "created_at": utcnow(), "channel": channel[:32],
             "ip": (ip or None) and ip[:64], "user_agent": (user_agent or None) and user_agent[:512]}
    with session_scope(ctx.sessions) as session:
        session.execute(insert(consents).values(**entry))
    return {"id": entry["id"], "action": action, "version": version,
            "sha256": entry["text_sha256"], "at": entry["created_at"].isoformat()}


def accepted_version(ctx: Context, patient_id: str) -> str | None:
    """The version the patient accepted last, or None if none or withdrawn since."""
    with session_scope(ctx.sessions) as session:
        return patients_db.accepted_consent_version(session, patient_id)
