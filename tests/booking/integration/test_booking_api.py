"""The appointment endpoints over a real database (PostgreSQL and SQLite) with fake peers."""
import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from booking.adapters.tables import appointments, audit_log, outbox

pytestmark = pytest.mark.integration


def events(world, event_type):
    with world.engine.connect() as conn:
        rows = conn.execute(select(outbox.c.payload).where(outbox.c.event_type == event_type))
        return [json.loads(r.payload) for r in rows]


def test_a_patient_books_a_free_slot_and_gets_the_appointment(world):
    patient = world.auth.add_patient()
    slot = world.slot()
    response = world.book(patient, slot)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "booked"
    assert body["start"] == "2026-12-02T08:00:00+05:00"
    assert body["end"] == "2026-12-02T08:15:00+05:00"
    assert body["doctor"]["full_name"] == "Иванова Анна Петровна"
    assert body["patient"]["id"] == patient
    assert body["ticket"]["number"]
    assert world.schedule.slots[slot]["appointment_id"] == body["id"]
    (event,) = events(world, "appointment.booked")
    assert event["data"]["appointment"]["id"] == body["id"]
    assert event["data"]["contact"]["policy_last4"] == "9153"
    assert event["data"]["actor"] == "patient"


def test_booking_without_idempotency_key_is_a_400(world):
    patient = world.auth.add_patient()
    response = world.book(patient, world.slot(), key=None)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "idempotency_key_required"


def test_booking_needs_a_token(world):
    response = world.client().post("/v1/appointments", json={},
                                   headers={"Idempotency-Key": str(uuid.uuid4())})
    assert response.status_code == 401


@pytest.mark.parametrize("body, field", [
    ({"service_id": "svc-ther", "consent_version": "x"}, "slot_id"),
    ({"slot_id": "abc", "service_id": "svc-ther", "consent_version": "x"}, "slot_id"),
    ({"slot_id": "1", "service_id": ["x"], "consent_version": "x"}, "service_id"),
])
def test_malformed_bodies_are_a_422_with_fields(world, body, field):
    patient = world.auth.add_patient()
    response = world.client().post("/v1/appointments", json=body, headers=world.headers(patient))
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]


def test_non_json_body_is_a_422_not_a_500(world):
    patient = world.auth.add_patient()
    response = world.client().post("/v1/appointments", data="nope", headers=world.headers(patient))
    assert response.status_code == 422


def test_unknown_slot_is_a_404_slot_not_found(world):
    response = world.book(world.auth.add_patient(), "999999")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "slot_not_found"


def test_a_taken_slot_is_a_409_and_leaves_no_active_appointment(world):
    slot = world.slot()
    assert world.book(world.auth.add_patient(), slot).status_code == 201
    second = world.auth.add_patient()
    response = world.book(second, slot)
    assert response.status_code == 409
    assert response.json["error"]["code"] == "slot_unavailable"
    # The second patient can still book the specialty elsewhere.
    assert world.book(second, world.slot(minute=15)).status_code == 201


def test_race_loser_records_no_appointment_and_leaves_the_winners_slot(world):
    # Another appointment takes the slot just before us: the take is the first step of a
    # booking (there is no read before it), so the loser records nothing at all.
    slot = world.slot()
    winner = str(uuid.uuid4())
    world.schedule.take(slot, winner, None, "portal")
    patient = world.auth.add_patient()
    response = world.book(patient, slot)
    assert response.status_code == 409
    assert response.json["error"]["code"] == "slot_unavailable"
    with world.engine.connect() as conn:
        statuses = conn.execute(select(appointments.c.status).where(
            appointments.c.patient_id == patient)).scalars().all()
    assert statuses == []
    assert world.schedule.slots[slot]["appointment_id"] == winner


def test_one_active_appointment_per_specialty(world):
    patient = world.auth.add_patient()
    assert world.book(patient, world.slot()).status_code == 201
    response = world.book(patient, world.slot("doc-2", minute=30))
    assert response.status_code == 422
    assert response.json["error"]["code"] == "duplicate_specialty"
    # Another specialty is fine.
    assert world.book(patient, world.slot("doc-3", service_ids=["svc-eye"]), "svc-eye").status_code == 201


def test_an_appointment_that_is_over_lets_its_specialty_be_booked_again(any_world):
    """The rule is one *active* appointment per specialty: last week's visit to the therapist
    does not stop booking the therapist again (it stays booked, for its history and marks)."""
    from datetime import datetime, timezone

    world = any_world
    patient = world.auth.add_patient()
    first = world.book(patient, world.slot())
    assert first.status_code == 201
    world.clock.now = datetime(2026, 12, 2, 4, 0, tzinfo=timezone.utc)  # the first one is over
    again = world.book(patient, world.slot("doc-2", day=3, minute=30))
    assert again.status_code == 201, again.json
    with world.engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(select(appointments).where(
            appointments.c.patient_id == patient))}
    assert rows[first.json["id"]].status == "booked"
    assert rows[first.json["id"]].specialty_released_at is not None
    assert rows[again.json["id"]].specialty_released_at is None
    # The new one is ahead: it holds the specialty as before.
    third = world.book(patient, world.slot(day=4))
    assert third.status_code == 422 and third.json["error"]["code"] == "duplicate_specialty"


def test_a_patient_not_attached_cannot_book_an_attachment_service(world):
    response = world.book(world.auth.add_patient(attached=False), world.slot())
    assert response.status_code == 403
    assert response.json["error"]["code"] == "not_attached"


def test_a_patient_of_another_area_cannot_book_the_area_doctor(world):
    response = world.book(world.auth.add_patient(area="9"), world.slot())
    assert response.json["error"]["code"] == "not_attached"


def test_a_service_that_is_not_self_bookable_is_refused_online_but_booked_by_staff(world):
    patient = world.auth.add_patient()
    slot = world.slot("doc-3", service_ids=["svc-xray"])
    response = world.book(patient, slot, "svc-xray")
    assert response.status_code == 403
    assert response.json["error"]["code"] == "not_self_bookable"
    staff = str(uuid.uuid4())
    response = world.book(patient, slot, "svc-xray", role="registrar", sub=staff)
    assert response.status_code == 201, response.json
    assert response.json["channel"] == "reception"
    with world.engine.connect() as conn:
        audit = conn.execute(select(audit_log)).mappings().all()
    assert [(a["actor_id"], a["action"], a["patient_id"]) for a in audit] == \
        [(staff, "appointment.create", patient)]


def test_a_registrar_of_another_organization_cannot_book(world):
    patient = world.auth.add_patient()
    client = world.client()
    response = client.post("/v1/appointments", json={
        "slot_id": world.slot(), "service_id": "svc-ther", "consent_version": "2026-01",
        "patient_id": patient}, headers=world.headers(str(uuid.uuid4()), "registrar", org="o-2"))
    assert response.status_code == 403


@pytest.mark.parametrize("day, code", [(0, "same_day_not_allowed"), (15, "outside_booking_horizon"),
                                       (-1, "in_the_past")])
def test_time_rules_are_enforced(world, day, code):
    response = world.book(world.auth.add_patient(), world.slot(day=day, minute=120))
    assert response.status_code == 422
    assert response.json["error"]["code"] == code


def test_consent_of_an_old_version_is_refused_and_the_current_one_recorded(world):
    patient = world.auth.add_patient(accepted=None)
    response = world.book(patient, world.slot(), consent_version="2020-01")
    assert response.status_code == 422
    assert response.json["error"]["code"] == "consent_required"
    assert world.book(patient, world.slot(minute=15)).status_code == 201
    assert world.auth.consents == [(patient, "2026-01", "portal")]


def test_missing_consent_is_a_422_consent_required(world):
    patient = world.auth.add_patient()
    response = world.client().post("/v1/appointments", json={"slot_id": world.slot(),
                                                             "service_id": "svc-ther"},
                                   headers=world.headers(patient))
    assert response.json["error"]["code"] == "consent_required"


def test_someone_elses_appointment_is_a_404(world):
    owner = world.auth.add_patient()
    created = world.book(owner, world.slot()).json
    other = world.auth.add_patient()
    client = world.client()
    assert client.get(f"/v1/appointments/{created['id']}", headers=world.headers(owner)).status_code == 200
    for path in ("", "/calendar.ics"):
        assert client.get(f"/v1/appointments/{created['id']}{path}",
                          headers=world.headers(other)).status_code == 404
    assert client.post(f"/v1/appointments/{created['id']}/cancel",
                       headers=world.headers(other)).status_code == 404
    assert client.get("/v1/appointments/not-an-id", headers=world.headers(owner)).status_code == 404


def test_lists_split_active_and_past(world):
    patient = world.auth.add_patient()
    booked = world.book(patient, world.slot()).json
    client = world.client()
    active = client.get("/v1/appointments?status=active", headers=world.headers(patient)).json
    assert [a["id"] for a in active["items"]] == [booked["id"]]
    world.clock.now += timedelta(days=2)
    assert client.get("/v1/appointments?status=active", headers=world.headers(patient)).json["items"] == []
    past = client.get("/v1/appointments?status=past", headers=world.headers(patient)).json
    assert [a["id"] for a in past["items"]] == [booked["id"]]
    assert client.get("/v1/appointments?status=soon", headers=world.headers(patient)).status_code == 422


def test_staff_list_a_patients_appointments_by_patient_id(world):
    patient = world.auth.add_patient()
    booked = world.book(patient, world.slot()).json
    client = world.client()
    staff = world.headers(str(uuid.uuid4()), "registrar")
    items = client.get(f"/v1/appointments?patient_id={patient}", headers=staff).json["items"]
    assert [a["id"] for a in items] == [booked["id"]]
    assert client.get("/v1/appointments", headers=staff).status_code == 422


def test_cancel_frees_the_slot_emits_an_event_and_is_idempotent(world):
    patient = world.auth.add_patient()
    slot = world.slot()
    booked = world.book(patient, slot).json
    client = world.client()
    for _ in range(2):
        response = client.post(f"/v1/appointments/{booked['id']}/cancel", headers=world.headers(patient))
        assert response.status_code == 200
        assert response.json["status"] == "cancelled"
    assert world.schedule.slots[slot]["status"] == "free"
    assert len(events(world, "appointment.cancelled")) == 1
    # The specialty is free again.
    assert world.book(patient, world.slot(minute=15)).status_code == 201


def test_cancel_after_the_start_is_a_409_telling_to_call(world):
    patient = world.auth.add_patient()
    booked = world.book(patient, world.slot()).json
    world.clock.now += timedelta(days=1, minutes=1)
    response = world.client().post(f"/v1/appointments/{booked['id']}/cancel",
                                   headers=world.headers(patient))
    assert response.status_code == 409
    assert response.json["error"]["code"] == "cancel_too_late"
    assert "регистратур" in response.json["error"]["message"]


def test_cancel_inside_the_cutoff_is_refused_online(world):
    patient = world.auth.add_patient()
    booked = world.book(patient, world.slot()).json
    world.clock.now += timedelta(hours=23)  # one hour before the start, cut-off is 2 hours
    response = world.client().post(f"/v1/appointments/{booked['id']}/cancel",
                                   headers=world.headers(patient))
    assert response.json["error"]["code"] == "cancel_too_late"


def test_cancel_while_schedule_is_down_succeeds_and_the_reconciler_releases_later(world):
    from booking.reconciler import Reconciler

    patient = world.auth.add_patient()
    slot = world.slot()
    booked = world.book(patient, slot).json
    world.schedule.down = True
    response = world.client().post(f"/v1/appointments/{booked['id']}/cancel",
                                   headers=world.headers(patient))
    assert response.status_code == 200
    assert world.schedule.slots[slot]["status"] == "taken"
    world.schedule.down = False
    assert Reconciler(world.deps).run_once()["released"] == 1
    assert world.schedule.slots[slot]["status"] == "free"


def test_calendar_file_is_served_as_text_calendar(world):
    from icalendar import Calendar

    patient = world.auth.add_patient()
    booked = world.book(patient, world.slot(minute=15)).json
    response = world.client().get(f"/v1/appointments/{booked['id']}/calendar.ics",
                                  headers=world.headers(patient))
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    (event,) = Calendar.from_ical(response.data).walk("VEVENT")
    assert event.decoded("dtstart").isoformat() == "2026-12-02T08:15:00+05:00"


def test_admin_reads_the_audit_log_and_a_registrar_may_not(world):
    patient = world.auth.add_patient()
    staff = str(uuid.uuid4())
    world.book(patient, world.slot(), role="registrar", sub=staff)
    client = world.client()
    assert client.get("/v1/admin/audit", headers=world.headers(staff, "registrar")).status_code == 403
    admin = world.headers(str(uuid.uuid4()), "admin", org=None)
    items = client.get(f"/v1/admin/audit?patient_id={patient}", headers=admin).json["items"]
    assert [i["action"] for i in items] == ["appointment.create"]
    assert client.get("/v1/admin/audit?actor_id=nobody", headers=admin).json["items"] == []
    assert client.get("/v1/admin/audit?from=yesterday", headers=admin).status_code == 422


def test_an_audit_page_size_of_non_ascii_digits_is_a_422_not_a_500(world):
    admin = world.headers(str(uuid.uuid4()), "admin", org=None)
    response = world.client().get("/v1/admin/audit?limit=%C2%B2", headers=admin)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_failed"


def test_an_audit_time_that_overflows_in_utc_is_a_422_not_a_500(world):
    admin = world.headers(str(uuid.uuid4()), "admin", org=None)
    response = world.client().get("/v1/admin/audit?from=0001-01-01T00:00:00%2B05:00",
                                  headers=admin)
    assert response.status_code == 422


def test_readiness_checks_the_database_only(world):
    response = world.client().get("/readyz")
    assert response.status_code == 200


def test_audit_entries_keep_and_show_the_staff_members_display_name(world):
    patient = world.auth.add_patient()
    staff = str(uuid.uuid4())
    assert world.book(patient, world.slot(), role="registrar", sub=staff).status_code == 201
    with world.engine.connect() as conn:
        stored = conn.execute(select(audit_log.c.actor_id, audit_log.c.actor_name)).all()
    assert [tuple(r) for r in stored] == [(staff, "Тест")]  # the token's ``name`` claim
    admin = world.headers(str(uuid.uuid4()), "admin", org=None)
    (item,) = world.client().get(f"/v1/admin/audit?actor_id={staff}", headers=admin).json["items"]
    assert item["actor_name"] == "Тест" and item["actor_role"] == "registrar"
