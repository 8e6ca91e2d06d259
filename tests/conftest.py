"""Shared test infrastructure: real PostgreSQL and RabbitMQ for integration tests, and the skip policy.

Where the servers come from, in order: environment URLs (``TEST_POSTGRES_URL``, ``TEST_AMQP_URL``),
else testcontainers when a Docker engine answers, else the local default ports. A missing server or
tool skips its tests; the run ends with one line per skip reason, and with ``CI=true`` every skip is
a failure, so that CI can never pass by not running a test.
"""
from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections import Counter

import time

import pytest

# Tests reason about "today" as the region does (the UI's grid, the horizon, same-day booking),
# so the machine's calendar is the region's: on a UTC runner the two dates differ every evening
# from 19:00 UTC (midnight in Orenburg), which failed date-sensitive tests only then.
os.environ["TZ"] = "Asia/Yekaterinburg"
time.tzset()

LOCAL_POSTGRES = "postgresql+psycopg://root@127.0.0.1:5432/postgres"
LOCAL_AMQP = "amqp://guest:guest@127.0.0.1:5672//"


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _unavailable(what: str) -> None:
    pytest.skip(f"{what} is not reachable (set its URL, run a Docker engine, or start it locally)")


def _given_url(variable: str, what: str, default_port: int) -> str | None:
    """The server URL set in the environment variable; a server that does not answer there skips."""
    from urllib.parse import urlsplit

    url = os.environ.get(variable)
    if url:
        address = urlsplit(url)
        if not _port_open(address.hostname or "127.0.0.1", address.port or default_port):
            _unavailable(f"{what} at {address.hostname}:{address.port or default_port} ({variable})")
    return url


# --- Skips: a failure under CI=true, and a summary by reason at the end of every run ----------

def _skip_reason(report) -> str:
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return reason.removeprefix("Skipped: ")


def _fail_if_ci(report):
    if report.skipped and _in_ci() and not hasattr(report, "wasxfail"):
        report.ci_skip_reason = _skip_reason(report)
        report.outcome = "failed"
        report.longrepr = f"skipped, and CI=true makes a skip a failure: {report.ci_skip_reason}"
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    return _fail_if_ci((yield))


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    return _fail_if_ci((yield))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter):
    """After pytest's own short summary: 'N skipped: reason', one line per reason."""
    result = yield
    write_fuzz_figures(terminalreporter)
    stats = terminalreporter.stats
    lines = [f"{count} skipped: {reason}" for reason, count in
             Counter(_skip_reason(report) for report in stats.get("skipped", [])).most_common()]
    failed_skips = Counter(report.ci_skip_reason for key in ("failed", "error")
                           for report in stats.get(key, []) if hasattr(report, "ci_skip_reason"))
    lines += [f"{count} skipped, failed under CI=true: {reason}"
              for reason, count in failed_skips.most_common()]
    if not lines:
        terminalreporter.write_sep("=", "no test was skipped")
        return result
    terminalreporter.write_sep("=", "skipped tests, by reason")
    for line in lines:
        terminalreporter.write_line(line)
    return result


# --- Tools from the system ----------------------------------------------------------------------

@pytest.fixture(scope="session")
def pdftotext() -> str:
    """The path of poppler's pdftotext; its tests skip without it (tools/ensure_system.sh installs it)."""
    path = shutil.which("pdftotext")
    if not path:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return path


@pytest.fixture(scope="session")
def pdf_text(pdftotext):
    """pdf_text(pdf_bytes) -> the PDF's text, in its printed layout; layout=False gives each text
    block whole, for a value that wraps in its column beside a label that wraps too."""
    import subprocess

    def extract(pdf: bytes, *, layout: bool = True) -> str:
        mode = ["-layout"] if layout else []
        result = subprocess.run([pdftotext, *mode, "-enc", "UTF-8", "-", "-"], input=pdf,
                                capture_output=True, check=True, timeout=20)
        return result.stdout.decode("utf-8")

    return extract


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
    url = _given_url("TEST_POSTGRES_URL", "PostgreSQL", 5432)
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
    url = _given_url("TEST_AMQP_URL", "RabbitMQ", 5672)
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


def write_fuzz_figures(terminalreporter) -> None:
    """The OpenAPI fuzz figures of the run, if it fuzzed (called by pytest_terminal_summary)."""
    tally = terminalreporter.config.stash.get(FUZZ_TALLY, None)
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
    # starve each other (the limit itself is tested in tests/schedule). The gateway trusts one
    # proxy hop, as behind the Kubernetes ingress (requests without X-Forwarded-For are
    # unaffected).
    broker = fresh_vhost(amqp_url, "e2e")
    running = Stack(var, ports=ports, database_urls=databases, broker_url=broker, web_workers=1,
                    extra_env={"SCHEDULE_MAX_HOLDS_PER_CLIENT": "100",
                               "GATEWAY_PROXY_HOPS": "1"})
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
