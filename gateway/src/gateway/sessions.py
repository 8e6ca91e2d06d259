"""Server-side browser sessions stored in the gateway's database.

The cookie carries only a random 256-bit id; the data (CSRF token, access token, the booking in
progress) stays on the server. Sessions are opened for UI pages only: /api/, /fhir/, /static/ and
health paths get a null session and never touch the database (the API's hot path must stay cheap).
"""
from __future__ import annotations

import hashlib
import json
import logging
import random
import secrets
from datetime import timedelta, timezone

from flask import request
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import Column, DateTime, Index, MetaData, String, Table, Text, delete, select
from regcommon.db import session_scope, utcnow

log = logging.getLogger(__name__)

COOKIE_NAME = "reg_session"
NO_SESSION_PREFIXES = ("/api/", "/fhir/", "/static/", "/healthz", "/readyz", "/metrics", "/openapi.json")

metadata = MetaData()

sessions_table = Table(
    "sessions", metadata,
    Column("id", String(64), primary_key=True),
    Column("data", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Index("ix_sessions_expires_at", "expires_at"),
)


def new_session_id() -> str:
    return secrets.token_hex(32)


class ServerSession(dict, SessionMixin):
    """A dict that remembers whether it changed and whether its id must be replaced."""

    def __init__(self, sid: str | None = None, data: dict | None = None):
        super().__init__(data or {})
        self.sid = sid
        self.modified = False
        self.rotate_requested = False
        self.clear_requested = False

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self.modified = True

    def __delitem__(self, key):
        super().__delitem__(key)
        self.modified = True

    def pop(self, key, *default):
        self.modified = True
        return super().pop(key, *default)

    def setdefault(self, key, default=None):
        self.modified = True
        return super().setdefault(key, default)

    def update(self, *args, **kw):
        super().update(*args, **kw)
        self.modified = True

    def clear(self):
        super().clear()
        self.modified = True

    def rotate(self) -> None:
        """Give the session a fresh id (at login) so a planted id is worthless afterwards."""
        self.rotate_requested = True
        self.modified = True

    def destroy(self) -> None:
        """Forget everything (logout): the row is deleted and the cookie removed."""
        super().clear()
        self.clear_requested = True
        self.modified = True

    @property
    def public_id(self) -> str | None:
        """A non-secret id derived from the session id, safe to give other services."""
        if not self.sid:
            return None
        return hashlib.sha256(self.sid.encode()).hexdigest()[:32]


class NullSession(ServerSession):
    """The session of /api/ and asset requests: empty and never saved."""


class DbSessionInterface(SessionInterface):
    def __init__(self, sessionmaker, settings):
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.ttl = timedelta(seconds=settings.session_ttl_seconds)

    def open_session(self, app, request):
        if request.path.startswith(NO_SESSION_PREFIXES):
            return NullSession()
        sid = request.cookies.get(COOKIE_NAME)
        if not sid or len(sid) != 64:
            return ServerSession()
        with session_scope(self.sessionmaker) as db:
            row = db.execute(select(sessions_table.c.data, sessions_table.c.expires_at)
                             .where(sessions_table.c.id == sid)).first()
        if row is None or _aware(row.expires_at) <= utcnow():
            return ServerSession()
        try:
            data = json.loads(row.data)
        except ValueError:
            data = {}
        return ServerSession(sid, data)

    def is_null_session(self, obj) -> bool:
        return isinstance(obj, NullSession)

    def save_session(self, app, session, response):
        if isinstance(session, NullSession) or not isinstance(session, ServerSession):
            return
        secure = self.settings.secure_cookies or _request_is_https()
        if session.clear_requested:
            if session.sid:
                self._delete(session.sid)
            response.delete_cookie(COOKIE_NAME, path="/", secure=secure, httponly=True,
                                   samesite="Lax")
            return
        if not session.modified:
            return
        now = utcnow()
        expires = now + self.ttl
        old_sid = session.sid
        if session.rotate_requested or not old_sid:
            session.sid = new_session_id()
        payload = json.dumps(dict(session), ensure_ascii=False)
        with session_scope(self.sessionmaker) as db:
            if old_sid and old_sid != session.sid:
                db.execute(delete(sessions_table).where(sessions_table.c.id == old_sid))
            if old_sid == session.sid:
                updated = db.execute(sessions_table.update()
                                     .where(sessions_table.c.id == session.sid)
                                     .values(data=payload, expires_at=expires)).rowcount
            else:
                updated = 0
            if not updated:
                db.execute(sessions_table.insert().values(id=session.sid, data=payload,
                                                          created_at=now, expires_at=expires))
            if random.random() < 0.01:  # noqa: S311 - housekeeping, not security
                db.execute(delete(sessions_table).where(sessions_table.c.expires_at < now))
        response.set_cookie(COOKIE_NAME, session.sid, max_age=int(self.ttl.total_seconds()),
                            path="/", secure=secure, httponly=True, samesite="Lax")
        response.vary.add("Cookie")

    def _delete(self, sid: str) -> None:
        with session_scope(self.sessionmaker) as db:
            db.execute(delete(sessions_table).where(sessions_table.c.id == sid))


def _aware(value):
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _request_is_https() -> bool:
    return request.is_secure
