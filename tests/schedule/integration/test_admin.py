"""Staff schedule management: rights, templates, absences, quotas, regeneration."""
import json
from datetime import date

import pytest
from sqlalchemy import select

from schedule.adapters.tables import doctor_days, outbox, slots

pytestmark = pytest.mark.integration
BASE = "/v1/admin/doctors/doc-000001"
SVC = "svc-0001-01"


def auth(token, **kw):
    return {"Authorization": f"Bearer {token(**kw)}"}


def day_row(app, day):
    with app.extensions["engine"].connect() as conn:
        return conn.execute(select(doctor_days).where(doctor_days.c.doctor_id == "doc-000001",
                                                      doctor_days.c.date == day)).first()


def test_patients_strangers_and_other_clinics_are_refused(client, token):
    assert client.get(f"{BASE}/template").status_code == 401
    assert client.get(f"{BASE}/template", headers=auth(token, role="patient")).status_code == 403
    other = auth(token, role="registrar", organization_id="o-0002")
    assert client.get(f"{BASE}/template", headers=other).status_code == 403
    assert client.get(f"{BASE}/template", headers=auth(token)).status_code == 200
    admin = auth(token, role="admin", organization_id=None)
    assert client.get("/v1/admin/doctors/nobody/template", headers=admin).status_code == 404


def test_template_round_trips_and_is_validated(client, token):
    headers = auth(token, role="admin", organization_id=None)
    current = client.get(f"{BASE}/template", headers=headers).json
    assert current["week"]["mon"] == ["08:00", "14:00"] and current["quota"] == {
        "reception_percent": 20}
    new = {"slot_minutes": 20, "week": {"tue": ["09:00", "12:00"]}, "breaks": [],
           "quota": {"reception_percent": 0}}
    answer = client.put(f"{BASE}/template", headers=headers, json=new)
    assert answer.status_code == 200 and answer.json["week"]["mon"] is None
    bad = client.put(f"{BASE}/template", headers=headers, json={"slot_minutes": "x"})
    assert bad.status_code == 422 and "slot_minutes" in bad.json["error"]["fields"]


def test_regenerate_applies_a_new_template_to_future_days_but_keeps_bookings(client, token,
                                                                             internal, app):
    headers = auth(token)
    items = client.get(f"/v1/doctors/doc-000001/slots?service_id={SVC}&date=2026-12-03").json
    kept = items["items"][0]["id"]
    client.post(f"/internal/slots/{kept}/take", headers=internal,
                json={"appointment_id": "keep-me", "channel": "portal"})
    client.put(f"{BASE}/template", headers=headers,
               json={"slot_minutes": 30, "week": {"thu": ["08:00", "10:00"]}, "breaks": []})
    answer = client.post(f"{BASE}/regenerate", headers=headers)
    assert answer.status_code == 200
    after = client.get(f"/v1/doctors/doc-000001/slots?service_id={SVC}&date=2026-12-03").json
    starts = [i["start"][11:16] for i in after["items"]]
    assert starts == ["08:00", "08:30", "09:00", "09:30"]  # 08:00 kept (taken), 08:15 gone
    assert client.get(f"/internal/slots/{kept}", headers=internal).json["appointment_id"] == \
        "keep-me"
    assert day_row(app, date(2026, 12, 3)).free == 3
    assert day_row(app, date(2026, 12, 4)).interval is None


def test_absence_blocks_days_reports_bookings_and_deleting_it_unblocks(client, token, internal,
                                                                       app):
    headers = auth(token)
    items = client.get(f"/v1/doctors/doc-000001/slots?service_id={SVC}&date=2026-12-03").json
    booked = items["items"][0]["id"]
    client.post(f"/internal/slots/{booked}/take", headers=internal,
                json={"appointment_id": "flag-me", "channel": "portal"})
    answer = client.post(f"{BASE}/absences", headers=headers,
                         json={"from": "2026-12-03", "to": "2026-12-04", "reason": "Больничный"})
    assert answer.status_code == 201
    grid = client.get(f"/v1/doctors/doc-000001/days?service_id={SVC}"
                      f"&from=2026-12-03&to=2026-12-04").json["items"]
    assert all(d["interval"] is None and not d["bookable"] and d["free"] == 0 for d in grid)
    with app.extensions["engine"].connect() as conn:
        events = [json.loads(p) for p in conn.execute(select(outbox.c.payload).where(
            outbox.c.event_type == "schedule.day_blocked").order_by(outbox.c.payload)).scalars()]
        statuses = set(conn.execute(select(slots.c.status).where(
            slots.c.local_date == date(2026, 12, 4), slots.c.doctor_id == "doc-000001")).scalars())
    by_date = {e["data"]["date"]: e["data"] for e in events}
    assert by_date["2026-12-03"]["appointment_ids"] == ["flag-me"]
    assert by_date["2026-12-04"]["appointment_ids"] == []
    assert by_date["2026-12-03"]["organization_id"] == "o-0001"
    assert statuses == {"blocked"}
    # Releasing a booking of a blocked day does not make it bookable.
    released = client.post(f"/internal/slots/{booked}/release", headers=internal,
                           json={"appointment_id": "flag-me"})
    assert released.json["status"] == "blocked"
    absence = answer.json["id"]
    assert client.delete(f"{BASE}/absences/{absence}", headers=headers).status_code == 204
    assert day_row(app, date(2026, 12, 3)).free == 18 and not day_row(app, date(2026, 12, 3)).blocked
    assert client.delete(f"{BASE}/absences/{absence}", headers=headers).status_code == 404


def test_absence_input_is_validated(client, token):
    headers = auth(token)
    bad = client.post(f"{BASE}/absences", headers=headers,
                      json={"from": "2026-12-05", "to": "2026-12-04", "reason": "x"})
    assert bad.status_code == 422 and "to" in bad.json["error"]["fields"]
    bad = client.post(f"{BASE}/absences", headers=headers, json={"from": "2026-12-05"})
    assert bad.status_code == 422


def test_quota_change_moves_free_slots_between_channels(client, token, app):
    headers = auth(token)
    answer = client.put(f"{BASE}/quota", headers=headers, json={"reception_percent": 50})
    assert answer.status_code == 200
    assert day_row(app, date(2026, 12, 3)).free == 11  # 23 slots, 12 for the reception
    assert day_row(app, date(2026, 12, 1)).free == 18  # today is not re-split
    bad = client.put(f"{BASE}/quota", headers=headers, json={"reception_percent": 120})
    assert bad.status_code == 422


def test_absence_answer_lists_the_appointments_of_its_taken_slots(client, token, internal):
    headers = auth(token)
    booked = []
    for day, appointment in (("2026-12-05", "first"), ("2026-12-06", "second")):
        items = client.get(f"/v1/doctors/doc-000001/slots?service_id={SVC}&date={day}").json
        slot = items["items"][2]["id"]
        taken = client.post(f"/internal/slots/{slot}/take", headers=internal,
                            json={"appointment_id": appointment, "channel": "portal"})
        assert taken.status_code == 200
        booked.append(appointment)
    answer = client.post(f"{BASE}/absences", headers=headers,
                         json={"from": "2026-12-05", "to": "2026-12-07", "reason": "Отпуск"})
    assert answer.status_code == 201
    assert answer.json["appointment_ids"] == booked and answer.json["from"] == "2026-12-05"
    empty = client.post(f"{BASE}/absences", headers=headers,
                        json={"from": "2026-12-09", "to": "2026-12-09", "reason": "Учёба"})
    assert empty.json["appointment_ids"] == []


def test_an_absence_at_the_end_of_the_calendar_is_refused_rather_than_stuck(client, token):
    answer = client.post(f"{BASE}/absences", headers=auth(token),
                         json={"from": "9999-12-30", "to": "9999-12-31", "reason": "Отпуск"})
    assert answer.status_code == 422
    assert answer.json["error"]["code"] == "validation_failed"


def test_overlapping_absences_added_and_removed_at_once_never_fail_or_skew_the_counters(app, token):
    """Concurrent edits of one doctor's absences may deadlock in PostgreSQL; they are retried."""
    from concurrent.futures import ThreadPoolExecutor

    headers = auth(token)
    ranges = [("2026-12-02", "2026-12-04"), ("2026-12-03", "2026-12-05"), ("2026-12-01", "2026-12-03"),
              ("2026-12-04", "2026-12-06")] * 2

    def add_then_remove(span):
        client = app.test_client()
        added = client.post(f"{BASE}/absences", headers=headers,
                            json={"from": span[0], "to": span[1], "reason": "Отпуск"})
        removed = client.delete(f"{BASE}/absences/{added.json['id']}", headers=headers) \
            if added.status_code == 201 else added
        return added.status_code, removed.status_code

    with ThreadPoolExecutor(len(ranges)) as pool:
        results = list(pool.map(add_then_remove, ranges))
    assert results == [(201, 204)] * len(ranges)
    # Every absence is gone again: each day is unblocked with its free count restored.
    for day in (date(2026, 12, d) for d in range(1, 7)):
        row = day_row(app, day)
        if row is not None and row.total:
            assert not row.blocked and row.free > 0
