"""The registry's audit trail: who read or changed which patient record, when, with what outcome.

Rows and log lines carry ids, the action and its outcome only: never a name, policy, birth date
or document number (those would turn the audit trail into a second copy of the registry).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from regcommon.db import session_scope, utcnow

from .tables import registry_audit

log = logging.getLogger("auth.audit")


@dataclass(frozen=True)
class Actor:
    """The staff member behind a registry call (from their verified token)."""
    id: str
    role: str
    organization_id: str | None
    client_ip: str | None = None

    @property
    def region_wide(self) -> bool:
        """A region admin sees every patient; a registrar only those of their organization."""
        return self.role == "admin"

    @classmethod
    def from_claims(cls, claims: dict, client_ip: str | None) -> "Actor":
        return cls(id=str(claims.get("sub") or ""), role=str(claims.get("role") or ""),
                   organization_id=claims.get("organization_id"), client_ip=client_ip)


def record(sessions: sessionmaker[Session], actor: Actor, action: str, outcome: str, *,
           patient_id: str | None = None, result_count: int | None = None) -> None:
    with session_scope(sessions) as session:
        session.execute(insert(registry_audit).values(
            created_at=utcnow(), actor_id=actor.id[:36], actor_role=actor.role[:16],
            actor_organization_id=actor.organization_id, action=action, outcome=outcome,
            patient_id=patient_id, result_count=result_count,
            client_ip=(actor.client_ip or None) and actor.client_ip[:64]))
    log.info("registry access", extra={
        "event": "registry_audit", "action": action, "outcome": outcome, "actor_id": actor.id,
        "actor_role": actor.role, "actor_organization_id": actor.organization_id,
        "patient_id": patient_id, "result_count": result_count})
