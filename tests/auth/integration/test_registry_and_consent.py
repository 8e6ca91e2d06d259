import pytest
from sqlalchemy import select

from regcommon.clientaddr import vouched_headers

from auth.adapters.tables import consents
from auth.domain.consent import CONSENT_VERSION, consent_sha256

pytestmark = pytest.mark.integration

NEW_PATIENT = {
    "last_name": "Фёдорова", "first_name": "Ольга", "middle_name": "Ильинична",
    "birth_date": "1990-06-01", "sex": "F", "phone": "+7 922 123-45-67", "email": "olga@example.org",
    "policy": {"type": "oms_unified", "number": "5612 3456 7890 1230"},
    "identity_documents": [{"type": "passport", "number": "53 11 222333"}],
    "attachment": {"organization_id": "o-0001", "area": "2"},
}


def staff_token(app, login="registrar", password="registrar-demo") -> str:
    return app.test_client().post("/v1/auth/staff", json={"login": login, "password": password}
                                  ).get_json()["access_token"]


def patient_token(app, helpers) -> str:
    return app.test_client().post("/v1/auth/oms", json=helpers.login_body()).get_json()["access_token"]


def test_registrar_registers_a_patient_who_can_then_log_in(seeded, helpers):
    client = seeded.test_client()
    headers = helpers.bearer(staff_token(seeded))
    created = client.post("/v1/registry/patients", json=NEW_PATIENT, headers=headers)
    assert created.status_code == 201
    patient = created.get_json()
    assert patient["id"] and patient["policy"]["number"] == "5612345678901230"
    assert patient["attachments"] == [{"organization_id": "o-0001", "area": "2"}]
    login = client.post("/v1/auth/oms", json={
        "document_type": "oms_unified", "policy_number": "5612345678901230",
        "identity_document": {"type": "passport", "number": "222333"}})
    assert login.status_code == 200 and login.get_json()["patient"]["id"] == patient["id"]
    fetched = client.get(f"/v1/registry/patients/{patient['id']}", headers=headers)
    assert fetched.get_json()["full_name"] == "Фёдорова Ольга Ильинична"


def test_the_same_policy_twice_is_a_409(seeded, helpers):
    headers = helpers.bearer(staff_token(seeded))
    client = seeded.test_client()
    assert client.post("/v1/registry/patients", json=NEW_PATIENT, headers=headers).status_code == 201
    again = {**NEW_PATIENT, "first_name": "Другая",
             "policy": {"type": "oms_unified", "number": "5612-3456-7890-1230"}}
    response = client.post("/v1/registry/patients", json=again, headers=headers)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "duplicate_patient"


def test_invalid_patient_is_422_with_fields(seeded, helpers):
    body = {**NEW_PATIENT, "policy": {"type": "oms_unified", "number": "5612345678901231"},
            "birth_date": "01.06.1990"}
    response = seeded.test_client().post("/v1/registry/patients", json=body,
                                         headers=helpers.bearer(staff_token(seeded)))
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"policy.number", "birth_date"}


def test_registrar_cannot_attach_into_another_organization_but_admin_can(seeded, helpers):
    body = {**NEW_PATIENT, "attachment": {"organization_id": "o-0002"}}
    client = seeded.test_client()
    assert client.post("/v1/registry/patients", json=body,
                       headers=helpers.bearer(staff_token(seeded))).status_code == 403
    admin = helpers.bearer(staff_token(seeded, "admin", "admin-demo"))
    assert client.post("/v1/registry/patients", json=body, headers=admin).status_code == 201


def test_patients_tokens_cannot_use_the_registry(seeded, helpers):
    headers = helpers.bearer(patient_token(seeded, helpers))
    client = seeded.test_client()
    assert client.get("/v1/registry/patients?last_name=Иванова", headers=headers).status_code == 403
    assert client.post("/v1/registry/patients", json=NEW_PATIENT, headers=headers).status_code == 403


def test_search_needs_a_filter_and_ignores_case(seeded, helpers):
    headers = helpers.bearer(staff_token(seeded))
    client = seeded.test_client()
    assert client.get("/v1/registry/patients", headers=headers).status_code == 422
    found = client.get("/v1/registry/patients?last_name=ИВАНОВА", headers=headers).get_json()
    assert [p["full_name"] for p in found["items"]] == ["Иванова Мария Петровна"]
    by_policy = client.get("/v1/registry/patients?policy_number=5649309309826023&birth_date=1972-11-02",
                           headers=headers).get_json()
    assert [p["last_name"] for p in by_policy["items"]] == ["Петров"]
    assert client.get("/v1/registry/patients?birth_date=xx", headers=headers).status_code == 422


def test_edit_changes_given_fields_and_attaches(seeded, helpers):
    headers = helpers.bearer(staff_token(seeded))
    client = seeded.test_client()
    patient = client.get("/v1/registry/patients?last_name=Петров", headers=headers).get_json()["items"][0]
    edited = client.put(f"/v1/registry/patients/{patient['id']}", headers=headers,
                        json={"phone": "89221112233", "attachment": {"organization_id": "o-0001",
                                                                     "area": "7"}})
    assert edited.status_code == 200
    body = edited.get_json()
    assert body["phone"] == "+79221112233" and body["last_name"] == "Петров"
    assert body["attachments"] == [{"organization_id": "o-0001", "area": "7"}]
    taken = client.put(f"/v1/registry/patients/{patient['id']}", headers=headers,
                       json={"policy": {"type": "oms_unified", "number": "5680784863159153"}})
    assert taken.status_code == 409
    assert client.put("/v1/registry/patients/nope", headers=headers,
                      json={"phone": "89221112233"}).status_code == 404


def test_consent_is_served_and_an_anonymous_session_acceptance_is_stored(seeded):
    client = seeded.test_client()
    consent = client.get("/v1/consent").get_json()
    assert consent["version"] == CONSENT_VERSION and "152-ФЗ" in consent["text"]
    response = client.post("/v1/consents", json={"version": consent["version"],
                                                 "session_id": "sess-1", "channel": "portal"},
                           headers={**vouched_headers("test-internal", "203.0.113.5"),
                                    "User-Agent": "Test/1.0"})
    assert response.status_code == 201
    with seeded.extensions["auth_context"].sessions() as session:
        row = session.execute(select(consents)).one()
    assert row.session_id == "sess-1" and row.patient_id is None and row.action == "accepted"
    assert row.text_sha256 == consent_sha256() == consent["sha256"]
    assert row.ip == "203.0.113.5" and row.user_agent == "Test/1.0" and row.created_at is not None


def test_consent_of_an_old_version_or_without_session_is_refused(seeded):
    client = seeded.test_client()
    old = client.post("/v1/consents", json={"version": "2000-01-01", "session_id": "s"})
    assert old.status_code == 422 and old.get_json()["error"]["code"] == "consent_required"
    nobody = client.post("/v1/consents", json={"version": CONSENT_VERSION})
    assert nobody.status_code == 422 and "session_id" in nobody.get_json()["error"]["fields"]


def test_patient_accepts_then_withdraws_and_internal_view_follows(seeded, helpers):
    client = seeded.test_client()
    headers = helpers.bearer(patient_token(seeded, helpers))
    patient_id = client.get("/v1/me", headers=headers).get_json()["id"]
    internal = {"X-Internal-Token": "test-internal"}

    def accepted():
        view = client.get(f"/internal/patients/{patient_id}", headers=internal).get_json()
        assert view["policy"]["masked"].endswith("9153") and "5680" not in view["policy"]["masked"]
        return view["consent"]

    assert accepted() == {"current_version": CONSENT_VERSION, "accepted_version": None}
    assert client.post("/v1/consents", json={"version": CONSENT_VERSION, "channel": "portal"},
                       headers=headers).status_code == 201
    assert accepted()["accepted_version"] == CONSENT_VERSION
    assert client.post("/v1/consents/withdraw", headers=headers).status_code == 200
    assert accepted()["accepted_version"] is None
    stored = client.post("/internal/consents", headers=internal, json={
        "patient_id": patient_id, "version": CONSENT_VERSION, "channel": "reception",
        "ip": "10.0.0.1", "user_agent": "booking"})
    assert stored.status_code == 201 and accepted()["accepted_version"] == CONSENT_VERSION
    stale = client.post("/internal/consents", headers=internal, json={
        "patient_id": patient_id, "version": "1999", "channel": "portal"})
    assert stale.status_code == 422 and stale.get_json()["error"]["code"] == "consent_required"
    assert client.post("/internal/consents", json={}).status_code == 403
    assert client.get("/internal/patients/unknown", headers=internal).status_code == 404


def test_bad_json_never_gives_500(seeded, helpers):
    client = seeded.test_client()
    for path in ("/v1/auth/oms", "/v1/auth/staff", "/v1/consents", "/v1/esia/callback",
                 "/v1/esia/authorize-url"):
        for payload in (b"not json", b"[1,2]", b'{"a": 1}'):
            response = client.post(path, data=payload, content_type="application/json")
            assert 400 <= response.status_code < 500, (path, payload)
            assert "error" in response.get_json()
