"""Fakes of the tickets ports (records, senders, renderer, queue) for the use-case unit tests:
in memory, with the database's uniqueness rules and a unit of work that rolls back on error."""
from __future__ import annotations

import copy
import uuid

import pytest

from regcommon.instants import as_utc


class FakeRecords:
    """The four tables of the tickets database as dicts."""

    def __init__(self, clock):
        self.clock = clock
        self.tickets: dict[str, dict] = {}
        self.notifications: dict[str, dict] = {}
        self.processed: dict[str, str] = {}
        self.dead_letters: list[dict] = []
        self.units = 0

    def unit_of_work(self) -> "FakeUnitOfWork":
        return FakeUnitOfWork(self)

    def state(self) -> tuple:
        return self.tickets, self.notifications, self.processed, self.dead_letters

    def by_kind(self, kind: str) -> list[dict]:
        return [n for n in self.notifications.values() if n["kind"] == kind]


def _matches(row: dict, where: dict) -> bool:
    return all(row.get(column) == value for column, value in where.items())


class FakeUnitOfWork:
    def __init__(self, records: FakeRecords):
        self.records = records
        self.saved = None

    def __enter__(self) -> "FakeUnitOfWork":
        self.records.units += 1
        self.saved = copy.deepcopy(self.records.state())
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:  # roll back: every table as it was when the unit began
            r = self.records
            r.tickets, r.notifications, r.processed, r.dead_letters = self.saved

    def mark_event_processed(self, event_id: str, event_type: str) -> bool:
        if event_id in self.records.processed:
            return False
        self.records.processed[event_id] = event_type
        return True

    def get_ticket(self, appointment_id: str, *, for_update: bool = False):
        row = self.records.tickets.get(appointment_id)
        return copy.deepcopy(row) if row is not None else None

    def insert_ticket(self, values: dict) -> bool:
        if values["appointment_id"] in self.records.tickets:
            return False
        now = self.records.clock()
        self.records.tickets[values["appointment_id"]] = {
            "rendered_version": None, "rendered_at": None, "failed_at": None, "pdf": None,
            "html": None, "created_at": now, "updated_at": now, **copy.deepcopy(values)}
        return True

    def update_ticket(self, appointment_id: str, values: dict, **where) -> int:
        row = self.records.tickets.get(appointment_id)
        if row is None or not _matches(row, where):
            return 0
        row.update(copy.deepcopy(values), updated_at=self.records.clock())
        return 1

    def reminder_state(self, appointment_id: str):
        row = self.records.tickets.get(appointment_id)
        if row is None:
            return None
        return {"status": row["status"], "data": copy.deepcopy(row["data"]),
                "starts_at": row["starts_at"]}

    def upcoming_tickets(self, start, end):
        rows = [r for r in self.records.tickets.values()
                if r["status"] in ("rendering", "ready") and start <= as_utc(r["starts_at"]) < end]
        return [copy.deepcopy({k: r[k] for k in ("appointment_id", "data", "starts_at", "number")})
                for r in sorted(rows, key=lambda r: r["starts_at"])]

    def stale_renders(self, older_than):
        return [(r["appointment_id"], r["version"]) for r in self.records.tickets.values()
                if r["status"] == "rendering" and r["failed_at"] is None
                and r["updated_at"] < older_than]

    def add_notification(self, values: dict) -> str | None:
        if any(n["dedup_key"] == values["dedup_key"] for n in self.records.notifications.values()):
            return None
        now = self.records.clock()
        notification_id = str(uuid.uuid4())
        self.records.notifications[notification_id] = {
            "id": notification_id, "status": "queued", "attempts": 0, "created_at": now,
            "updated_at": now, "appointment_id": None, "waitlist_entry_id": None,
            "sent_at": None, "last_error": None, **copy.deepcopy(values)}
        return notification_id

    def get_notification(self, notification_id: str):
        row = self.records.notifications.get(notification_id)
        return copy.deepcopy(row) if row is not None else None

    def update_notification(self, notification_id: str, values: dict, **where) -> int:
        row = self.records.notifications.get(notification_id)
        if row is None or not _matches(row, where):
            return 0
        row.update(copy.deepcopy(values), updated_at=self.records.clock())
        return 1

    def stale_notifications(self, older_than):
        return [n["id"] for n in self.records.notifications.values()
                if n["status"] == "queued" and n["updated_at"] < older_than]

    def add_dead_letter(self, task_name, task_id, args, error) -> None:
        self.records.dead_letters.append({"task_name": task_name, "task_id": task_id,
                                          "args": copy.deepcopy(args), "error": error[:4000],
                                          "created_at": self.records.clock()})

    def delete_dead_letters(self, created_before) -> int:
        kept = [d for d in self.records.dead_letters if d["created_at"] >= created_before]
        deleted = len(self.records.dead_letters) - len(kept)
        self.records.dead_letters = kept
        return deleted


class FakeSender:
    """An e-mail or SMS sender that keeps what it sent; ``fail_with`` makes it refuse."""

    def __init__(self):
        self.sent: list[tuple] = []
        self.fail_with: Exception | None = None

    def send(self, message_id: str, address: str, *text: str) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.append((message_id, address, *text))


class Clock:
    def __init__(self):
        from datetime import datetime, timezone

        self.now = datetime(2026, 11, 25, 5, 0, tzinfo=timezone.utc)

    def __call__(self):
        return self.now


@pytest.fixture
def unit_context(tickets_settings, monkeypatch):
    """A use-case context over fakes only (the database URL is never opened); enqueued jobs are
    collected in ``ctx.jobs``, the fakes are ``ctx.records``, ``ctx.email``, ``ctx.sms``."""
    from tickets.context import Context

    clock = Clock()
    jobs: list = []
    ctx = Context(settings=tickets_settings("sqlite:///never-opened.sqlite3"), sessions=None,
                  email=FakeSender(), sms=FakeSender(), enqueue=jobs.extend,
                  render=lambda view: (f"%PDF {view.number}".encode(), f"<p>{view.number}</p>"),
                  records=FakeRecords(clock))
    ctx.jobs = jobs
    ctx.clock = clock
    return ctx
