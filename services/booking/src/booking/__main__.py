"""Command line: ``python -m booking migrate | relay | consume | reconcile``."""
from __future__ import annotations

import logging
import signal
import threading
from datetime import timedelta

import click

from regcommon import metrics

log = logging.getLogger("booking")


def _settings():
    from regcommon.logs import configure_logging

    from .settings import BookingSettings

    settings = BookingSettings()
    configure_logging(settings.service_name, settings.log_level)
    return settings


def _on_sigterm(stop) -> None:
    def handler(_signum, _frame):
        stop()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


@click.group()
def cli() -> None:
    """Registratura booking service."""


@cli.command()
def migrate() -> None:
    """Bring the database schema up to date (Alembic head)."""
    from regcommon.db import migrate as run_migrate

    settings = _settings()
    run_migrate("booking", settings.database_url)
    log.info("booking database migrated")


@cli.command()
def relay() -> None:
    """Publish the outbox to the broker and run the reconciler, until stopped."""
    metrics.serve_from_env()  # a non-web role: its metrics on $METRICS_PORT
    from regcommon.events import EventPublisher
    from regcommon.outbox import OutboxRelay

    from .adapters.tables import outbox
    from .app import build_deps
    from .reconciler import Reconciler

    settings = _settings()
    deps = build_deps(settings)
    publisher = EventPublisher(settings.resolved_broker_url(), settings.broker_transport_options())
    outbox_relay = OutboxRelay(deps.engine, outbox, publisher, service="booking")
    reconciler = Reconciler(deps, settle_after=settings.reconcile_after_seconds,
                            interval=settings.reconcile_interval_seconds,
                            idempotency_retention=timedelta(days=settings.idempotency_retention_days))

    def stop() -> None:
        outbox_relay.stop()
        reconciler.stop()

    _on_sigterm(stop)

    # The relay itself reports the outbox lag and backlog (registratura_outbox_*{service="booking"}).
    threading.Thread(target=reconciler.run, name="reconciler", daemon=True).start()
    log.info("booking relay started")
    outbox_relay.run()
    publisher.close()


@cli.command()
def consume() -> None:
    """Consume schedule events (waiting list offers, blocked days) until stopped."""
    metrics.serve_from_env()  # a non-web role: its metrics on $METRICS_PORT
    from regcommon.events import EventConsumer

    from . import consumer
    from .app import build_deps

    settings = _settings()
    deps = build_deps(settings)
    worker = EventConsumer(settings.resolved_broker_url(), consumer.QUEUE, consumer.ROUTING_KEYS,
                           lambda event: consumer.handle(deps, event),
                           transport_options=settings.broker_transport_options())

    def stop() -> None:
        worker.should_stop = True

    _on_sigterm(stop)
    log.info("booking consumer started")
    worker.run()


@cli.command()
def reconcile() -> None:
    """One reconciliation round (for operators and cron)."""
    from .app import build_deps
    from .reconciler import Reconciler

    settings = _settings()
    counts = Reconciler(build_deps(settings),
                        settle_after=settings.reconcile_after_seconds).run_once()
    log.info("reconciliation done", extra=counts)


if __name__ == "__main__":
    cli()
