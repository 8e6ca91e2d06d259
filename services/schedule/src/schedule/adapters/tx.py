"""Transactions with a retry on the errors a database may raise under contention."""
from __future__ import annotations

import logging
import time
from typing import Callable, TypeVar

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

log = logging.getLogger(__name__)
T = TypeVar("T")

RETRYABLE_PG = {"40P01", "40001"}  # deadlock detected, serialization failure


def _retryable(exc: OperationalError) -> bool:
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    if code in RETRYABLE_PG:
        return True
    return "database is locked" in str(exc.orig)


def in_transaction(engine: Engine, work: Callable[[Connection], T], attempts: int = 4) -> T:
    """Run ``work`` in one transaction (BEGIN IMMEDIATE on SQLite); retried only when the database
    aborted it for contention, which leaves nothing behind."""
    for attempt in range(attempts):
        try:
            with engine.begin() as conn:
                return work(conn)
        except OperationalError as exc:
            if attempt + 1 == attempts or not _retryable(exc):
                raise
            log.info("transaction retried", extra={"attempt": attempt + 1})
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")
