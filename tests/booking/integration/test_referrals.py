"""Referrals (направления) over a real database (PostgreSQL and SQLite) with fake peers: a
referral-only service refuses without one, a booking uses one up, a cancel gives it back."""
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from booking.adapters.tables import audit_log, referrals

pytestmark = pytest.mark.integration

REGISTRAR = "staff-reg-1"


@pytest.fixture
def w(any_world):
    """``svc-eye`` (doc-3, no attachment needed) is a referral-only service here."""
    original = any_world.catalog.doctor_context

    def context(doctor_id, service_id):
        found = original(doctor_id, service_id)
        if found and service_id == "svc-eye":
            found = {**found, "service": {**found["service"], "requires_referral": True}}
        return found

    any_world.catalog.doctor_context = context
    return any_world


def staff(w, org="o-1", sub=REGISTRAR):
    return w.headers(sub, "registrar", org=org, key=None)


def issue(w, patient, *, org="o-1", days=30, **what):
    what = what or {"service_id": "svc-eye"}
    expires = (w.clock.now + timedelta(days=days)).date().isoformat()
    return w.client().post("/v1/registry/referrals", headers=staff(w, org),
                           json={"patient_id": patient, "expires_on": expires, **what})


def eye_slot(w, minute=0, day=1):
    return w.slot("doc-3", service_ids=("svc-eye",), minute=minute, day=day)


def stored(w, referral_id):
    with w.engine.connect() as conn:
        return dict(conn.execute(select(referrals).where(referrals.c.id == referral_id))
                    .mappings().one())


def test_without_a_referral_the_booking_is_refused_and_the_slot_given_back(w):
    patient = w.auth.add_patient()
    slot = eye_slot(w)
    response = w.book(patient, slot, "svc-eye")
    assert response.status_code == 422
    assert response.json["error"]["code"] == "referral_required"
    assert "направлению" in response.json["error"]["message"]
    assert w.schedule.slots[slot]["status"] == "free"
    # A service without the flag is booked as before.
    assert w.book(patient, w.slot(), "svc-ther").status_code == 201


def test_a_referral_is_used_by_the_booking_and_given_back_by_the_cancel(w):
    patient = w.auth.add_patient()
    created = issue(w, patient)
    assert created.status_code == 201, created.json
    referral = created.json
    assert referral["status"] == "active" and referral["service"]["name"]
    booked = w.book(patient, eye_slot(w), "svc-eye")
    assert booked.status_code == 201, booked.json
    row = stored(w, referral["id"])
    assert (row["status"], row["used_by_appointment_id"]) == ("used", booked.json["id"])
    own = w.client().get("/v1/referrals", headers=w.headers(patient, key=None)).json["items"]
    assert [(r["id"], r["status"]) for r in own] == [(referral["id"], "used")]

    cancelled = w.client().post(f"/v1/appointments/{booked.json['id']}/cancel",
                                headers=w.headers(patient, key=None))
    assert cancelled.status_code == 200, cancelled.json
    row = stored(w, referral["id"])
    assert (row["status"], row["used_by_appointment_id"]) == ("active", None)
    # Given back: it books another time.
    again = w.book(patient, eye_slot(w, minute=30), "svc-eye", referral_id=referral["id"])
    assert again.status_code == 201, again.json
    assert stored(w, referral["id"])["used_by_appointment_id"] == again.json["id"]


def test_a_staff_cancel_gives_the_referral_back_too(w):
    patient = w.auth.add_patient()
    referral = issue(w, patient).json
    booked = w.book(patient, eye_slot(w), "svc-eye", role="registrar", sub=REGISTRAR)
    assert booked.status_code == 201, booked.json
    assert stored(w, referral["id"])["status"] == "used"
    response = w.client().post(f"/v1/appointments/{booked.json['id']}/cancel",
                               headers=staff(w))
    assert response.status_code == 200
    assert stored(w, referral["id"])["status"] == "active"


def test_a_referral_of_someone_else_expired_or_used_is_invalid(w):
    patient, other = w.auth.add_patient(), w.auth.add_patient()
    others = issue(w, other).json
    response = w.book(patient, eye_slot(w), "svc-eye", referral_id=others["id"])
    assert response.status_code == 422
    assert response.json["error"]["code"] == "referral_invalid"
    assert stored(w, others["id"])["status"] == "active"

    short = issue(w, patient, days=0).json  # its last day is today
    w.clock.now += timedelta(days=1)
    response = w.book(patient, eye_slot(w, day=2), "svc-eye", referral_id=short["id"])
    assert response.json["error"]["code"] == "referral_invalid"
    response = w.book(patient, eye_slot(w, day=2, minute=30), "svc-eye")
    assert response.json["error"]["code"] == "referral_required"  # the expired one is not picked
    own = w.client().get("/v1/referrals", headers=w.headers(patient, key=None)).json["items"]
    assert [r["status"] for r in own] == ["expired"]

    fresh = issue(w, patient).json
    assert w.book(patient, eye_slot(w, day=3), "svc-eye").status_code == 201
    response = w.book(other, eye_slot(w, day=3, minute=30), "svc-eye", referral_id=fresh["id"])
    assert response.json["error"]["code"] == "referral_invalid"  # used, and not theirs


def test_a_specialty_referral_matches_and_another_services_does_not(w):
    patient = w.auth.add_patient()
    wrong = issue(w, patient, service_id="svc-ther").json
    response = w.book(patient, eye_slot(w), "svc-eye", referral_id=wrong["id"])
    assert response.json["error"]["code"] == "referral_invalid"
    by_specialty = issue(w, patient, specialty="Офтальмология").json
    assert by_specialty["service"] is None
    booked = w.book(patient, eye_slot(w, minute=30), "svc-eye")
    assert booked.status_code == 201, booked.json
    assert stored(w, by_specialty["id"])["used_by_appointment_id"] == booked.json["id"]
    assert stored(w, wrong["id"])["status"] == "active"


def test_the_earliest_expiring_referral_is_picked(w):
    patient = w.auth.add_patient()
    later = issue(w, patient, days=60).json
    sooner = issue(w, patient, days=10).json
    assert w.book(patient, eye_slot(w), "svc-eye").status_code == 201
    assert stored(w, sooner["id"])["status"] == "used"
    assert stored(w, later["id"])["status"] == "active"


def test_a_reschedule_keeps_the_referral_with_the_appointment(w):
    patient = w.auth.add_patient()
    referral = issue(w, patient).json
    booked = w.book(patient, eye_slot(w), "svc-eye").json
    target = eye_slot(w, minute=45)
    moved = w.client().post(f"/v1/appointments/{booked['id']}/reschedule", json={"slot_id": target},
                            headers=w.headers(patient))
    assert moved.status_code == 200, moved.json
    row = stored(w, referral["id"])
    assert (row["status"], row["used_by_appointment_id"]) == ("used", booked["id"])


def test_the_reception_lists_and_cancels_within_its_organization(w):
    patient = w.auth.add_patient()
    referral = issue(w, patient).json
    listed = w.client().get(f"/v1/registry/patients/{patient}/referrals", headers=staff(w))
    assert [r["id"] for r in listed.json["items"]] == [referral["id"]]
    # Another organization's registrar: the patient is not theirs.
    foreign = w.client().get(f"/v1/registry/patients/{patient}/referrals",
                             headers=staff(w, org="o-2"))
    assert foreign.status_code == 404
    assert w.client().delete(f"/v1/registry/referrals/{referral['id']}",
                             headers=staff(w, org="o-2")).status_code == 404
    assert issue(w, patient, org="o-2").status_code == 404
    # A patient may not use the staff routes.
    assert w.client().post("/v1/registry/referrals", headers=w.headers(patient, key=None),
                           json={}).status_code == 403

    cancelled = w.client().delete(f"/v1/registry/referrals/{referral['id']}", headers=staff(w))
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    again = w.client().delete(f"/v1/registry/referrals/{referral['id']}", headers=staff(w))
    assert again.status_code == 200 and again.json["status"] == "cancelled"
    with w.engine.connect() as conn:
        trail = [(r.action, r.actor_id, r.patient_id, r.details["referral_id"]) for r in
                 conn.execute(select(audit_log).order_by(audit_log.c.created_at))]
    assert trail == [("referral.issue", REGISTRAR, patient, referral["id"]),
                     ("referral.cancel", REGISTRAR, patient, referral["id"])]
    response = w.book(patient, eye_slot(w), "svc-eye")
    assert response.json["error"]["code"] == "referral_required"

    used = issue(w, patient).json
    assert w.book(patient, eye_slot(w, minute=30), "svc-eye").status_code == 201
    refused = w.client().delete(f"/v1/registry/referrals/{used['id']}", headers=staff(w))
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "referral_not_active"


@pytest.mark.parametrize("body, field", [
    ({"patient_id": None, "expires_on": "2026-12-30", "service_id": "svc-eye"}, "patient_id"),
    ({"patient_id": "P", "expires_on": "2026-12-30"}, "patient_id"),
    ({"expires_on": "2026-12-30"}, "service_id"),
    ({"service_id": "svc-eye", "specialty": "Офтальмология", "expires_on": "2026-12-30"},
     "service_id"),
    ({"service_id": "svc-eye", "expires_on": "30.12.2026"}, "expires_on"),
    ({"service_id": "svc-eye", "expires_on": "2026-11-30"}, "expires_on"),
    ({"service_id": "svc-eye", "expires_on": "2028-01-01"}, "expires_on"),
    ({"service_id": "svc-nope", "expires_on": "2026-12-30"}, "service_id"),
    ({"service_id": ["x"], "expires_on": "2026-12-30"}, "service_id"),
])
def test_a_wrong_issue_body_is_a_422_naming_the_field(w, body, field):
    patient = w.auth.add_patient()
    body = {"patient_id": patient, **body}
    response = w.client().post("/v1/registry/referrals", headers=staff(w), json=body)
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["fields"]


def test_the_import_is_idempotent_by_source_and_reports_bad_rows(w):
    patient = w.auth.add_patient()
    rows = [{"source_system": "mis-1", "source_number": "N-1", "patient_id": patient,
             "service_id": "svc-eye", "expires_on": "2026-12-30", "doctor_name": "Врач А. А."},
            {"source_system": "mis-1", "source_number": "N-2", "patient_id": patient,
             "specialty": "Офтальмология", "expires_on": "2026-12-31"},
            {"source_system": "mis-1", "patient_id": patient, "specialty": "X",
             "expires_on": "2026-12-31"},
            {"source_system": "mis-1", "source_number": "N-4", "patient_id": str(uuid.uuid4()),
             "specialty": "X", "expires_on": "2026-12-31"}]
    first = w.client().post("/v1/registry/referrals/import", headers=staff(w), json=rows)
    assert first.status_code == 200, first.json
    assert (first.json["created"], first.json["unchanged"]) == (2, 0)
    assert [(e["index"], e["code"]) for e in first.json["errors"]] == [
        (2, "validation_failed"), (3, "patient_not_found")]
    assert "source_number" in first.json["errors"][0]["fields"]
    again = w.client().post("/v1/registry/referrals/import", headers=staff(w),
                            json={"items": rows[:2]})
    assert (again.json["created"], again.json["unchanged"]) == (0, 2)
    listed = w.client().get("/v1/referrals", headers=w.headers(patient, key=None)).json["items"]
    assert sorted(r["source"]["number"] for r in listed) == ["N-1", "N-2"]
    assert {r["issued_by"]["name"] for r in listed} >= {"Врач А. А."}
    assert w.client().post("/v1/registry/referrals/import", headers=staff(w),
                           json={"items": []}).status_code == 422
