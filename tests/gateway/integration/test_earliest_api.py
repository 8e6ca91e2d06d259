"""``GET /api/v1/earliest-slots`` against fake services: the shape, the scopes, the attachment
rule for a logged-in patient, and a clear 4xx for every mistake a caller can make."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration
URL = "/api/v1/earliest-slots"


def get(client, headers=None, **params):
    return client.get(URL, query_string=params, headers=headers or {})


def test_an_organizations_earliest_times_name_doctor_and_organization(client, fakes):
    answer = get(client, service_id="svc-01", organization_id="o-0001", limit=3)
    assert answer.status_code == 200, answer.data
    items = answer.get_json()["items"]
    assert len(items) == 3 and [i["slot_id"][-3:] for i in items[:2]] == ["101", "103"]
    assert items[0]["doctor"] == {"id": "doc-1", "full_name": "Петрова Анна Сергеевна"}
    assert items[0]["organization"] == {"id": "o-0001", "name": "ГАУЗ «Городская поликлиника № 1»",
                                        "short_name": "ГП № 1"}
    assert items[0]["service_id"] == "svc-01" and items[0]["start"].endswith("T08:00:00+05:00")
    starts = [i["start"] for i in items]
    assert starts == sorted(starts)
    assert answer.headers["Cache-Control"] == "no-cache"
    sent = fakes.calls_to("schedule", "/internal/earliest-slots")[-1]
    assert sent["json"]["service_ids"] == ["svc-01"] and sent["json"]["limit"] == 3
    assert sent["headers"]["X-Internal-Token"] == "test-internal-token"


def test_district_and_region_scopes(client, fakes):
    region = get(client, service_id="svc-01").get_json()["items"]
    assert len(region) == 5 and region[0]["doctor"]["full_name"]
    assert get(client, service_id="svc-01", district_id="d-002").get_json()["items"] == []
    assert get(client, service_id="svc-01", district_id="d-001").get_json()["items"] == region
    names = fakes.calls_to("catalog", "/internal/doctors")
    assert names and "ids=doc-1" in names[-1]["query"]


def test_taken_times_are_skipped_and_from_moves_the_start(client, fakes):
    first = get(client, service_id="svc-01", limit=1).get_json()["items"][0]
    fakes.taken.add(first["slot_id"])
    again = get(client, service_id="svc-01", limit=1).get_json()["items"][0]
    assert again["slot_id"] != first["slot_id"]
    later = get(client, service_id="svc-01", limit=1, **{"from": "2099-01-05"})
    assert later.get_json()["items"][0]["date"] == "2099-01-05"


def test_a_patient_sees_only_doctors_of_their_attachment(client, fakes, sign):
    attached = sign("patient", attachments=[{"organization_id": "o-0001", "area": "1"}])
    other_area = sign("patient", attachments=[{"organization_id": "o-0001", "area": "7"}])
    elsewhere = sign("patient", attachments=[{"organization_id": "o-0099", "area": None}])
    staff = sign("registrar", organization_id="o-0001")

    def items(token):
        answer = get(client, {"Authorization": f"Bearer {token}"}, service_id="svc-01")
        assert answer.status_code == 200, answer.data
        assert answer.headers["Cache-Control"] == "private, no-store"
        return answer.get_json()["items"]
    assert len(items(attached)) == 5
    sent = fakes.calls_to("schedule", "/internal/earliest-slots")[-1]["json"]
    assert sent["doctor_ids"] == ["doc-1"]  # the doctors of the patient's area only
    assert items(other_area) == [] and items(elsewhere) == []
    assert len(items(staff)) == 5
    assert "doctor_ids" not in fakes.calls_to("schedule", "/internal/earliest-slots")[-1]["json"]


def test_a_token_that_does_not_verify_is_401(client, fakes):
    answer = get(client, {"Authorization": "Bearer x.y.z"}, service_id="svc-01")
    assert answer.status_code == 401 and answer.get_json()["error"]["code"] == "invalid_token"


@pytest.mark.parametrize("params, status, code, field", [
    ({}, 422, "validation_failed", "service_id"),
    ({"service_id": "bad id"}, 422, "validation_failed", "service_id"),
    ({"service_id": "svc-01", "organization_id": "o-0001", "district_id": "d-001"}, 422,
     "validation_failed", "district_id"),
    ({"service_id": "svc-01", "limit": "0"}, 422, "validation_failed", "limit"),
    ({"service_id": "svc-01", "limit": "21"}, 422, "validation_failed", "limit"),
    ({"service_id": "svc-01", "limit": "пять"}, 422, "validation_failed", "limit"),
    ({"service_id": "svc-01", "from": "2026-13-01"}, 422, "validation_failed", "from"),
    ({"service_id": "svc-01", "from": "2026-12-01T10:00"}, 422, "validation_failed", "from"),
    ({"service_id": "svc-01", "from": "0001-01-01"}, 422, "validation_failed", "from"),
    ({"service_id": "svc-missing"}, 404, "not_found", None),
    ({"service_id": "svc-01", "district_id": "d-999"}, 404, "not_found", None),
    ({"service_id": "svc-02"}, 422, "not_self_bookable", None),
])
def test_mistakes_are_clear_4xx_with_russian_messages(client, fakes, params, status, code, field):
    answer = get(client, **params)
    assert answer.status_code == status, answer.data
    error = answer.get_json()["error"]
    assert error["code"] == code and any("\u0400" <= ch <= "\u04ff" for ch in error["message"])
    if field:
        assert field in error["fields"]


def test_other_methods_are_405(client, fakes):
    assert client.post(URL, json={}).status_code == 405
