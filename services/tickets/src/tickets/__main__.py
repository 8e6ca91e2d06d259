"""Command line of the tickets service: ``python -m tickets migrate | consume | remind | sweep``.

The Celery roles are started by Celery itself:
``celery -A tickets.worker:celery_app worker`` and ``celery -A tickets.worker:celery_app beat``.
"""
from __future__ import annotations

import logging

import click

from regcommon.cli import add_migrate_command, settings_with_logs

from .settings import TicketsSettings

log = logging.getLogger(__name__)

EVENTS_QUEUE = "tickets.events"
EVENT_ROUTING_KEYS = ["appointment.*", "waitlist.offered"]


def build_context(settings: TicketsSettings):
    """The use-case context of a command: database, senders, and a Celery app to enqueue on."""
    from regcommon.db import make_engine, make_sessionmaker

    from .adapters.email import email_sender_from_settings
    from .adapters.sms import sms_sender_from_settings
    from .services import Context
    from .tasks import enqueuer
    from .worker import create_celery_app, declare_task_queues

    app = create_celery_app(settings)
    declare_task_queues(app)
    engine = make_engine(settings.database_url, pool_size=2)
    return Context(settings=settings, sessions=make_sessionmaker(engine),
                   email=email_sender_from_settings(settings), sms=sms_sender_from_settings(settings),
                   enqueue=enqueuer(app))


@click.group()
def cli() -> None:
    """Registratura tickets service."""


add_migrate_command(cli, "tickets", TicketsSettings)


@cli.command()
def consume() -> None:
    """Consume appointment.* and waitlist.offered events until stopped."""
    from regcommon.metrics import serve_from_env

    serve_from_env()  # a non-web role: its metrics on $METRICS_PORT
    from regcommon.events import EventConsumer

    from .services import handle_event

    settings = settings_with_logs(TicketsSettings)
    ctx = build_context(settings)
    task_queue = settings.task_queue
    consumer = EventConsumer(settings.resolved_broker_url(), EVENTS_QUEUE, EVENT_ROUTING_KEYS,
                             handler=lambda event: handle_event(ctx, event),
                             transport_options=settings.broker_transport_options(),
                             watch_queues=(task_queue, f"{task_queue}.dead", f"{EVENTS_QUEUE}.dead"))
    log.info("tickets consumer started", extra={"queue": EVENTS_QUEUE})
    consumer.run()


@cli.command()
def remind() -> None:
    """Queue tomorrow's reminders now (the beat does this hourly)."""
    from .services import send_reminders

    click.echo(f"tickets: {send_reminders(build_context(TicketsSettings()))} reminders queued")


@cli.command()
def sweep() -> None:
    """Enqueue again renders and messages whose job was lost (the beat does this every minute)."""
    from .services import requeue_stale

    click.echo(f"tickets: {requeue_stale(build_context(TicketsSettings()))} jobs enqueued")


if __name__ == "__main__":
    cli()
