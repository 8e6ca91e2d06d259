"""Login attempt limits kept in the database, so that they hold across all instances.

A check-and-record runs in ONE transaction that first locks the per-key counter rows
(``login_locks``): ``SELECT ... FOR UPDATE`` on PostgreSQL, the database write lock on SQLite
(``BEGIN IMMEDIATE``). Two instances racing on the same policy therefore count one after the
other, and the sixth failure cannot slip through between a count and an insert.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from ..domain.errors import TooManyAttempts
from ..domain.login import Limit, policy_lockout_seconds
from .tables import login_attempts, login_locks


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


class AttemptLimiter:
    def lock_keys(self, session: Session, keys: list[tuple[Limit, str]]) -> None:
        """Create-if-missing and lock the counter rows, in a fixed order (no deadlocks)."""
        is_pg = session.get_bind().dialect.name == "postgresql"
        for limit, key in sorted(keys, key=lambda item: (item[0].kind, item[1])):
            if is_pg:
                session.execute(pg_insert(login_locks).values(kind=limit.kind, key=key, lockouts=0)
                                .on_conflict_do_nothing())
                session.execute(select(login_locks.c.kind).where(
                    login_locks.c.kind == limit.kind, login_locks.c.key == key).with_for_update())
            else:
                exists = session.execute(select(login_locks.c.kind).where(
                    login_locks.c.kind == limit.kind, login_locks.c.key == key)).first()
                if exists is None:
                    session.execute(insert(login_locks).values(kind=limit.kind, key=key, lockouts=0))

    def check(self, session: Session, keys: list[tuple[Limit, str]], now: datetime) -> None:
        """Raise TooManyAttempts while any key is locked out."""
        retry = 0
        for limit, key in keys:
            row = session.execute(select(login_locks.c.locked_until).where(
                login_locks.c.kind == limit.kind, login_locks.c.key == key)).first()
            until = aware(row.locked_until) if row else None
            if until is not None and until > now:
                retry = max(retry, int((until - now).total_seconds() + 0.999))
        if retry:
            raise TooManyAttempts(retry)

    def record(self, session: Session, keys: list[tuple[Limit, str]], succeeded: bool,
               now: datetime) -> None:
        """Store the attempt; after a failure, lock out the keys that reached their maximum."""
        for limit, key in keys:
            session.execute(insert(login_attempts).values(kind=limit.kind, key=key,
                                                          succeeded=succeeded, created_at=now))
            if succeeded:
                if limit.kind != "address":
                    # A person who got in has proven the data: start their lockout ladder anew.
                    session.execute(update(login_locks).where(
                        login_locks.c.kind == limit.kind, login_locks.c.key == key)
                        .values(lockouts=0))
                continue
            self._maybe_lock(session, limit, key, now)

    def _maybe_lock(self, session: Session, limit: Limit, key: str, now: datetime) -> None:
        since = now - timedelta(seconds=limit.window)
        state = session.execute(select(login_locks.c.lockouts, login_locks.c.locked_until).where(
            login_locks.c.kind == limit.kind, login_locks.c.key == key)).first()
        previous_until = aware(state.locked_until) if state else None
        if previous_until is not None and previous_until > now:
            return
        lockouts = state.lockouts if state else 0
        if previous_until is not None:
            # Failures before the last lockout ended were already punished; a day of calm
            # forgets the ladder.
            since = max(since, previous_until)
            if now - previous_until > timedelta(days=1):
                lockouts = 0
        last_success = session.execute(select(func.max(login_attempts.c.created_at)).where(
            login_attempts.c.kind == limit.kind, login_attempts.c.key == key,
            login_attempts.c.succeeded.is_(True), login_attempts.c.created_at >= since)).scalar()
        if last_success is not None and limit.kind != "address":
            since = aware(last_success)
        failures = select(login_attempts.c.created_at).where(and_(
            login_attempts.c.kind == limit.kind, login_attempts.c.key == key,
            login_attempts.c.succeeded.is_(False), login_attempts.c.created_at >= since))
        recent = [aware(row.created_at) for row in session.execute(
            failures.order_by(login_attempts.c.created_at.desc()).limit(limit.max_failures))]
        if len(recent) < limit.max_failures:
            return
        if limit.lockout:
            seconds = policy_lockout_seconds(lockouts, limit.lockout,
                                             limit.lockout_max or limit.lockout)
            until = now + timedelta(seconds=seconds)
        else:
            # Sliding window: free again when the oldest of the last N failures leaves it.
            until = recent[-1] + timedelta(seconds=limit.window)
        session.execute(update(login_locks).where(
            login_locks.c.kind == limit.kind, login_locks.c.key == key)
            .values(locked_until=until, lockouts=lockouts + 1))

    def unlock(self, session: Session, entries: list[tuple[str, str]], now: datetime) -> int:
        """Lift the lockouts of every key of ``kind`` starting with ``prefix``, as a success
        would: the lockout ends, its ladder starts anew and earlier failures stop counting."""
        unlocked = 0
        for kind, prefix in entries:
            matching = and_(login_locks.c.kind == kind, login_locks.c.key.startswith(prefix))
            keys = [row.key for row in session.execute(select(login_locks.c.key).where(matching))]
            for key in keys:
                session.execute(insert(login_attempts).values(kind=kind, key=key, succeeded=True,
                                                              created_at=now))
            session.execute(update(login_locks).where(matching).values(locked_until=None,
                                                                      lockouts=0))
            unlocked += len(keys)
        return unlocked

    def purge(self, session: Session, older_than: datetime) -> int:
        result = session.execute(login_attempts.delete().where(
            login_attempts.c.created_at < older_than))
        return result.rowcount
