"""Celery tasks: thin, idempotent, take ids, call one use case each.

Failures are retried with exponential backoff; a task that fails for good leaves a ``dead_letters``
row (both modes) and is rejected so that RabbitMQ moves it to the dead-letter queue.
"""
from __future__ import annotations

import logging

from celery import Celery, Task
from celery.utils.time import get_exponential_backoff_interval

from . import services
from .domain.talon import InvalidSnapshot
from .settings import TicketsSettings

log = logging.getLogger(__name__)

_context: services.Context | None = None


def build_context(app: Celery) -> services.Context:
    from regcommon.db import make_engine, make_sessionmaker

    from .adapters.email import email_sender_from_settings
    from .adapters.sms import sms_sender_from_settings

    settings = settings_of(app)
    engine = make_engine(settings.database_url, pool_size=2)
    return services.Context(settings=settings, sessions=make_sessionmaker(engine),
                            email=email_sender_from_settings(settings),
                            sms=sms_sender_from_settings(settings), enqueue=enqueuer(app))


def settings_of(app: Celery) -> TicketsSettings:
    _ = app.conf.broker_url  # configures the app (and its settings) on first use
    return app.tickets_settings


def enqueuer(app: Celery):
    """``enqueue(jobs)`` for the use cases: publishes each job to the task queue."""
    def enqueue(jobs):
        queue = settings_of(app).task_queue
        for name, args in jobs:
            app.send_task(name, args=args, queue=queue, routing_key=queue)
    return enqueue


def context(app: Celery) -> services.Context:
    """The process's context, built on first use (after the prefork pool forked)."""
    global _context
    if _context is None:
        _context = build_context(app)
    return _context


def set_context(ctx: services.Context | None) -> None:
    """Tests and one-shot tools plug in their own context."""
    global _context
    _context = ctx


class TicketsTask(Task):
    # Failures that a retry cannot fix go straight to the dead letters.
    permanent_errors = (InvalidSnapshot, KeyError, TypeError)

    def retry_later(self, exc: Exception):
        settings = context(self.app).settings
        countdown = get_exponential_backoff_interval(
            factor=1, retries=self.request.retries, maximum=settings.retry_backoff_max_seconds,
            full_jitter=False)
        log.warning("task failed; retrying", extra={"task": self.name, "retries": self.request.retries,
                                                    "countdown": countdown})
        raise self.retry(exc=exc, countdown=countdown, max_retries=settings.task_max_retries)

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        log.error("task failed for good; dead-lettered", extra={"task": self.name, "task_id": task_id})
        ctx = context(self.app)
        try:
            services.record_dead_letter(ctx, self.name, task_id, list(args),
                                        f"{type(exc).__name__}: {exc}")
            self.give_up(ctx, *args)
        except Exception:  # noqa: BLE001 - the broker's dead-letter queue still has the message
            log.exception("could not record the dead letter", extra={"task": self.name})

    def give_up(self, ctx: services.Context, *args) -> None:
        """What a task marks as failed when it gives up."""


def register_tasks(app: Celery) -> None:
    class RenderTask(TicketsTask):
        def give_up(self, ctx, appointment_id, version, *_rest):
            services.render_failed(ctx, appointment_id, version)

    class SendTask(TicketsTask):
        def give_up(self, ctx, notification_id, *_rest):
            services.notification_failed(ctx, notification_id)

    @app.task(name=services.RENDER_TASK, base=RenderTask, bind=True, shared=False)
    def render_ticket(self, appointment_id: str, version: int) -> str:
        try:
            return services.render_ticket(context(self.app), appointment_id, int(version))
        except self.permanent_errors:
            raise
        except Exception as exc:  # noqa: BLE001 - transient (database, disk): retry with backoff
            self.retry_later(exc)

    @app.task(name=services.SEND_TASK, base=SendTask, bind=True, shared=False)
    def send_notification(self, notification_id: str) -> str:
        try:
            return services.send_notification(context(self.app), notification_id)
        except self.permanent_errors:
            raise
        except Exception as exc:  # noqa: BLE001 - SMTP/provider/database trouble: retry
            self.retry_later(exc)

    @app.task(name="tickets.send_reminders", base=TicketsTask, bind=True, shared=False)
    def send_reminders(self) -> int:
        return services.send_reminders(context(self.app))

    @app.task(name="tickets.prune_dead_letters", base=TicketsTask, bind=True, shared=False)
    def prune_dead_letters(self) -> int:
        return services.prune_dead_letters(context(self.app))

    @app.task(name="tickets.requeue_stale", base=TicketsTask, bind=True, shared=False)
    def requeue_stale(self) -> int:
        return services.requeue_stale(context(self.app))
