"""Database plumbing: engines for PostgreSQL and SQLite, sessions, migrations."""
from __future__ import annotations

import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event, exc, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def new_id() -> str:
    return str(uuid.uuid4())


def default_pool_size() -> int:
    """One pooled connection per request thread of this process: gunicorn's thread count, which
    the launcher (tools/stack.py) and the images (deploy/gunicorn.conf.py) put into
    ``GUNICORN_THREADS``; 4 for processes that are not web servers."""
    import os

    raw = os.environ.get("GUNICORN_THREADS", "").strip()
    return max(1, int(raw)) if raw.isdigit() else 4


def make_engine(url: str, *, pool_size: int | None = None, echo: bool = False) -> Engine:
    """An engine tuned for its backend.

    PostgreSQL: ``pool_size`` connections kept (default: one per request thread, see
    :func:`default_pool_size`), as many again opened for bursts and closed after use.

    ``hide_parameters``: errors and logs show statements without their values, which are often
    personal data (policy numbers, birth dates, names).

    SQLite (embedded default): WAL so readers never wait for the writer, a busy timeout so
    concurrent writers queue instead of failing, foreign keys on, and ``BEGIN IMMEDIATE`` for every
    transaction so that a conditional UPDATE and the read before it happen under the write lock.
    """
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, hide_parameters=True,
                               connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    pool_size = pool_size or default_pool_size()
    engine = create_engine(url, echo=echo, pool_size=pool_size, max_overflow=pool_size,
                           pool_recycle=1800, hide_parameters=True)
    ping_when_idle(engine)
    return engine


# A connection back in the pool for longer than this is pinged before it is handed out again.
IDLE_PING_SECONDS = 5.0


def ping_when_idle(engine: Engine, idle_seconds: float = IDLE_PING_SECONDS) -> None:
    """``pool_pre_ping`` for connections that sat idle, not for busy ones.

    SQLAlchemy's ``pool_pre_ping`` costs a round trip on every checkout, i.e. on every
    transaction of every service. A connection used a moment ago is alive unless the server
    went away since; then its statement fails as a disconnect, SQLAlchemy invalidates every
    connection of the pool checked out before that moment, and the request answers 503 (see
    regcommon.web). A connection idle for ``idle_seconds`` (a quiet night, a failover done
    meanwhile) is pinged first and, if dead, replaced without anyone seeing an error."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn, record):
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn, record, _proxy):
        since = record.info.get("checked_in_at")
        if since is None or time.monotonic() - since < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as error:  # noqa: BLE001 - the pool retries with a new connection
            raise exc.DisconnectionError() from error


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A unit of work: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


class SessionUnitOfWork:
    """A unit of work over one ORM session: ``with uow: ...`` commits when the block ends
    cleanly, rolls back when it raises (or when the commit itself fails), and closes the
    session either way. Services subclass it with the statements of their ports."""

    def __init__(self, sessions: sessionmaker[Session]):
        self.sessions = sessions
        self.session: Session | None = None

    def __enter__(self):
        self.session = self.sessions()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self.session.commit()
            else:
                self.session.rollback()
        except BaseException:
            self.session.rollback()
            raise
        finally:
            self.session.close()


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


# --- Alembic -----------------------------------------------------------------------------------

def alembic_config(package: str, url: str):
    """An Alembic config for ``<package>/migrations`` (inside the installed package)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", f"{package}:migrations")
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(package: str, url: str, revision: str = "head") -> None:
    from alembic import command

    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(package, url), revision)


def migration_heads(package: str, url: str) -> list[str]:
    from alembic.script import ScriptDirectory

    return list(ScriptDirectory.from_config(alembic_config(package, url)).get_heads())


def schema_diff(package: str, url: str, metadata) -> list:
    """Differences between the migrated database at ``url`` and the models (empty = in sync)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(ctx, metadata)
    finally:
        engine.dispose()


def run_migrations_online(context, metadata) -> None:
    """The body of every service's ``migrations/env.py``."""
    url = context.config.get_main_option("sqlalchemy.url")
    engine = create_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata, compare_type=True,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
