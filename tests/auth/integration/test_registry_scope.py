"""Issue 16 item 1: a registrar reads and edits only the patients of their own organization.

Search, card and edit are scoped to the registrar's organization (someone else's patient is a
404); search results carry no policy or document numbers; a newcomer registered elsewhere is
found by the exact policy only (id and name) and attached; every registry read and write is
audited without personal data in the logs.
"""
from __future__ import annotations

import logging

import pytest
from sqlalchemy import create_engine, select

from auth import seed
from auth.adapters.tables import registry_audit

pytestmark = pytest.mark.integration

IVANOVA_POLICY = "5680784863159153"
PETROV_POLICY = "5649309309826023"


def staff_token(app, login="registrar", password="registrar-demo") -> str:
    answer = app.test_client().post("/v1/auth/staff", json={"login": login, "password": password})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()["access_token"]


@pytest.fixture
def other_registrar(seeded, helpers):
    """A registrar of o-0002: every demo patient is attached to o-0001."""
    seed.create_staff(seeded.extensions["auth_context"], login="reg2", password="reg2-password",
                      role="registrar", organization_id="o-0002", full_name="Другая Регистратор")
    return helpers.bearer(staff_token(seeded, "reg2", "reg2-password"))


def ivanova_id(app, helpers) -> str:
    admin = helpers.bearer(staff_token(app, "admin", "admin-demo"))
    found = app.test_client().get("/v1/registry/patients?last_name=Иванова", headers=admin)
    return found.get_json()["items"][0]["id"]


def test_a_registrar_of_another_organization_finds_none_of_our_patients(seeded, other_registrar):
    client = seeded.test_client()
    by_name = client.get("/v1/registry/patients?last_name=Иванова", headers=other_registrar)
    assert by_name.status_code == 200 and by_name.get_json()["items"] == []
    by_policy = client.get(f"/v1/registry/patients?policy_number={IVANOVA_POLICY}",
                           headers=other_registrar)
    assert by_policy.get_json()["items"] == []


def test_someone_elses_patient_is_a_404_for_card_and_edit(seeded, helpers, other_registrar):
    client = seeded.test_client()
    patient_id = ivanova_id(seeded, helpers)
    card = client.get(f"/v1/registry/patients/{patient_id}", headers=other_registrar)
    assert card.status_code == 404 and card.get_json()["error"]["code"] == "not_found"
    edit = client.put(f"/v1/registry/patients/{patient_id}", headers=other_registrar,
                      json={"phone": "89225556677"})
    assert edit.status_code == 404
    own = client.get(f"/v1/registry/patients/{patient_id}",
                     headers=helpers.bearer(staff_token(seeded)))
    assert own.status_code == 200 and own.get_json()["phone"] == "+79220000001"


def test_the_region_admin_keeps_region_wide_access(seeded, helpers):
    admin = helpers.bearer(staff_token(seeded, "admin", "admin-demo"))
    client = seeded.test_client()
    found = client.get("/v1/registry/patients?last_name=Петров", headers=admin).get_json()["items"]
    assert [p["last_name"] for p in found] == ["Петров"]
    assert client.get(f"/v1/registry/patients/{found[0]['id']}", headers=admin).status_code == 200


def test_search_results_carry_no_policy_or_document_numbers(seeded, helpers):
    headers = helpers.bearer(staff_token(seeded))
    answer = seeded.test_client().get(f"/v1/registry/patients?policy_number={IVANOVA_POLICY}",
                                      headers=headers)
    [item] = answer.get_json()["items"]
    assert item["full_name"] == "Иванова Мария Петровна"
    assert item["policy"] == {"type": "oms_unified", "masked": "************9153"}
    assert all(set(doc) == {"type"} for doc in item["identity_documents"])
    text = answer.get_data(as_text=True)
    assert IVANOVA_POLICY not in text and "5309123456" not in text and "11223344595" not in text


def test_a_registrar_registers_only_with_an_attachment_to_their_organization(seeded, helpers):
    body = {"last_name": "Новикова", "first_name": "Вера", "birth_date": "1991-02-03", "sex": "F",
            "policy": {"type": "oms_unified", "number": "5612345678901230"},
            "identity_documents": []}
    answer = seeded.test_client().post("/v1/registry/patients", json=body,
                                       headers=helpers.bearer(staff_token(seeded)))
    assert answer.status_code == 422
    assert "attachment.organization_id" in answer.get_json()["error"]["fields"]


def test_a_newcomer_is_found_by_exact_policy_only_and_attached(seeded, helpers, other_registrar):
    client = seeded.test_client()
    lookup = client.post("/v1/registry/patients/lookup", headers=other_registrar,
                         json={"policy": {"type": "oms_unified", "number": PETROV_POLICY}})
    assert lookup.status_code == 200
    found = lookup.get_json()
    assert set(found) == {"id", "full_name"} and found["full_name"] == "Петров Сергей Николаевич"
    missing = client.post("/v1/registry/patients/lookup", headers=other_registrar,
                          json={"policy": {"type": "oms_unified", "number": "5612345678901230"}})
    assert missing.status_code == 404
    attached = client.post(f"/v1/registry/patients/{found['id']}/attachment",
                           headers=other_registrar, json={"area": "3"})
    assert attached.status_code == 200
    assert {"organization_id": "o-0002", "area": "3"} in attached.get_json()["attachments"]
    card = client.get(f"/v1/registry/patients/{found['id']}", headers=other_registrar)
    assert card.status_code == 200


def test_a_registrar_cannot_attach_into_another_organization(seeded, helpers, other_registrar):
    patient_id = ivanova_id(seeded, helpers)
    answer = seeded.test_client().post(f"/v1/registry/patients/{patient_id}/attachment",
                                       headers=other_registrar,
                                       json={"organization_id": "o-0001", "area": "1"})
    assert answer.status_code == 403


def test_every_registry_read_and_write_is_audited_without_personal_data_in_logs(
        seeded, seeded_url, helpers, other_registrar, caplog):
    caplog.set_level(logging.INFO)
    client = seeded.test_client()
    headers = helpers.bearer(staff_token(seeded))
    patient_id = client.get("/v1/registry/patients?last_name=Иванова",
                            headers=headers).get_json()["items"][0]["id"]
    client.get(f"/v1/registry/patients/{patient_id}", headers=headers)
    client.put(f"/v1/registry/patients/{patient_id}", headers=headers, json={"phone": "89221112233"})
    client.get(f"/v1/registry/patients/{patient_id}", headers=other_registrar)  # refused: 404
    client.post("/v1/registry/patients/lookup", headers=other_registrar,
                json={"policy": {"type": "oms_unified", "number": IVANOVA_POLICY}})
    engine = create_engine(seeded_url)
    with engine.connect() as conn:
        rows = conn.execute(select(registry_audit).order_by(registry_audit.c.id)).all()
    engine.dispose()
    assert [(r.action, r.outcome) for r in rows] == [
        ("search", "ok"), ("read", "ok"), ("edit", "ok"), ("read", "not_found"),
        ("lookup", "ok")]
    assert all(r.actor_id and r.created_at for r in rows)
    assert rows[1].patient_id == patient_id and rows[0].result_count == 1
    assert {r.actor_organization_id for r in rows} == {"o-0001", "o-0002"}
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "registry_audit" in logged
    for secret in (IVANOVA_POLICY, "Иванова", "1985-03-14", "5309123456"):
        assert secret not in logged
