"""The tickets records through a SQLAlchemy session: one unit of work is one session and one
transaction (commit on success, roll back on any error), over ``repository``'s statements."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from regcommon.db import SessionUnitOfWork

from . import repository as repo


class SqlTicketsUnitOfWork(SessionUnitOfWork):
    """The tickets' statements over regcommon's session unit of work."""

    def mark_event_processed(self, event_id: str, event_type: str) -> bool:
        return repo.mark_event_processed(self.session, event_id, event_type)

    def get_ticket(self, appointment_id: str, *, for_update: bool = False):
        return repo.get_ticket(self.session, appointment_id, for_update=for_update)

    def insert_ticket(self, values: dict) -> bool:
        return repo.insert_ticket(self.session, values)

    def update_ticket(self, appointment_id: str, values: dict, **where) -> int:
        return repo.update_ticket(self.session, appointment_id, values, **where)

    def reminder_state(self, appointment_id: str):
        return repo.reminder_state(self.session, appointment_id)

    def upcoming_tickets(self, start: datetime, end: datetime):
        return repo.upcoming_tickets(self.session, start, end)

    def stale_renders(self, older_than: datetime) -> list[tuple[str, int]]:
        return repo.stale_renders(self.session, older_than)

    def add_notification(self, values: dict) -> str | None:
        return repo.add_notification(self.session, values)

    def get_notification(self, notification_id: str):
        return repo.get_notification(self.session, notification_id)

    def update_notification(self, notification_id: str, values: dict, **where) -> int:
        return repo.update_notification(self.session, notification_id, values, **where)

    def stale_notifications(self, older_than: datetime) -> list[str]:
        return repo.stale_notifications(self.session, older_than)

    def add_dead_letter(self, task_name: str, task_id: str | None, args: list,
                        error: str) -> None:
        repo.add_dead_letter(self.session, task_name, task_id, args, error)

    def delete_dead_letters(self, created_before: datetime) -> int:
        return repo.delete_dead_letters(self.session, created_before)


class SqlTicketsRecords:
    def __init__(self, sessions: sessionmaker[Session]):
        self.sessions = sessions

    def unit_of_work(self) -> SqlTicketsUnitOfWork:
        return SqlTicketsUnitOfWork(self.sessions)
