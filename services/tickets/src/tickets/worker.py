"""The Celery application of the tickets service: ``celery -A tickets.worker:celery_app worker``.

The app object is created at import (the celery command needs it) but reads no settings and opens
no connection until Celery configures it on first use (the ``on_configure`` signal).
"""
from __future__ import annotations

import logging
from pathlib import Path

from celery import Celery
from celery.signals import setup_logging, worker_ready
from kombu import Exchange, Queue

from .settings import TicketsSettings
from .tasks import register_tasks, settings_of

log = logging.getLogger(__name__)


def is_amqp(url: str) -> bool:
    return url.startswith(("amqp", "pyamqp"))


def task_queues(settings: TicketsSettings) -> list[Queue]:
    """The work queue; on RabbitMQ it dead-letters rejected messages to ``<queue>.dead``."""
    name = settings.task_queue
    arguments = None
    if is_amqp(settings.resolved_broker_url()):
        arguments = {"x-dead-letter-exchange": f"{name}.dlx", "x-dead-letter-routing-key": f"{name}.dead"}
    return [Queue(name, Exchange(name, type="direct", durable=True), routing_key=name, durable=True,
                  queue_arguments=arguments)]


def dead_letter_queue(settings: TicketsSettings) -> Queue:
    name = settings.task_queue
    return Queue(f"{name}.dead", Exchange(f"{name}.dlx", type="direct", durable=True),
                 routing_key=f"{name}.dead", durable=True)


def celery_config(settings: TicketsSettings) -> dict:
    broker_url = settings.resolved_broker_url()
    options = settings.broker_transport_options()
    if is_amqp(broker_url):
        # A job counts as enqueued only once RabbitMQ confirmed it (the sweep covers the rest).
        options = {**options, "confirm_publish": True}
    for key in ("data_folder_in", "data_folder_out", "control_folder", "processed_folder"):
        if key in options:  # kombu's filesystem transport expects its folders to exist
            Path(options[key]).mkdir(parents=True, exist_ok=True)
    try:
        Path(settings.beat_schedule_file).parent.mkdir(parents=True, exist_ok=True)
    except OSError:  # only beat writes there; a worker on a read-only disk must still start
        log.warning("cannot create the beat schedule folder", extra={"path": settings.beat_schedule_file})
    return {
        "broker_url": broker_url,
        "broker_transport_options": options,
        "broker_connection_retry_on_startup": True,
        "broker_connection_timeout": 4.0,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "task_ignore_result": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        # A task that failed for good is rejected (not acked), so RabbitMQ dead-letters it.
        "task_acks_on_failure_or_timeout": False,
        "worker_prefetch_multiplier": 1,
        "task_queues": task_queues(settings),
        "task_default_queue": settings.task_queue,
        "task_default_exchange": settings.task_queue,
        "task_default_routing_key": settings.task_queue,
        "task_time_limit": 120,
        "task_soft_time_limit": 100,
        "timezone": "UTC",
        "beat_schedule_filename": settings.beat_schedule_file,
        "beat_schedule": {
            "send-reminders": {"task": "tickets.send_reminders",
                               "schedule": float(settings.reminder_interval_seconds)},
            "requeue-stale": {"task": "tickets.requeue_stale", "schedule": 60.0},
            "prune-dead-letters": {"task": "tickets.prune_dead_letters", "schedule": 3600.0},
        },
    }


def create_celery_app(settings: TicketsSettings | None = None) -> Celery:
    app = Celery("tickets", set_as_current=False)

    def configure(sender, **_kwargs):
        resolved = settings or TicketsSettings()
        sender.tickets_settings = resolved
        sender.config_from_object(celery_config(resolved))

    app.on_configure.connect(configure, weak=False)
    register_tasks(app)
    return app


def declare_task_queues(app: Celery) -> None:
    """Declare the work queue and, on RabbitMQ, its dead-letter exchange and queue.

    Done by every process that publishes or consumes tasks, before it does: a message rejected
    while the dead-letter queue does not exist yet would be dropped by RabbitMQ.
    """
    settings = settings_of(app)
    if not is_amqp(app.conf.broker_url or ""):
        return  # the filesystem transport has no dead-lettering; the dead_letters table is enough
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=3)
        channel = conn.default_channel
        dead_letter_queue(settings)(channel).declare()
        for queue in task_queues(settings):
            queue(channel).declare()


@setup_logging.connect
def _json_logs(loglevel=None, **_kwargs):
    """Celery roles log JSON lines like every other process (instead of Celery's own format)."""
    from regcommon.logs import configure_logging

    level = logging.getLevelName(loglevel) if isinstance(loglevel, int) else (loglevel or "INFO")
    configure_logging("tickets", str(level))


@worker_ready.connect
def _declare_on_worker_ready(sender=None, **_kwargs):
    app = getattr(sender, "app", None)
    if app is not None and hasattr(app, "tickets_settings"):
        declare_task_queues(app)


celery_app = create_celery_app()
