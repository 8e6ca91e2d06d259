"""regcommon.cli: the scaffolding of every service's command line, in one style."""
from __future__ import annotations

import importlib
import os
import signal
import threading
from types import SimpleNamespace

import click
import pytest
from click.testing import CliRunner

from regcommon import cli as common_cli

pytestmark = pytest.mark.unit

SERVICES = ("catalog", "schedule", "auth", "booking", "tickets", "gateway")


@pytest.fixture
def restore_signals():
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_migrates_with_the_shared_command(service):
    cli = importlib.import_module(f"{service}.__main__").cli
    assert cli.commands["migrate"].callback.__module__ == "regcommon.cli"


def test_migrate_upgrades_the_service_named_with_the_url_of_its_settings(monkeypatch):
    calls = []
    monkeypatch.setattr("regcommon.db.migrate", lambda service, url: calls.append((service, url)))
    group = click.Group()
    common_cli.add_migrate_command(group, "demo",
                                   lambda: SimpleNamespace(database_url="sqlite:///demo.db"))
    result = CliRunner().invoke(group, ["migrate"])
    assert result.exit_code == 0, result.output
    assert calls == [("demo", "sqlite:///demo.db")]
    assert result.output == "demo: database migrated\n"


def test_sigterm_and_sigint_call_stop(restore_signals):
    stops = []
    common_cli.stop_on_signals(lambda: stops.append(1))
    os.kill(os.getpid(), signal.SIGTERM)
    os.kill(os.getpid(), signal.SIGINT)
    assert stops == [1, 1]


class FakeLoop:
    def __init__(self):
        self.started = threading.Event()
        self.stopped = threading.Event()

    def run(self):
        self.started.set()
        self.stopped.wait(5)

    def stop(self):
        self.stopped.set()


def test_the_relay_runs_until_a_signal_and_stops_the_loops_beside_it(monkeypatch,
                                                                     restore_signals):
    made = {}

    class Publisher:
        def __init__(self, url, options):
            made["publisher"] = (url, options)
            self.closed = False

        def close(self):
            made["closed"] = True

    class Relay(FakeLoop):
        def __init__(self, engine, outbox, publisher, service):
            super().__init__()
            made["relay"] = (engine, outbox, service)

        def run(self):
            assert beside.started.wait(5)  # the reconciler-like loop runs in its own thread
            os.kill(os.getpid(), signal.SIGTERM)
            super().run()

    monkeypatch.setattr("regcommon.events.EventPublisher", Publisher)
    monkeypatch.setattr("regcommon.outbox.OutboxRelay", Relay)
    settings = SimpleNamespace(resolved_broker_url=lambda: "memory://",
                               broker_transport_options=lambda: {"a": 1})
    beside = FakeLoop()
    common_cli.run_outbox_relay("demo", settings, "engine", "outbox", alongside=[beside])
    assert made["publisher"] == ("memory://", {"a": 1})
    assert made["relay"] == ("engine", "outbox", "demo")
    assert beside.stopped.is_set() and made["closed"] is True
