"""Factories and contexts for the tickets tests (fixtures, since tests import no sibling modules)."""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest


def make_appointment_event(event_type: str = "appointment.booked", *, appointment_id: str | None = None,
                           event_id: str | None = None, start: str = "2026-12-01T03:15:00+00:00",
                           end: str = "2026-12-01T03:30:00+00:00", occurred_at: str | None = None,
                           specialty: str = "Терапия", service_name: str = "Приём врача-терапевта участкового",
                           email: str | None = "ivanov@example.org", phone: str | None = "+79225550167",
                           policy_last4: str | None = "9153", number: str = "0001-000123") -> dict:
    appointment_id = appointment_id or str(uuid.uuid4())
    data = {
        "appointment": {
            "id": appointment_id, "status": "cancelled" if event_type.endswith("cancelled") else "booked",
            "start": start, "end": end,
            "organization": {"id": "o-0001", "name": "ГАУЗ «Городская клиническая поликлиника № 1»",
                             "address": "г. Оренбург, ул. Советская, д. 1"},
            "doctor": {"id": "doc-000001", "full_name": "Сергеева Анна Викторовна",
                       "specialty": specialty, "room": "214"},
            "service": {"id": "svc-0001-01", "name": service_name, "paid": False},
            "patient": {"id": str(uuid.uuid4()), "full_name": "Кузнецов Илья Андреевич"},
            "ticket": {"number": number},
            "created_at": "2026-11-25T05:00:00+00:00",
        },
        "timezone": "Asia/Yekaterinburg",
        "contact": {"email": email, "phone": phone, "policy_last4": policy_last4},
        "actor": "patient",
    }
    if event_type == "appointment.rescheduled":
        data["previous"] = {"start": "2026-11-30T03:15:00+00:00", "end": "2026-11-30T03:30:00+00:00"}
    return {"id": event_id or str(uuid.uuid4()), "type": event_type,
            "occurred_at": occurred_at or "2026-11-25T05:00:01+00:00", "data": data}


@pytest.fixture
def appointment_event():
    return make_appointment_event


@pytest.fixture
def waitlist_event():
    def factory(*, email="ivanov@example.org", phone="+79225550167") -> dict:
        return {"id": str(uuid.uuid4()), "type": "waitlist.offered",
                "occurred_at": "2026-11-25T05:00:01+00:00",
                "data": {"entry_id": str(uuid.uuid4()), "patient_id": str(uuid.uuid4()),
                         "contact": {"email": email, "phone": phone},
                         "organization": {"id": "o-0001", "name": "Поликлиника № 1",
                                          "timezone": "Asia/Yekaterinburg"},
                         "service": {"id": "svc-1", "name": "Приём врача-онколога"},
                         "slot": {"id": "42", "start": "2026-12-02T04:00:00+00:00",
                                  "end": "2026-12-02T04:15:00+00:00", "doctor": {"id": "doc-1"}},
                         "link": "http://127.0.0.1:8000/book/slots/42"}}
    return factory


@pytest.fixture
def tickets_settings(tmp_path, monkeypatch):
    """Settings factory for a database URL, with outboxes under the test's tmp dir."""
    from tickets.settings import TicketsSettings

    monkeypatch.setenv("REGISTRATURA_VAR_DIR", str(tmp_path / "var"))

    def factory(database_url: str, **overrides) -> TicketsSettings:
        values = {"database_url": database_url, "outbox_dir": str(tmp_path / "outbox"),
                  "secret": "test-secret", "task_max_retries": 2, "retry_backoff_max_seconds": 1}
        values.update(overrides)
        return TicketsSettings(**values)

    return factory


@pytest.fixture
def make_context(tickets_settings):
    """A use-case context on a migrated database; enqueued jobs are collected in ``ctx.jobs``."""
    from regcommon.db import make_engine, make_sessionmaker, migrate
    from tickets.adapters.email import email_sender_from_settings
    from tickets.adapters.sms import sms_sender_from_settings
    from tickets.services import Context

    engines = []

    def factory(database_url: str, **overrides) -> Context:
        settings = tickets_settings(database_url, **overrides)
        migrate("tickets", database_url)
        engine = make_engine(database_url, pool_size=4)
        engines.append(engine)
        jobs: list = []
        ctx = Context(settings=settings, sessions=make_sessionmaker(engine),
                      email=email_sender_from_settings(settings), sms=sms_sender_from_settings(settings),
                      enqueue=jobs.extend)
        ctx.jobs = jobs
        return ctx

    yield factory
    for engine in engines:
        engine.dispose()


@pytest.fixture
def pg_context(make_pg_database, make_context):
    return make_context(make_pg_database("tickets"))


@pytest.fixture
def sqlite_context(tmp_path, make_context):
    return make_context(f"sqlite:///{tmp_path / 'tickets.sqlite3'}")


@pytest.fixture
def run_jobs():
    """Run collected jobs through the use cases, as a worker would (repeatedly, until none are left)."""
    from tickets import services

    def runner(ctx) -> list:
        done = []
        while ctx.jobs:
            name, args = ctx.jobs.pop(0)
            if name == services.RENDER_TASK:
                done.append(services.render_ticket(ctx, *args))
            elif name == services.SEND_TASK:
                done.append(services.send_notification(ctx, *args))
        return done

    return runner


def outbox_files(ctx, channel: str) -> list[Path]:
    folder = Path(ctx.settings.outbox_dir) / channel
    return sorted(folder.glob("*.eml" if channel == "email" else "*.txt")) if folder.exists() else []


@pytest.fixture
def outbox():
    return outbox_files
