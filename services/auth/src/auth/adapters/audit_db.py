"""The registry's audit trail: who read or changed which patient record, when, with what outcome.

Rows and log lines carry ids, the action and its outcome only: never a name, policy, birth date
or document number (those would turn the audit trail into a second copy of the registry).
"""
from __future__ import annotations

import logging

from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from regcommon.db import session_scope, utcnow

from ..domain.actor import Actor
from .tables import registry_audit

log = logging.getLogger("auth.audit")


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


class SqlAudit:
    """The audit port (``ports.Audit``) over the ``registry_audit`` table."""

    def __init__(self, sessions: sessionmaker[Session]):
        self.sessions = sessions

    def record(self, actor: Actor, action: str, outcome: str, *, patient_id: str | None = None,
               result_count: int | None = None) -> None:
        record(self.sessions, actor, action, outcome, patient_id=patient_id,
               result_count=result_count)
