"""Attendance marks and the no-show rule over a real database (PostgreSQL and SQLite)."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select

from booking.adapters.tables import appointments, audit_log, booking_suspensions

pytestmark = pytest.mark.integration

RULE = {"no_show_limit": 2, "no_show_window_days": 90, "no_show_suspend_days": 30}
STAFF = str(uuid.uuid4())
START_DAY_UTC = datetime(2026, 12, 2, 3, 0, tzinfo=timezone.utc)  # as in conftest: 08:00 local
ENT = {"id": "svc-ent", "name": "Приём врача-оториноларинголога", "specialty": "ЛОР",
       "self_bookable": True, "paid": False, "requires_attachment": False}
ENT_DOCTOR = {"id": "doc-9", "full_name": "Орлова Нина Юрьевна", "specialty": "ЛОР",
              "subdivision_id": "sd-1", "room": "301", "areas": [], "service_ids": ["svc-ent"]}


@pytest.fixture
def w(any_world, monkeypatch):
    """A world whose organization has the rule on, and a fourth specialty to book after a lift
    (past booked appointments keep their specialty taken)."""
    catalog = any_world.catalog
    any_world.original_org = dict(catalog.org)
    catalog.org = {**catalog.org, "settings": {**catalog.org["settings"], **RULE}}
    known = catalog.doctor_context

    def doctor_context(doctor_id, service_id, *, fresh=False):
        if (doctor_id, service_id) == ("doc-9", "svc-ent"):
            return {"organization": catalog.org, "service": ENT, "doctor": ENT_DOCTOR}
        return known(doctor_id, service_id, fresh=fresh)

    monkeypatch.setattr(catalog, "doctor_context", doctor_context)
    return any_world


def mark(world, appointment_id, attended, *, role="registrar", org="o-1", sub=STAFF):
    return world.client().post(f"/v1/appointments/{appointment_id}/attendance",
                               json={"attended": attended},
                               headers=world.headers(sub, role, org=org, key=None))


def book_two(world, patient):
    """Two booked appointments of the patient (two specialties), then the clock after both."""
    first = world.book(patient, world.slot("doc-1")).json
    second = world.book(patient, world.slot("doc-3", minute=30, service_ids=["svc-eye"]),
                        "svc-eye").json
    world.clock.now = START_DAY_UTC + timedelta(hours=2)
    return first, second


def restrictions(world, patient):
    response = world.client().get("/v1/me/restrictions", headers=world.headers(patient, key=None))
    assert response.status_code == 200, response.json
    return response.json["items"]


def later_slot(world, day=3):
    return world.slot("doc-9", day=day, service_ids=["svc-ent"])


def metric(name, labels):
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_mark_waits_for_the_start_and_can_be_changed(w):
    patient = w.auth.add_patient()
    booked = w.book(patient, w.slot()).json
    early = mark(w, booked["id"], True)
    assert early.status_code == 422 and early.json["error"]["code"] == "too_early_to_mark"
    w.clock.now = START_DAY_UTC + timedelta(minutes=1)
    before = metric("registratura_attendance_marks_total", {"result": "no_show"})
    first = mark(w, booked["id"], False)
    assert first.status_code == 200, first.json
    assert first.json["attendance"] == "no_show" and first.json["no_shows_in_window"] == 1
    assert metric("registratura_attendance_marks_total", {"result": "no_show"}) == before + 1
    again = mark(w, booked["id"], True)
    assert again.json["attendance"] == "attended" and again.json["no_shows_in_window"] == 0
    with w.engine.connect() as conn:
        row = conn.execute(select(appointments).where(appointments.c.id == booked["id"])).first()
        audit = conn.execute(select(audit_log.c.action, audit_log.c.details)).all()
    assert row.attendance == "attended" and row.attendance_marked_by == STAFF
    assert row.status == "booked"
    assert [a.details["attendance"] for a in audit if a.action == "appointment.attendance"] == \
        ["no_show", "attended"]


def test_only_staff_of_the_organization_mark_only_booked_appointments(w):
    patient = w.auth.add_patient()
    booked = w.book(patient, w.slot()).json
    cancelled = w.book(patient, w.slot("doc-3", service_ids=["svc-eye"]), "svc-eye").json
    w.client().post(f"/v1/appointments/{cancelled['id']}/cancel", headers=w.headers(patient))
    w.clock.now = START_DAY_UTC + timedelta(hours=1)
    assert mark(w, booked["id"], False, role="patient", sub=patient).status_code == 403
    assert mark(w, booked["id"], False, org="o-2").status_code == 404
    assert mark(w, str(uuid.uuid4()), False).status_code == 404
    gone = mark(w, cancelled["id"], False)
    assert gone.status_code == 409 and gone.json["error"]["code"] == "appointment_not_active"
    bad = w.client().post(f"/v1/appointments/{booked['id']}/attendance", json={"attended": "yes"},
                          headers=w.headers(STAFF, "registrar", key=None))
    assert bad.status_code == 422 and "attended" in bad.json["error"]["fields"]
    assert mark(w, booked["id"], False, role="admin", org=None).status_code == 200


def test_reaching_the_limit_suspends_online_booking_but_not_the_reception(w):
    patient = w.auth.add_patient()
    first, second = book_two(w, patient)
    started = metric("registratura_booking_suspensions_total", {"event": "started"})
    assert mark(w, first["id"], False).json["suspension"] is None
    answer = mark(w, second["id"], False).json
    assert answer["suspension"]["ends_on"] == "01.01.2027"  # 30 days after 02.12.2026, local
    assert metric("registratura_booking_suspensions_total", {"event": "started"}) == started + 1
    (shown,) = restrictions(w, patient)
    assert shown["reason"] == "no_show" and shown["organization"]["id"] == "o-1"
    assert shown["message"] == (
        "Онлайн-запись в ГБУЗ «Городская поликлиника № 1» г. Оренбурга приостановлена до "
        "01.01.2027: 2 неявки за 90 дней. Записаться можно через регистратуру.")
    slot = later_slot(w)
    refused = w.book(patient, slot, "svc-ent")
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == "online_booking_suspended"
    assert "01.01.2027" in refused.json["error"]["message"]
    assert w.schedule.slots[slot]["status"] == "free"  # the taken slot went back
    by_staff = w.book(patient, slot, "svc-ent", role="registrar", sub=STAFF)
    assert by_staff.status_code == 201, by_staff.json


def test_a_correction_under_the_limit_lifts_the_suspension(w):
    patient = w.auth.add_patient()
    first, second = book_two(w, patient)
    mark(w, first["id"], False)
    mark(w, second["id"], False)
    assert len(restrictions(w, patient)) == 1
    lifted = mark(w, second["id"], True).json
    assert lifted["suspension"] is None and lifted["no_shows_in_window"] == 1
    assert restrictions(w, patient) == []
    assert w.book(patient, later_slot(w), "svc-ent").status_code == 201
    with w.engine.connect() as conn:
        row = conn.execute(select(booking_suspensions)).one()
    assert row.lifted_at is not None


def test_a_suspension_lifts_by_itself_at_its_end(w):
    patient = w.auth.add_patient()
    first, second = book_two(w, patient)
    mark(w, first["id"], False)
    mark(w, second["id"], False)
    w.clock.now += timedelta(days=30, seconds=1)
    assert restrictions(w, patient) == []
    assert w.book(patient, later_slot(w, day=33), "svc-ent").status_code == 201


def test_no_shows_older_than_the_window_do_not_count(w):
    w.catalog.org = {**w.catalog.org, "settings": {**w.catalog.org["settings"],
                                                   "no_show_window_days": 1}}
    patient = w.auth.add_patient()
    first = w.book(patient, w.slot("doc-1")).json
    second = w.book(patient, w.slot("doc-3", day=3, service_ids=["svc-eye"]), "svc-eye").json
    w.clock.now = START_DAY_UTC + timedelta(days=2, hours=3)  # the first one is 2 days ago
    mark(w, first["id"], False)
    answer = mark(w, second["id"], False).json
    assert answer["no_shows_in_window"] == 1 and answer["suspension"] is None
    assert restrictions(w, patient) == []


def test_the_rule_switched_off_never_suspends(w):
    w.catalog.org = w.original_org  # the defaults: no_show_limit absent = off
    patient = w.auth.add_patient()
    first, second = book_two(w, patient)
    mark(w, first["id"], False)
    assert mark(w, second["id"], False).json["suspension"] is None
    assert restrictions(w, patient) == []


def test_switching_the_rule_off_stops_enforcing_a_running_suspension(w):
    patient = w.auth.add_patient()
    first, second = book_two(w, patient)
    mark(w, first["id"], False)
    mark(w, second["id"], False)
    assert w.book(patient, later_slot(w), "svc-ent").status_code == 403
    w.catalog.org = {**w.catalog.org, "settings": {**w.catalog.org["settings"],
                                                   "no_show_limit": 0}}
    assert w.book(patient, later_slot(w), "svc-ent").status_code == 201


def test_the_day_list_and_the_counts_per_doctor(w):
    one, two = w.auth.add_patient(), w.auth.add_patient()
    b1 = w.book(two, w.slot("doc-1", minute=15)).json
    future = w.book(two, w.slot("doc-3", day=5, service_ids=["svc-eye"]), "svc-eye").json
    a1, a2 = book_two(w, one)
    mark(w, a1["id"], False)
    mark(w, a2["id"], True)
    mark(w, b1["id"], False)
    staff = w.headers(STAFF, "registrar", key=None)
    day = {"from": "2026-12-02T00:00:00+05:00", "to": "2026-12-03T00:00:00+05:00"}
    listed = w.client().get("/v1/admin/attendance", query_string=day, headers=staff).json["items"]
    assert [(i["id"], i["attendance"], i["markable"]) for i in listed] == [
        (a1["id"], "no_show", True), (b1["id"], "no_show", True), (a2["id"], "attended", True)]
    period = {"from": "2026-12-01T00:00:00+05:00", "to": "2026-12-31T00:00:00+05:00"}
    counts = w.client().get("/v1/admin/no-shows", query_string=period, headers=staff).json
    assert counts["total"] == {"attended": 1, "no_show": 2, "unmarked": 1}
    by_doctor = {d["doctor"]["full_name"]: (d["no_show"], d["attended"], d["unmarked"])
                 for d in counts["doctors"]}
    assert by_doctor == {"Иванова Анна Петровна": (2, 0, 0), "Сидорова Вера Павловна": (0, 1, 1)}
    assert future["id"] not in {i["id"] for i in listed}


def test_staff_reads_are_scoped_and_checked(w):
    period = {"from": "2026-12-01T00:00:00+05:00", "to": "2026-12-31T00:00:00+05:00"}
    client = w.client()
    other = client.get("/v1/admin/no-shows", query_string={**period, "organization_id": "o-2"},
                       headers=w.headers(STAFF, "registrar", key=None))
    assert other.status_code == 403
    patient = client.get("/v1/admin/no-shows", query_string=period,
                         headers=w.headers(w.auth.add_patient(), key=None))
    assert patient.status_code == 403
    admin = client.get("/v1/admin/no-shows", query_string=period,
                       headers=w.headers(STAFF, "admin", org=None, key=None))
    assert admin.status_code == 422 and "organization_id" in admin.json["error"]["fields"]
    for bad in ({"from": "x", "to": period["to"]}, {"from": period["to"], "to": period["from"]},
                {"from": "2026-01-01T00:00:00Z", "to": "2027-06-01T00:00:00Z"}, {}):
        answer = client.get("/v1/admin/attendance", query_string=bad,
                            headers=w.headers(STAFF, "registrar", key=None))
        assert answer.status_code == 422, bad
    staff_restrictions = client.get("/v1/me/restrictions",
                                    headers=w.headers(STAFF, "registrar", key=None))
    assert staff_restrictions.status_code == 403


def test_two_marks_at_once_still_reach_the_limit_once(world):
    """Each mark counts the other's (they are serialized per patient): one suspension, not
    none and not two."""
    import threading

    world.catalog.org = {**world.catalog.org, "settings": {**world.catalog.org["settings"],
                                                           **RULE}}
    for _round in range(3):
        patient = world.auth.add_patient()
        world.clock.now = START_DAY_UTC - timedelta(days=1)
        first, second = book_two(world, patient)
        barrier = threading.Barrier(2)
        answers = []

        def run(appointment_id):
            barrier.wait()
            answers.append(mark(world, appointment_id, False).status_code)

        threads = [threading.Thread(target=run, args=(a["id"],)) for a in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert answers == [200, 200]
        with world.engine.connect() as conn:
            rows = conn.execute(select(booking_suspensions)
                                .where(booking_suspensions.c.patient_id == patient)).all()
        assert len(rows) == 1 and rows[0].count == 2


def test_the_patient_sees_the_mark_on_their_appointment(w):
    patient = w.auth.add_patient()
    booked = w.book(patient, w.slot()).json
    assert booked["attendance"] is None
    w.clock.now = START_DAY_UTC + timedelta(minutes=1)
    mark(w, booked["id"], False)
    shown = w.client().get(f"/v1/appointments/{booked['id']}",
                           headers=w.headers(patient, key=None))
    assert shown.status_code == 200 and shown.json["attendance"] == "no_show"
