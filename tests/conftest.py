"""Shared test infrastructure: real PostgreSQL and RabbitMQ for integration tests.

Where they come from, in order: environment URLs (``TEST_POSTGRES_URL``, ``TEST_AMQP_URL``), else
testcontainers when a Docker engine answers, else the local default ports. With ``CI=true`` a
server that cannot be reached fails the test run; elsewhere the test is skipped (and reported so).
"""
from __future__ import annotations

import os
import socket
import uuid

import pytest

LOCAL_POSTGRES = "postgresql+psycopg://root@127.0.0.1:5432/postgres"
LOCAL_AMQP = "amqp://guest:guest@127.0.0.1:5672//"


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _unavailable(what: str) -> None:
    message = f"{what} is not reachable (set its URL, run a Docker engine, or start it locally)"
    if _in_ci():
        pytest.fail(message + "; CI=true makes this a failure", pytrace=False)
    pytest.skip(message)


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _docker_available() -> bool:
    try:
        import docker  # installed with testcontainers

        docker.from_env(timeout=2).ping()
        return True
    except Exception:  # noqa: BLE001 - no engine here
        return False


@pytest.fixture(scope="session")
def postgres_admin_url():
    """A URL of a PostgreSQL database with the right to create databases."""
    url = os.environ.get("TEST_POSTGRES_URL")
    if url:
        yield url
        return
    if _port_open("127.0.0.1", 5432):
        yield LOCAL_POSTGRES
        return
    if _docker_available():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:15-alpine", driver="psycopg") as pg:
            yield pg.get_connection_url()
        return
    _unavailable("PostgreSQL")


@pytest.fixture(scope="session")
def make_pg_database(postgres_admin_url):
    """A factory of fresh, empty PostgreSQL databases, dropped at the end of the session."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    created: list[str] = []

    def factory(prefix: str = "t") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return make_url(postgres_admin_url).set(database=name).render_as_string(hide_password=False)

    yield factory
    with admin.connect() as conn:
        for name in created:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def amqp_url():
    url = os.environ.get("TEST_AMQP_URL")
    if url:
        yield url
        return
    if _port_open("127.0.0.1", 5672):
        yield LOCAL_AMQP
        return
    if _docker_available():
        from testcontainers.rabbitmq import RabbitMqContainer

        with RabbitMqContainer("rabbitmq:3.13-alpine") as rabbit:
            params = rabbit.get_connection_params()
            yield f"amqp://guest:guest@{params.host}:{params.port}//"
        return
    _unavailable("RabbitMQ")


# --- Fuzzing the OpenAPI documents (tools/fuzzing.py; figures printed at the end of the run) ---

FUZZ_TALLY = pytest.StashKey()


def _tools_on_path() -> None:
    import sys
    from pathlib import Path

    tools = str(Path(__file__).resolve().parents[1] / "tools")
    if tools not in sys.path:
        sys.path.insert(0, tools)


@pytest.fixture(scope="session")
def openapi_fuzz(request):
    """``openapi_fuzz(document, schema, {path prefix: headers}, **call_kwargs)``: the failures
    found by fuzzing ``schema`` without a token and with the headers of each path's prefix."""
    _tools_on_path()
    import fuzzing

    tally = request.config.stash.setdefault(FUZZ_TALLY, fuzzing.Tally())

    def run(document: str, schema, rules: dict, **call_kwargs) -> list[str]:
        return fuzzing.fuzz_document(document, schema, rules, tally, **call_kwargs)

    return run


def pytest_terminal_summary(terminalreporter, config):
    tally = config.stash.get(FUZZ_TALLY, None)
    if tally is not None and tally.operations:
        terminalreporter.write_sep("-", "OpenAPI fuzz figures")
        for line in tally.lines():
            terminalreporter.write_line(line)


# --- The whole stack as real processes (e2e and browser tests) --------------------------------

E2E_SCALE = float(os.environ.get("E2E_SCALE", "0.02"))


@pytest.fixture(scope="session")
def stack(make_pg_database, amqp_url, tmp_path_factory):
    """Every service and worker running as a real process on PostgreSQL and RabbitMQ."""
    _tools_on_path()
    from stack import DEFAULT_PORTS, SERVICES, Stack, drop_vhost, free_port, fresh_vhost

    var = tmp_path_factory.mktemp("stack")
    ports = {name: free_port() for name in DEFAULT_PORTS}
    databases = {svc: make_pg_database(f"e2e_{svc}") for svc in SERVICES}
    # Every test talks from 127.0.0.1: raise the per-client hold limit so that tests do not
    # starve each other (the limit itself is tested in tests/schedule).
    broker = fresh_vhost(amqp_url, "e2e")
    running = Stack(var, ports=ports, database_urls=databases, broker_url=broker, web_workers=1,
                    extra_env={"SCHEDULE_MAX_HOLDS_PER_CLIENT": "100"})
    running.prepare_dirs()
    running.migrate()
    running.region_file = running.demo_region(E2E_SCALE)
    running.seed(running.region_file)
    try:
        running.start()
    except Exception:
        running.stop()
        raise
    yield running
    running.stop()
    if broker != amqp_url:
        drop_vhost(broker)
