"""What the tickets use cases need from the outside: the records of the tickets database (one
unit of work per transaction), the e-mail and SMS senders, the renderer and the task queue.
Real adapters: ``adapters/uow.py`` (SQL), ``adapters/email.py``, ``adapters/sms.py``,
``adapters/pdf.py`` with ``adapters/html.py``; unit tests pass fakes."""
from __future__ import annotations

from datetime import datetime
from typing import Callable, Mapping, Protocol

from .domain.talon import TalonView

RENDER_TASK = "tickets.render_ticket"
SEND_TASK = "tickets.send_notification"

Job = tuple[str, list]  # (task name, args)
Enqueue = Callable[[list[Job]], None]
Render = Callable[[TalonView], tuple[bytes, str]]  # the talon as (PDF, HTML)
Row = Mapping[str, object]


class EmailSender(Protocol):
    def send(self, message_id: str, to: str, subject: str, body: str) -> None: ...


class SmsSender(Protocol):
    def send(self, message_id: str, phone: str, text: str) -> None: ...


class TicketsUnitOfWork(Protocol):
    """One transaction of the tickets database: ``with records.unit_of_work() as uow: ...``
    commits when the block ends without an error and rolls back otherwise. Uniqueness (one
    ticket per appointment, one message per dedup key, one processing per event) is the
    database's: the ``add``/``insert``/``mark`` methods answer whether this call wrote."""

    def __enter__(self) -> "TicketsUnitOfWork": ...

    def __exit__(self, *exc) -> None: ...

    def mark_event_processed(self, event_id: str, event_type: str) -> bool: ...

    def get_ticket(self, appointment_id: str, *, for_update: bool = False) -> Row | None: ...

    def insert_ticket(self, values: dict) -> bool: ...

    def update_ticket(self, appointment_id: str, values: dict, **where) -> int: ...

    def reminder_state(self, appointment_id: str) -> Row | None:
        """The ticket's status, data and start (no PDF or HTML)."""

    def upcoming_tickets(self, start: datetime, end: datetime) -> list[Row]: ...

    def stale_renders(self, older_than: datetime) -> list[tuple[str, int]]: ...

    def add_notification(self, values: dict) -> str | None:
        """The new notification's id, or None when its dedup key exists."""

    def get_notification(self, notification_id: str) -> Row | None: ...

    def update_notification(self, notification_id: str, values: dict, **where) -> int: ...

    def stale_notifications(self, older_than: datetime) -> list[str]: ...

    def add_dead_letter(self, task_name: str, task_id: str | None, args: list,
                        error: str) -> None: ...

    def delete_dead_letters(self, created_before: datetime) -> int: ...


class TicketsRecords(Protocol):
    def unit_of_work(self) -> TicketsUnitOfWork: ...
