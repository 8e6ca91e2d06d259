"""The command-line scaffolding every service shares (``python -m <service> …``): settings read
with the JSON logs configured, the ``migrate`` command, the signals that stop a long-running
role, and the outbox relay role. Each service's ``__main__`` adds its own commands."""
from __future__ import annotations

import logging
import signal
import threading
from typing import Callable, Protocol, Sequence

import click


class Loop(Protocol):
    """A long-running role: ``run()`` until ``stop()``."""

    def run(self) -> None: ...

    def stop(self) -> None: ...


def settings_with_logs(factory: Callable[[], object]):
    """The service's settings (from the environment), its JSON logs configured by them."""
    from regcommon.logs import configure_logging

    settings = factory()
    configure_logging(settings.service_name, settings.log_level)
    return settings


def add_migrate_command(group: click.Group, service: str,
                        settings: Callable[[], object]) -> None:
    """``migrate``: bring ``service``'s database schema up to date (its Alembic head)."""

    @group.command()
    def migrate() -> None:
        """Bring the database schema up to date (Alembic head)."""
        from regcommon.db import migrate as run_migrate

        run_migrate(service, settings().database_url)
        click.echo(f"{service}: database migrated")


def stop_on_signals(stop: Callable[[], None]) -> None:
    """SIGTERM (the orchestrator) and SIGINT (Ctrl-C) call ``stop`` for a graceful end."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop())


def run_outbox_relay(service: str, settings, engine, outbox, *,
                     alongside: Sequence[Loop] = ()) -> None:
    """Publish ``outbox`` to the event broker until a signal stops it; the ``alongside`` loops
    (a reconciler, say) run in daemon threads and stop with it. The relay itself reports the
    outbox lag and backlog (``registratura_outbox_*{service=…}``)."""
    from regcommon.events import EventPublisher
    from regcommon.outbox import OutboxRelay

    publisher = EventPublisher(settings.resolved_broker_url(), settings.broker_transport_options())
    relay = OutboxRelay(engine, outbox, publisher, service=service)
    loops = [relay, *alongside]

    def stop() -> None:
        for loop in loops:
            loop.stop()

    stop_on_signals(stop)
    for loop in alongside:
        threading.Thread(target=loop.run, name=type(loop).__name__.lower(), daemon=True).start()
    logging.getLogger(service).info(f"{service} relay started")
    try:
        relay.run()
    finally:
        publisher.close()
