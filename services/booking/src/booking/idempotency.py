"""Idempotency-Key handling: claim the key in the database before doing any work, so that ten
concurrent retries do the work once; the others wait for the stored answer and replay it."""
from __future__ import annotations

import hashlib
import json
import logging
import time
from datetime import timedelta
from typing import Callable

from regcommon.db import utcnow
from regcommon.errors import ApiError

from .adapters import store
from .api_errors import to_api_error
from .context import Reply
from .domain import errors
from .domain.views import as_utc

log = logging.getLogger(__name__)

# A claim with no answer and no appointment this old belongs to a request that died early.
STALE_CLAIM = timedelta(seconds=30)


def request_hash(method: str, path: str, body) -> str:
    canonical = json.dumps([method, path, body], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def error_reply(exc: Exception) -> Reply | None:
    """The answer to remember for a deterministic failure (4xx); None for 5xx (retry may help)."""
    if isinstance(exc, errors.BookingError):
        api = to_api_error(exc)
        return Reply(api.status, api.body())
    if isinstance(exc, ApiError) and 400 <= exc.status < 500:
        return Reply(exc.status, exc.body())
    return None


def _replay(record: dict) -> Reply:
    return Reply(record["status_code"], json.loads(record["response_body"]), replayed=True)


def run(engine, *, actor_id: str, key: str, req_hash: str, work: Callable[[], Reply],
        wait_seconds: float) -> Reply:
    """Do ``work`` once per (actor, key) and remember its answer. ``work`` may store the answer
    itself, in the transaction of its state change, and say so with ``Reply.stored``."""
    for _attempt in range(3):
        with engine.begin() as conn:
            claimed = store.claim_key(conn, actor_id, key, req_hash, None)
        if claimed:
            return _execute(engine, actor_id, key, work)
        record = _await(engine, actor_id, key, req_hash, wait_seconds)
        if record is None:
            continue  # the first request gave its claim up (it failed upstream): take over
        if record["status_code"] is not None:
            return _replay(record)
        if utcnow() - as_utc(record["created_at"]) > STALE_CLAIM:
            with engine.begin() as conn:
                store.drop_key(conn, actor_id, key)
            continue
        raise errors.RequestInProgress()
    raise errors.RequestInProgress()


def _await(engine, actor_id: str, key: str, req_hash: str, wait_seconds: float) -> dict | None:
    deadline = time.monotonic() + wait_seconds
    delay = 0.02
    while True:
        with engine.connect() as conn:
            record = store.get_key(conn, actor_id, key)
        if record is None:
            return None
        if record["request_hash"] != req_hash:
            raise errors.IdempotencyKeyReused()
        if record["status_code"] is not None or time.monotonic() >= deadline:
            return record
        time.sleep(delay)
        delay = min(delay * 2, 0.25)


def _store(engine, actor_id: str, key: str, reply: Reply) -> None:
    with engine.begin() as conn:
        store.store_reply(conn, actor_id, key, reply.status, reply.body)


def _execute(engine, actor_id: str, key: str, work: Callable[[], Reply]) -> Reply:
    try:
        reply = work()
    except Exception as exc:
        remembered = error_reply(exc)
        if remembered is not None:
            _store(engine, actor_id, key, remembered)
            return remembered
        # A 5xx (a peer is down): forget the claim, so that a retry does the work again.
        try:
            with engine.begin() as conn:
                store.drop_key(conn, actor_id, key)
        except Exception:  # noqa: BLE001 - the original error matters more
            log.exception("could not release an idempotency claim")
        raise
    if not reply.stored:
        _store(engine, actor_id, key, reply)
    return reply
