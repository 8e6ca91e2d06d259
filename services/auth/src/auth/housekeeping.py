"""Removing records that no longer matter (run daily: `python -m auth purge`)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, or_, select

from regcommon.db import session_scope, utcnow

from .adapters.tables import (esia_states, login_attempts, login_locks, revoked_tokens,
                              subject_revocations)
from .services import Context


def purge_old_records(ctx: Context, days: int = 2) -> dict:
    """Keep what the limits can still look at (their windows are minutes; lockouts up to a day)."""
    now = utcnow()
    cutoff = now - timedelta(days=days)
    with session_scope(ctx.sessions) as session:
        attempts = session.execute(delete(login_attempts).where(
            login_attempts.c.created_at < cutoff)).rowcount
        # A key calm for a day forgets its lockout ladder anyway (see the limiter).
        locks = session.execute(delete(login_locks).where(or_(
            login_locks.c.locked_until.is_(None),
            login_locks.c.locked_until < now - timedelta(days=1))).where(
            ~login_locks.c.key.in_(select(login_attempts.c.key)))
        ).rowcount
        revoked = session.execute(delete(revoked_tokens).where(
            revoked_tokens.c.expires_at < now - timedelta(minutes=5))).rowcount
        revoked += session.execute(delete(subject_revocations).where(
            subject_revocations.c.expires_at < now - timedelta(minutes=5))).rowcount
        states = session.execute(delete(esia_states).where(
            esia_states.c.expires_at < now - timedelta(hours=1))).rowcount
    return {"login_attempts": attempts, "login_locks": locks, "revoked_tokens": revoked,
            "esia_states": states}
