import re
from datetime import datetime, timezone

import pytest
from icalendar import Calendar

from booking.adapters.calendar import appointment_ics
from booking.domain.views import appointment_json, build_snapshot, event_data, new_ticket_number

pytestmark = pytest.mark.unit

CONTEXT = {
    "organization": {"id": "o-1", "name": "Поликлиника № 1", "address": "ул. Советская, 1",
                     "phone": "1", "timezone": "Asia/Yekaterinburg", "settings": {}},
    "service": {"id": "svc", "name": "Приём терапевта", "specialty": "Терапия", "paid": False},
    "doctor": {"id": "doc-1", "full_name": "Иванова Анна Петровна", "specialty": "Терапия",
               "room": "101", "areas": ["1"]},
}
PATIENT = {"id": "p-1", "full_name": "Кузнецов Иван", "email": "a@b.ru", "phone": "+7900",
           "policy": {"type": "oms_unified", "masked": "************9153"}}


def row(**kw):
    base = {"id": "3b0c9a4e-0000-4000-8000-000000000001", "status": "booked",
            "start_utc": datetime(2026, 12, 2, 3, 15, tzinfo=timezone.utc),
            "end_utc": datetime(2026, 12, 2, 3, 30),  # naive, as SQLite returns it
            "created_at": datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc),
            "ticket_number": "ABCDE-23456", "channel": "portal", "flagged": False,
            "flag_reason": None, "snapshot": build_snapshot(CONTEXT, PATIENT)}
    base.update(kw)
    return base


def test_appointment_json_has_the_api_md_shape_with_the_local_offset():
    body = appointment_json(row())
    assert body["start"] == "2026-12-02T08:15:00+05:00"
    assert body["end"] == "2026-12-02T08:30:00+05:00"
    assert body["organization"] == {"id": "o-1", "name": "Поликлиника № 1", "address": "ул. Советская, 1"}
    assert body["doctor"] == {"id": "doc-1", "full_name": "Иванова Анна Петровна",
                              "specialty": "Терапия", "room": "101"}
    assert body["service"] == {"id": "svc", "name": "Приём терапевта", "paid": False}
    assert body["patient"] == {"id": "p-1", "full_name": "Кузнецов Иван"}
    assert body["ticket"] == {"number": "ABCDE-23456"}


def test_event_data_carries_contact_with_only_the_last_four_policy_digits():
    data = event_data(row(), actor="patient", previous={"start": "a", "end": "b"})
    assert data["contact"] == {"email": "a@b.ru", "phone": "+7900", "policy_last4": "9153"}
    assert data["timezone"] == "Asia/Yekaterinburg"
    assert data["previous"] == {"start": "a", "end": "b"}
    assert data["actor"] == "patient"
    assert "channel" not in data["appointment"]


def test_ticket_numbers_are_unambiguous_and_distinct():
    numbers = {new_ticket_number() for _ in range(1000)}
    assert len(numbers) == 1000
    assert all(re.fullmatch(r"[2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5}", n) for n in numbers)


def test_calendar_file_has_one_event_at_the_right_instant_and_place():
    calendar = Calendar.from_ical(appointment_ics(row()))
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    start = event.decoded("dtstart")
    assert start.astimezone(timezone.utc) == datetime(2026, 12, 2, 3, 15, tzinfo=timezone.utc)
    assert event["dtstart"].params["TZID"] == "Asia/Yekaterinburg"
    assert calendar.walk("VTIMEZONE"), "the TZID must be defined in the file"
    assert "ул. Советская, 1" in str(event["location"]) and "101" in str(event["location"])
    assert str(event["summary"]) == "Приём терапевта"
    assert "Иванова Анна Петровна" in str(event["description"])
