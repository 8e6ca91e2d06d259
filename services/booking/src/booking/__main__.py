"""Command line: ``python -m booking migrate | relay | consume | reconcile``."""
from __future__ import annotations

import logging
from datetime import timedelta

import click

from regcommon import metrics
from regcommon.cli import add_migrate_command, settings_with_logs, stop_on_signals

log = logging.getLogger("booking")


def _settings():
    from .settings import BookingSettings

    return settings_with_logs(BookingSettings)


@click.group()
def cli() -> None:
    """Registratura booking service."""


add_migrate_command(cli, "booking", _settings)


@cli.command()
def relay() -> None:
    """Publish the outbox to the broker and run the reconciler, until stopped."""
    metrics.serve_from_env()  # a non-web role: its metrics on $METRICS_PORT
    from regcommon.cli import run_outbox_relay

    from .adapters.tables import outbox
    from .app import build_deps
    from .reconciler import Reconciler

    settings = _settings()
    deps = build_deps(settings)
    reconciler = Reconciler(deps, settle_after=settings.reconcile_after_seconds,
                            interval=settings.reconcile_interval_seconds,
                            idempotency_retention=timedelta(days=settings.idempotency_retention_days))
    run_outbox_relay("booking", settings, deps.engine, outbox, alongside=[reconciler])


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

    stop_on_signals(stop)
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
