"""The public and internal endpoints on a migrated database (PostgreSQL and SQLite) with one
clinic."""
from datetime import date

import pytest
from sqlalchemy import select

from schedule.adapters.tables import doctor_days, outbox

pytestmark = pytest.mark.integration
DOCTOR = "/v1/doctors/doc-000001"
SVC = "svc-0001-01"


def days(client, first="2026-12-01", last="2026-12-17"):
    return client.get(f"{DOCTOR}/days?service_id={SVC}&from={first}&to={last}")


def free_slot_ids(client, day="2026-12-03"):
    items = client.get(f"{DOCTOR}/slots?service_id={SVC}&date={day}").json["items"]
    return [s["id"] for s in items if s["bookable"]]


def free_count(app, day):
    with app.extensions["engine"].connect() as conn:
        return conn.execute(select(doctor_days.c.free).where(
            doctor_days.c.doctor_id == "doc-000001", doctor_days.c.date == day)).scalar_one()


def test_day_grid_lists_every_date_with_interval_bookability_and_free_count(client):
    answer = days(client)
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "public, max-age=5"
    items = answer.json["items"]
    assert [i["date"] for i in items][:2] == ["2026-12-01", "2026-12-02"] and len(items) == 17
    today, tomorrow = items[0], items[1]
    assert today["interval"] == "08:00\u201314:00" and today["bookable"] is False
    assert tomorrow == {"date": "2026-12-02", "interval": "08:00\u201314:00", "bookable": True,
                        "free": 18}
    assert items[14]["bookable"] is True  # Dec 15 = today + 14, open since 07:00
    assert items[15]["bookable"] is False and items[16]["free"] == 0


def test_day_grid_shows_days_off_without_interval(client):
    items = client.get(f"/v1/doctors/doc-000002/days?service_id=svc-0001-02"
                       f"&from=2026-12-07&to=2026-12-08").json["items"]
    assert items[0]["interval"] == "14:00\u201316:00" and items[0]["free"] == 4
    assert items[1] == {"date": "2026-12-08", "interval": None, "bookable": False, "free": 0}


@pytest.mark.parametrize("query, field", [
    ("service_id=svc-0001-01&to=2026-12-02", "from"),
    ("service_id=svc-0001-01&from=2026-12-01", "to"),
    ("service_id=svc-0001-01&from=2026-12-5&to=2026-12-06", "from"),
    ("service_id=svc-0001-01&from=2026-12-05&to=2026-12-04", "to"),
    ("service_id=svc-0001-01&from=2026-12-01&to=2027-03-05", "to"),
    ("from=2026-12-01&to=2026-12-02", "service_id"),
])
def test_day_grid_rejects_bad_ranges_naming_the_field(client, query, field):
    answer = client.get(f"{DOCTOR}/days?{query}")
    assert answer.status_code == 422
    assert field in answer.json["error"]["fields"]


def test_unknown_doctor_and_foreign_service_are_404(client):
    answer = client.get("/v1/doctors/doc-999/days?service_id=x&from=2026-12-01&to=2026-12-02")
    assert answer.status_code == 404 and answer.json["error"]["code"] == "not_found"
    answer = client.get(f"{DOCTOR}/days?service_id=svc-0001-02&from=2026-12-01&to=2026-12-02")
    assert answer.status_code == 404 and "услугу" in answer.json["error"]["message"]


def test_day_slots_carry_local_offsets_and_reception_slots_are_not_bookable(client):
    items = client.get(f"{DOCTOR}/slots?service_id={SVC}&date=2026-12-03").json["items"]
    assert len(items) == 23
    assert items[0]["start"] == "2026-12-03T08:00:00+05:00"
    assert items[0]["end"] == "2026-12-03T08:15:00+05:00"
    assert sum(1 for i in items if not i["bookable"]) == 5
    assert all(i["bookable"] is False for i in
               client.get(f"{DOCTOR}/slots?service_id={SVC}&date=2026-12-01").json["items"])


def test_hold_takes_a_slot_out_of_the_free_count_and_delete_gives_it_back(client, app, patient):
    slot = free_slot_ids(client)[0]
    answer = client.post(f"/v1/slots/{slot}/hold", headers=patient("p-1", **{"X-Client-IP": "10.0.0.1"}))
    assert answer.status_code == 201 and answer.json["expires_at"].endswith("+05:00")
    assert free_count(app, date(2026, 12, 3)) == 17
    again = client.post(f"/v1/slots/{slot}/hold", headers=patient("p-2", **{"X-Client-IP": "10.0.0.2"}))
    assert again.status_code == 409 and again.json["error"]["code"] == "slot_unavailable"
    assert client.delete(f"/v1/holds/{answer.json['hold_id']}").status_code == 204
    assert free_count(app, date(2026, 12, 3)) == 18
    assert client.delete("/v1/holds/00000000-0000-0000-0000-000000000000").status_code == 404
    assert client.delete("/v1/holds/nonsense").status_code == 404


def test_an_anonymous_or_forged_hold_is_refused_and_holds_nothing(client, app):
    slot = free_slot_ids(client)[0]
    anonymous = client.post(f"/v1/slots/{slot}/hold", json={"session_id": "s"})
    assert anonymous.status_code == 401 and anonymous.json["error"]["code"] == "unauthorized"
    forged = client.post(f"/v1/slots/{slot}/hold", headers={"Authorization": "Bearer x.y.z"})
    assert forged.status_code == 401 and forged.json["error"]["code"] == "invalid_token"
    assert free_count(app, date(2026, 12, 3)) == 18 and slot in free_slot_ids(client)


def test_a_client_address_may_hold_at_most_three_slots(client, patient):
    ids = free_slot_ids(client)
    for number, slot in enumerate(ids[:3]):
        assert client.post(f"/v1/slots/{slot}/hold",
                           headers=patient(f"p-{number}", **{"X-Client-IP": "10.0.0.9"})
                           ).status_code == 201
    answer = client.post(f"/v1/slots/{ids[3]}/hold",
                         headers=patient("p-9", **{"X-Client-IP": "10.0.0.9"}))
    assert answer.status_code == 429 and answer.json["error"]["code"] == "too_many_holds"
    assert 0 < int(answer.headers["Retry-After"]) <= 300


def test_rotating_x_client_ip_without_the_internal_token_still_hits_the_hold_limit(client, patient):
    ids = free_slot_ids(client)
    statuses = [client.post(f"/v1/slots/{slot}/hold",
                            headers=patient(f"p-{n}", **{"X-Client-IP": f"198.51.100.{n}"})).status_code
                for n, slot in enumerate(ids[:4])]
    assert statuses == [201, 201, 201, 429]


def test_holds_of_one_ipv6_subscriber_count_together(client, patient):
    from regcommon.clientaddr import vouched_headers

    ids = free_slot_ids(client)
    token = client.application.extensions["settings"].internal_token
    statuses = [client.post(f"/v1/slots/{slot}/hold",
                            headers=patient(f"p-{n}", **vouched_headers(token, f"2001:db8:7:8::{n + 1}"))).status_code
                for n, slot in enumerate(ids[:4])]
    assert statuses == [201, 201, 201, 429]
    other = patient("p-9", **vouched_headers(token, "2001:db8:7:9::1"))
    assert client.post(f"/v1/slots/{ids[4]}/hold", headers=other).status_code == 201


def vouched(client, address: str) -> dict:
    """Headers of a call the gateway makes for a client at ``address`` (the address is believed)."""
    from regcommon.clientaddr import vouched_headers

    return vouched_headers(client.application.extensions["settings"].internal_token, address)


def test_a_patient_may_hold_at_most_two_slots_whatever_address_they_use(client, patient):
    ids = free_slot_ids(client)
    for number, slot in enumerate(ids[:2]):
        headers = patient("p-1", **vouched(client, f"10.0.1.{number}"))
        assert client.post(f"/v1/slots/{slot}/hold", headers=headers).status_code == 201
    answer = client.post(f"/v1/slots/{ids[2]}/hold",
                         headers=patient("p-1", **vouched(client, "10.0.1.9")))
    assert answer.status_code == 429 and answer.json["error"]["code"] == "too_many_holds"
    assert 0 < int(answer.headers["Retry-After"]) <= 300
    other = patient("p-2", **vouched(client, "10.0.1.9"))
    assert client.post(f"/v1/slots/{ids[2]}/hold", headers=other).status_code == 201


def test_at_most_a_fifth_of_a_doctor_day_is_held_at_once(client, app, patient):
    """18 portal slots on 2026-12-03: at most ceil(18 / 5) = 4 holds, whoever holds them."""
    ids = free_slot_ids(client)
    for number, slot in enumerate(ids[:4]):
        headers = patient(f"p-{number}", **vouched(client, f"10.0.2.{number}"))
        assert client.post(f"/v1/slots/{slot}/hold", headers=headers).status_code == 201
    refused = client.post(f"/v1/slots/{ids[4]}/hold",
                          headers=patient("p-9", **vouched(client, "10.0.2.9")))
    assert refused.status_code == 409 and refused.json["error"]["code"] == "too_many_holds_for_day"
    assert 0 < int(refused.headers["Retry-After"]) <= 300
    assert free_count(app, date(2026, 12, 3)) == 14
    # Another day of the same doctor is not affected.
    other_day = free_slot_ids(client, "2026-12-04")[0]
    assert client.post(f"/v1/slots/{other_day}/hold",
                       headers=patient("p-9", **vouched(client, "10.0.2.9"))).status_code == 201


def test_a_new_hold_of_the_same_session_releases_the_previous_one(client, patient):
    first, second = free_slot_ids(client)[:2]
    body = {"session_id": "sess-1"}
    assert client.post(f"/v1/slots/{first}/hold", json=body, headers=patient()).status_code == 201
    assert client.post(f"/v1/slots/{second}/hold", json=body, headers=patient()).status_code == 201
    assert first in free_slot_ids(client) and second not in free_slot_ids(client)


def test_reception_slots_and_closed_days_cannot_be_held(client, patient):
    items = client.get(f"{DOCTOR}/slots?service_id={SVC}&date=2026-12-03").json["items"]
    reception = next(i["id"] for i in items if not i["bookable"])
    assert client.post(f"/v1/slots/{reception}/hold", headers=patient()).status_code == 409
    far = client.get(f"{DOCTOR}/slots?service_id={SVC}&date=2026-12-16").json["items"][0]["id"]
    assert client.post(f"/v1/slots/{far}/hold", headers=patient()).status_code == 409
    assert client.post("/v1/slots/99999999/hold", headers=patient()).status_code == 404
    assert client.post("/v1/slots/abc/hold", headers=patient()).status_code == 404


def test_take_is_idempotent_and_honours_the_hold(client, internal, patient):
    slot = free_slot_ids(client)[0]
    hold = client.post(f"/v1/slots/{slot}/hold", json={"session_id": "s"},
                       headers=patient()).json["hold_id"]
    other = client.post(f"/internal/slots/{slot}/take", headers=internal,
                        json={"appointment_id": "a-2", "channel": "portal"})
    assert other.status_code == 409
    body = {"appointment_id": "a-1", "hold_id": hold, "channel": "portal"}
    first = client.post(f"/internal/slots/{slot}/take", headers=internal, json=body)
    assert first.status_code == 200 and first.json["status"] == "taken"
    assert first.json["appointment_id"] == "a-1" and first.json["service_ids"] == [SVC]
    repeat = client.post(f"/internal/slots/{slot}/take", headers=internal, json=body)
    assert repeat.status_code == 200 and repeat.json == first.json
    assert client.get("/internal/appointments/a-1/slot", headers=internal).json["id"] == slot
    assert client.get("/internal/appointments/zzz/slot", headers=internal).status_code == 404


def test_internal_paths_need_the_service_token(client):
    assert client.get("/internal/slots/1").status_code == 403


def test_portal_cannot_take_a_reception_slot_but_the_reception_can(client, internal):
    items = client.get(f"{DOCTOR}/slots?service_id={SVC}&date=2026-12-20").json["items"]
    assert items == []  # beyond the generated horizon
    items = client.get(f"{DOCTOR}/slots?service_id={SVC}&date=2026-12-03").json["items"]
    reception = next(i["id"] for i in items if not i["bookable"])
    portal = client.post(f"/internal/slots/{reception}/take", headers=internal,
                         json={"appointment_id": "r-1", "channel": "portal"})
    assert portal.status_code == 409
    desk = client.post(f"/internal/slots/{reception}/take", headers=internal,
                       json={"appointment_id": "r-1", "channel": "reception"})
    assert desk.status_code == 200


def test_release_frees_the_slot_writes_slot_released_and_is_idempotent(client, app, internal):
    slot = free_slot_ids(client)[0]
    client.post(f"/internal/slots/{slot}/take", headers=internal,
                json={"appointment_id": "a-9", "channel": "portal"})
    assert free_count(app, date(2026, 12, 3)) == 17
    for _ in range(2):
        answer = client.post(f"/internal/slots/{slot}/release", headers=internal,
                             json={"appointment_id": "a-9"})
        assert answer.status_code == 200 and answer.json["status"] == "free"
    assert free_count(app, date(2026, 12, 3)) == 18
    with app.extensions["engine"].connect() as conn:
        events = conn.execute(select(outbox.c.event_type, outbox.c.payload)).all()
    assert [e.event_type for e in events] == ["slot.released"]
    assert f'"slot_id": "{slot}"' in events[0].payload and "+05:00" in events[0].payload


def test_move_is_atomic_and_a_409_changes_nothing(client, app, internal):
    a, b, c = free_slot_ids(client)[:3]
    take = lambda s, appt: client.post(f"/internal/slots/{s}/take", headers=internal,
                                       json={"appointment_id": appt, "channel": "portal"})
    assert take(a, "m-1").status_code == 200 and take(c, "m-2").status_code == 200
    refused = client.post("/internal/appointments/m-1/move", headers=internal,
                          json={"from_slot_id": a, "to_slot_id": c, "channel": "portal"})
    assert refused.status_code == 409
    assert client.get(f"/internal/slots/{a}", headers=internal).json["appointment_id"] == "m-1"
    assert client.get(f"/internal/slots/{c}", headers=internal).json["appointment_id"] == "m-2"
    assert free_count(app, date(2026, 12, 3)) == 16
    body = {"from_slot_id": a, "to_slot_id": b, "channel": "portal"}
    moved = client.post("/internal/appointments/m-1/move", headers=internal, json=body)
    assert moved.status_code == 200 and moved.json["id"] == b
    assert client.get(f"/internal/slots/{a}", headers=internal).json["status"] == "free"
    again = client.post("/internal/appointments/m-1/move", headers=internal, json=body)
    assert again.status_code == 200 and again.json["id"] == b
    assert free_count(app, date(2026, 12, 3)) == 16


def test_malformed_internal_bodies_are_422_not_500(client, internal):
    answer = client.post("/internal/slots/1/take", headers=internal, data="nope",
                         content_type="application/json")
    assert answer.status_code == 422
    answer = client.post("/internal/slots/1/take", headers=internal,
                         json={"appointment_id": "x", "channel": "fax"})
    assert answer.status_code == 422 and "channel" in answer.json["error"]["fields"]


def test_readiness_pings_the_database(client):
    assert client.get("/readyz").status_code == 200


def test_a_slot_id_of_non_ascii_digits_is_a_404_not_a_500(client, internal, patient):
    # "²" and "١" count as digits for str.isdigit() but are no slot id.
    assert client.post("/v1/slots/%C2%B2/hold", headers=patient()).status_code == 404
    assert client.get("/internal/slots/%C2%B2", headers=internal).status_code == 404
    assert client.get("/internal/slots/%D9%A1", headers=internal).status_code == 404


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_date_at_the_edge_of_the_calendar_is_a_422_not_a_500(client, day):
    answer = client.get(f"{DOCTOR}/slots?service_id={SVC}&date={day}")
    assert answer.status_code == 422 and answer.json["error"]["code"] == "validation_failed"
    assert days(client, day, day).status_code == 422


def test_take_answers_the_slots_facts_so_booking_needs_no_read(client, internal):
    slot = free_slot_ids(client)[0]
    taken = client.post(f"/internal/slots/{slot}/take", headers=internal,
                        json={"appointment_id": "f-1", "channel": "portal"}).json
    assert {k: taken[k] for k in ("id", "doctor_id", "organization_id", "service_ids")} == \
        {"id": slot, "doctor_id": "doc-000001", "organization_id": "o-0001", "service_ids": [SVC]}
    assert taken["start"].startswith("2026-12-03T") and taken["start"].endswith("+05:00")
    # An appointment holds one slot: a second slot under the same id is refused.
    other = free_slot_ids(client)[0]
    assert client.post(f"/internal/slots/{other}/take", headers=internal,
                       json={"appointment_id": "f-1", "channel": "portal"}).status_code == 409
    assert client.post("/internal/slots/99999999/take", headers=internal,
                       json={"appointment_id": "f-2", "channel": "portal"}).status_code == 404


def test_a_take_of_a_slot_that_has_started_is_told_apart(client, internal):
    first_day_slot = client.get(f"{DOCTOR}/slots?service_id={SVC}&date=2026-12-01").json["items"][0]
    answer = client.post(f"/internal/slots/{first_day_slot['id']}/take", headers=internal,
                         json={"appointment_id": "p-1", "channel": "reception"})
    assert answer.status_code == 409
    assert answer.json["error"]["code"] == "slot_started"


def test_takes_are_listed_oldest_first_with_a_cursor_and_releases_leave_the_list(client, internal):
    slots = free_slot_ids(client)[:3]
    for i, slot in enumerate(slots):
        client.post(f"/internal/slots/{slot}/take", headers=internal,
                    json={"appointment_id": f"t-{i}", "channel": "portal"})
    listed = client.get("/internal/takes?older_than=0&limit=2", headers=internal).json["items"]
    assert [(t["slot_id"], t["appointment_id"]) for t in listed] == \
        [(slots[0], "t-0"), (slots[1], "t-1")]
    last = listed[-1]
    rest = client.get("/internal/takes", headers=internal, query_string={
        "older_than": 0, "since": last["taken_at"], "after_id": last["slot_id"]}).json["items"]
    assert [t["appointment_id"] for t in rest] == ["t-2"]
    client.post(f"/internal/slots/{slots[0]}/release", headers=internal,
                json={"appointment_id": "t-0"})
    listed = client.get("/internal/takes?older_than=0", headers=internal).json["items"]
    assert [t["appointment_id"] for t in listed] == ["t-1", "t-2"]
    assert client.get("/internal/takes?older_than=3600", headers=internal).json["items"] == []
    assert client.get("/internal/takes?since=yesterday", headers=internal).status_code == 422
    assert client.get("/internal/takes").status_code == 403


def test_a_public_slot_names_its_doctor_and_day_but_never_who_took_it(client, internal):
    slot = free_slot_ids(client)[0]
    free = client.get(f"/v1/slots/{slot}")
    assert free.status_code == 200
    assert free.json["doctor_id"] == "doc-000001" and free.json["date"] == "2026-12-03"
    assert free.json["service_ids"] == [SVC] and free.json["bookable"] is True
    client.post(f"/internal/slots/{slot}/take", headers=internal,
                json={"appointment_id": "a-secret", "channel": "portal"})
    taken = client.get(f"/v1/slots/{slot}")
    assert taken.json["bookable"] is False
    assert "a-secret" not in taken.get_data(as_text=True) and "appointment_id" not in taken.json
    assert client.get("/v1/slots/999999999").status_code == 404
    assert client.get("/v1/slots/%C2%B2").status_code == 404
