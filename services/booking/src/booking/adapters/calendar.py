"""The appointment as an iCalendar file (RFC 5545) for the patient's calendar app."""
from __future__ import annotations

from datetime import datetime, timezone

from icalendar import Calendar, Event

from ..domain.rules import zone
from ..domain.views import as_utc


def appointment_ics(row: dict, *, now: datetime | None = None) -> bytes:
    snap = row["snapshot"]
    tz = zone(snap.get("timezone"))
    org, doctor, service = snap["organization"], snap["doctor"], snap["service"]
    cal = Calendar()
    cal.add("prodid", "-//Registratura//Запись к врачу//RU")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    event = Event()
    event.add("uid", f"{row['id']}@registratura")
    event.add("dtstamp", now or datetime.now(timezone.utc))
    # Local time with TZID (and its VTIMEZONE): calendars show the clinic's wall-clock time.
    event.add("dtstart", as_utc(row["start_utc"]).astimezone(tz))
    event.add("dtend", as_utc(row["end_utc"]).astimezone(tz))
    event.add("summary", service.get("name") or "Приём врача")
    place = ", ".join(x for x in (org.get("name"), org.get("address"),
                                  f"кабинет {doctor['room']}" if doctor.get("room") else None) if x)
    event.add("location", place)
    lines = [f"Врач: {doctor.get('full_name') or ''}".strip()]
    if doctor.get("specialty"):
        lines.append(f"Специальность: {doctor['specialty']}")
    lines.append(f"Номер талона: {row['ticket_number']}")
    event.add("description", "\n".join(lines))
    if row["status"] == "cancelled":
        event.add("status", "CANCELLED")
    else:
        event.add("status", "CONFIRMED")
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
