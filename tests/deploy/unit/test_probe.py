"""deploy/probe.py: the health probe every image runs (web: HTTP; other roles: dependencies)."""
from __future__ import annotations

import runpy
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

PROBE = runpy.run_path(str(Path(__file__).resolve().parents[3] / "deploy" / "probe.py"))


@pytest.mark.parametrize("url, expected", [
    ("postgresql+psycopg://u:p@pg.example:6432/booking", ("pg.example", 6432)),
    ("postgresql+psycopg://u:p@registratura-pg-rw/booking", ("registratura-pg-rw", 5432)),
    ("amqp://u:p@rabbitmq:5672/registratura", ("rabbitmq", 5672)),
    ("amqps://u:p@rabbitmq/registratura", ("rabbitmq", 5671)),
    ("sqlite:////tmp/x.sqlite3", None),
    ("filesystem://", None),
])
def test_dependency_endpoints_are_read_from_connection_urls(url, expected):
    assert PROBE["endpoint"](url) == expected


def test_only_database_and_broker_variables_count_as_dependencies():
    environ = {"BOOKING_DATABASE_URL": "postgresql://a@db/x", "REGISTRATURA_BROKER_URL": "amqp://b@mq//",
               "CATALOG_URL": "http://catalog:8001", "TICKETS_DATABASE_URL": ""}
    assert PROBE["dependency_urls"](environ) == ["postgresql://a@db/x", "amqp://b@mq//"]


@pytest.mark.parametrize("state, healthy", [("S (sleeping)", True), ("R (running)", True),
                                            ("Z (zombie)", False), ("T (stopped)", False)])
def test_a_stopped_or_zombie_main_process_is_not_alive(tmp_path, state, healthy):
    status = tmp_path / "status"
    status.write_text(f"Name:\tpython\nState:\t{state}\nPid:\t1\n", encoding="ascii")
    if healthy:
        PROBE["check_alive"](str(status))
    else:
        with pytest.raises(RuntimeError, match="state"):
            PROBE["check_alive"](str(status))


def test_an_unknown_check_is_a_usage_error():
    assert PROBE["main"](["sideways"]) == 2
    assert PROBE["main"]([]) == 2
