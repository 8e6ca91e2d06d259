"""The transactional outbox: events are rows written in the same transaction as the state change,
and a relay publishes them to the broker with confirms, so no event is lost and the request path
never waits on the broker."""
from __future__ import annotations

import json
import logging
import threading
import time
from datetime import timezone

from sqlalchemy import (Column, DateTime, Index, Integer, MetaData, String, Table, Text, select,
                        update)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from .db import utcnow
from .events import EventPublisher, envelope

log = logging.getLogger(__name__)


def outbox_table(metadata: MetaData) -> Table:
    """The ``outbox`` table, added to a service's own metadata (and so to its migrations)."""
    return Table(
        "outbox", metadata,
        Column("id", String(36), primary_key=True),
        Column("event_type", String(64), nullable=False),
        Column("payload", Text, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("published_at", DateTime(timezone=True), nullable=True),
        Column("attempts", Integer, nullable=False, default=0),
        Column("last_error", String(500), nullable=True),
        Index("ix_outbox_unpublished", "created_at",
              postgresql_where="published_at IS NULL", sqlite_where=None),
    )


def add_event(session: Session, table: Table, event_type: str, data: dict, *,
              statement=None) -> dict:
    """Record an event in the caller's transaction; the relay publishes it after commit.
    ``statement``: the table's insert built once by a hot path (else built here)."""
    event = envelope(event_type, data)
    session.execute(table.insert() if statement is None else statement, {
        "id": event["id"], "event_type": event_type,
        "payload": json.dumps(event, ensure_ascii=False, default=str),
        "created_at": utcnow(), "attempts": 0})
    return event


class OutboxRelay:
    """Publishes unpublished rows in order. Several relays may run: on PostgreSQL each batch is
    claimed with ``FOR UPDATE SKIP LOCKED``; on SQLite the write lock serialises them."""

    def __init__(self, engine: Engine, table: Table, publisher: EventPublisher, *,
                 batch_size: int = 100, idle_sleep: float = 0.2, max_backoff: float = 10.0,
                 service: str = "service", observe_every: float = 5.0):
        self.engine = engine
        self.table = table
        self.publisher = publisher
        self.batch_size = batch_size
        self.idle_sleep = idle_sleep
        self.max_backoff = max_backoff
        self.service = service
        self.observe_every = observe_every
        self._observed_at = 0.0
        self._stop = threading.Event()

    def publish_batch(self) -> int:
        """Publish one batch; returns how many were published. Raises if the broker fails."""
        t = self.table
        query = (select(t.c.id, t.c.payload, t.c.event_type).where(t.c.published_at.is_(None))
                 .order_by(t.c.created_at).limit(self.batch_size))
        if self.engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        done = 0
        failed_id, failure = None, None
        with self.engine.begin() as conn:
            rows = conn.execute(query).all()
            for row in rows:
                try:
                    self.publisher.publish(json.loads(row.payload), routing_key=row.event_type)
                except Exception as exc:  # noqa: BLE001 - recorded below, then re-raised
                    failed_id, failure = row.id, exc
                    break
                conn.execute(update(t).where(t.c.id == row.id).values(published_at=utcnow()))
                done += 1
        if failure is not None:
            # What was published stays marked; the row it stopped at records the failure.
            with self.engine.begin() as conn:
                conn.execute(update(t).where(t.c.id == failed_id).values(
                    attempts=t.c.attempts + 1, last_error=str(failure)[:500]))
            raise failure
        return done

    def lag_seconds(self) -> float:
        with self.engine.connect() as conn:
            oldest = conn.execute(select(self.table.c.created_at)
                                  .where(self.table.c.published_at.is_(None))
                                  .order_by(self.table.c.created_at).limit(1)).scalar()
        if oldest is None:
            return 0.0
        if oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=timezone.utc)
        return max(0.0, (utcnow() - oldest).total_seconds())

    def pending(self) -> int:
        from sqlalchemy import func

        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(self.table)
                                .where(self.table.c.published_at.is_(None))).scalar_one()

    def observe(self) -> None:
        """Publish the outbox's lag and backlog as metrics (what ops watch during an outage)."""
        from .metrics import OUTBOX_LAG, OUTBOX_PENDING

        OUTBOX_LAG.labels(self.service).set(self.lag_seconds())
        OUTBOX_PENDING.labels(self.service).set(self.pending())
        self._observed_at = time.monotonic()

    def _maybe_observe(self) -> None:
        if time.monotonic() - self._observed_at >= self.observe_every:
            try:
                self.observe()
            except Exception as exc:  # noqa: BLE001 - metrics never stop the relay
                log.warning("outbox metrics failed", extra={"error": str(exc)[:200]})

    def run(self) -> None:
        backoff = 0.5
        while not self._stop.is_set():
            self._maybe_observe()
            try:
                published = self.publish_batch()
                backoff = 0.5
                if published < self.batch_size:
                    self._stop.wait(self.idle_sleep)
            except Exception as exc:  # noqa: BLE001 - broker down: keep rows, retry later
                log.warning("outbox relay cannot publish; will retry",
                            extra={"error": str(exc)[:200], "retry_in": backoff})
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self.max_backoff)

    def stop(self) -> None:
        self._stop.set()
