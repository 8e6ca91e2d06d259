"""What a tickets use case runs with (:class:`Context`): settings and the ports, with the real
adapters as defaults (SQL records over ``sessions``, the PDF and HTML renderers)."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from .ports import EmailSender, Enqueue, Job, Render, SmsSender, TicketsRecords
from .settings import TicketsSettings

log = logging.getLogger("tickets.services")


def _render_both(view) -> tuple[bytes, str]:
    from .adapters.html import render_html
    from .adapters.pdf import render_pdf

    return render_pdf(view), render_html(view)


@dataclass
class Context:
    settings: TicketsSettings
    sessions: object  # a SQLAlchemy sessionmaker: the default records, and tests' own checks
    email: EmailSender
    sms: SmsSender
    enqueue: Enqueue = field(default=lambda jobs: None)
    render: Render = field(default=None)  # replaceable in tests
    records: TicketsRecords = field(default=None)

    def __post_init__(self):
        if self.render is None:
            self.render = _render_both
        if self.records is None:
            from .adapters.uow import SqlTicketsRecords

            self.records = SqlTicketsRecords(self.sessions)

    def dispatch(self, jobs: list[Job]) -> None:
        """Enqueue committed work; a failure is logged, ``requeue_stale`` enqueues it again."""
        if not jobs:
            return
        try:
            self.enqueue(jobs)
        except Exception:  # noqa: BLE001 - committed work is re-enqueued by requeue_stale
            log.exception("could not enqueue jobs; the stale sweep will retry them",
                          extra={"jobs": len(jobs)})
