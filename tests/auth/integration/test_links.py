"""Issue 12 part 1: family and proxy links in the auth service, through its HTTP routes.

A parent links a registered child by policy + birth certificate (confirmed at once) and gets a
short token of the child with an ``act`` claim; an adult's link waits for the adult (or their
registrar) and until then gives no token; a child's link ends at 18; the reception lists,
links, unlinks and confirms within its organization, audited.
"""
from __future__ import annotations

from datetime import date

import pytest
from jose import jwt
from sqlalchemy import create_engine, select

from auth import seed
from auth.services import today as auth_today
from auth.adapters.tables import registry_audit

pytestmark = pytest.mark.integration

PARENT = {"document_type": "oms_unified", "policy_number": "5680784863159153",
          "birth_date": "1985-03-14"}  # Иванова, a demo patient of o-0001
CERTIFICATE = "IV-АИ 123456"


def staff_token(app, login="registrar", password="registrar-demo") -> str:
    answer = app.test_client().post("/v1/auth/staff", json={"login": login, "password": password})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()["access_token"]


def patient_token(app, body) -> str:
    answer = app.test_client().post("/v1/auth/oms", json=body)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()["access_token"]


def years_ago(years: int, days: int = 0) -> str:
    """A birth date ``years`` (+ ``days``) before auth's today (the latest date in Russia)."""
    today = auth_today()
    born = today.replace(year=today.year - years) if not (today.month == 2 and today.day == 29) \
        else date(today.year - years, 2, 28)
    return date.fromordinal(born.toordinal() + days).isoformat()


def register(app, helpers, *, birth: str, certificate: str | None = None,
             organization="o-0001", last_name="Иванов", first_name="Пётр") -> dict:
    registrar = helpers.bearer(staff_token(app))
    policy = helpers.unknown_policy()
    documents = [{"type": "birth_certificate", "number": certificate}] if certificate else []
    created = app.test_client().post("/v1/registry/patients", headers=registrar, json={
        "last_name": last_name, "first_name": first_name, "birth_date": birth, "sex": "M",
        "policy": {"type": "oms_unified", "number": policy}, "identity_documents": documents,
        "attachment": {"organization_id": organization}})
    assert created.status_code == 201, created.get_data(as_text=True)
    return {**created.get_json(), "policy_number": policy, "birth": birth}


def child_body(child, certificate=CERTIFICATE) -> dict:
    return {"kind": "child", "policy": {"type": "oms_unified", "number": child["policy_number"]},
            "birth_certificate": certificate}


def adult_body(adult) -> dict:
    return {"kind": "adult", "policy": {"type": "oms_unified", "number": adult["policy_number"]},
            "birth_date": adult["birth"]}


def claims_of(token: str) -> dict:
    return jwt.get_unverified_claims(token)


def test_a_parent_links_a_child_and_acts_for_them(seeded, helpers):
    client = seeded.test_client()
    child = register(seeded, helpers, birth=years_ago(7), certificate=CERTIFICATE)
    parent = patient_token(seeded, PARENT)
    # The certificate typed the way people type it (Latin look-alikes, no hyphen) still matches.
    linked = client.post("/v1/me/links", headers=helpers.bearer(parent),
                         json=child_body(child, "iv-аи № 123456"))
    assert linked.status_code == 201, linked.get_data(as_text=True)
    link = linked.get_json()
    assert link["status"] == "confirmed" and link["kind"] == "child"
    assert link["subject"] == {"id": child["id"], "full_name": "Иванов Пётр"}
    listed = client.get("/v1/me/links", headers=helpers.bearer(parent)).get_json()["items"]
    assert [item["id"] for item in listed] == [link["id"]]
    assert "birth_certificate" not in str(listed) and child["policy_number"] not in str(listed)

    acting = client.post("/v1/auth/act-as", headers=helpers.bearer(parent),
                         json={"patient_id": child["id"]})
    assert acting.status_code == 200, acting.get_data(as_text=True)
    answer = acting.get_json()
    claims = claims_of(answer["access_token"])
    parent_id = claims_of(parent)["sub"]
    assert claims["sub"] == child["id"] and claims["name"] == "Иванов Пётр"
    assert claims["act"]["sub"] == parent_id and claims["act"]["link_id"] == link["id"]
    assert claims["attachments"] == [{"organization_id": "o-0001", "area": None}]
    assert answer["expires_in"] == 300 and claims["exp"] - claims["iat"] == 300
    me = client.get("/v1/me", headers=helpers.bearer(answer["access_token"])).get_json()
    assert me["id"] == child["id"]
    # An acting token manages nobody's links and cannot chain to someone else.
    for call in (lambda h: client.get("/v1/me/links", headers=h),
                 lambda h: client.post("/v1/auth/act-as", headers=h, json={"patient_id": parent_id})):
        refused = call(helpers.bearer(answer["access_token"]))
        assert refused.status_code == 403
        assert refused.get_json()["error"]["code"] == "link_own_login_required"


def test_a_consent_given_while_acting_keeps_the_token_an_acting_one(seeded, helpers):
    client = seeded.test_client()
    child = register(seeded, helpers, birth=years_ago(5), certificate=CERTIFICATE)
    parent = patient_token(seeded, PARENT)
    assert client.post("/v1/me/links", headers=helpers.bearer(parent),
                       json=child_body(child)).status_code == 201
    acting = client.post("/v1/auth/act-as", headers=helpers.bearer(parent),
                         json={"patient_id": child["id"]}).get_json()["access_token"]
    version = client.get("/v1/consent").get_json()["version"]
    answer = client.post("/v1/consents", headers=helpers.bearer(acting),
                         json={"version": version})
    assert answer.status_code == 201, answer.get_data(as_text=True)
    fresh = claims_of(answer.get_json()["access_token"])
    assert fresh["sub"] == child["id"] and fresh["consent"] == version
    assert fresh["act"]["sub"] == claims_of(parent)["sub"] and fresh["exp"] - fresh["iat"] == 300


@pytest.mark.parametrize("body_of, code, status", [
    (lambda child: child_body(child, "IV-АИ 654321"), "link_document_mismatch", 422),
    (lambda child: {**child_body(child), "policy": {"type": "oms_unified",
                                                     "number": "5000000000000009"}},
     "link_subject_not_found", 404),
])
def test_a_child_link_needs_the_childs_own_documents(seeded, helpers, body_of, code, status):
    client = seeded.test_client()
    child = register(seeded, helpers, birth=years_ago(10), certificate=CERTIFICATE)
    parent = patient_token(seeded, PARENT)
    answer = client.post("/v1/me/links", headers=helpers.bearer(parent), json=body_of(child))
    assert answer.status_code == status, answer.get_data(as_text=True)
    assert answer.get_json()["error"]["code"] == code
    assert answer.get_json()["error"]["message"]
    assert client.get("/v1/me/links", headers=helpers.bearer(parent)).get_json()["items"] == []


def test_input_errors_and_self_and_duplicates(seeded, helpers):
    client = seeded.test_client()
    parent = patient_token(seeded, PARENT)
    headers = helpers.bearer(parent)
    bad = client.post("/v1/me/links", headers=headers, json={"kind": "child", "policy": {
        "type": "oms_unified", "number": "123"}, "birth_certificate": "12"})
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) == {"policy.number", "birth_certificate"}
    assert client.post("/v1/me/links", headers=headers, json={"kind": "cousin"}).status_code == 422
    me = client.post("/v1/me/links", headers=headers, json={
        "kind": "adult", "policy": {"type": "oms_unified", "number": PARENT["policy_number"]},
        "birth_date": PARENT["birth_date"]})
    assert me.get_json()["error"]["code"] == "link_self"
    child = register(seeded, helpers, birth=years_ago(3), certificate=CERTIFICATE)
    assert client.post("/v1/me/links", headers=headers, json=child_body(child)).status_code == 201
    again = client.post("/v1/me/links", headers=headers, json=child_body(child))
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "link_exists"


def test_a_child_link_stops_at_eighteen(seeded, helpers):
    client = seeded.test_client()
    parent = patient_token(seeded, PARENT)
    headers = helpers.bearer(parent)
    turning = register(seeded, helpers, birth=years_ago(18, days=1), certificate=CERTIFICATE)
    assert client.post("/v1/me/links", headers=headers,
                       json=child_body(turning)).status_code == 201  # 18 tomorrow: still a child
    adult = register(seeded, helpers, birth=years_ago(18), certificate=CERTIFICATE,
                     first_name="Олег")
    refused = client.post("/v1/me/links", headers=headers, json=child_body(adult))
    assert refused.get_json()["error"]["code"] == "link_subject_adult"
    # The link made yesterday is read today, the 18th birthday: ended, and no token.
    engine = create_engine(seeded.extensions["auth_context"].settings.database_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE patients SET birth_date = %s WHERE id = %s",
                             (years_ago(18), turning["id"]))
    engine.dispose()
    item = client.get("/v1/me/links", headers=headers).get_json()["items"][0]
    assert (item["status"], item["end_reason"]) == ("ended", "subject_adult")
    acting = client.post("/v1/auth/act-as", headers=headers, json={"patient_id": turning["id"]})
    assert acting.status_code == 403 and acting.get_json()["error"]["code"] == "link_not_confirmed"


def test_an_adult_link_does_nothing_until_the_adult_accepts(seeded, helpers):
    client = seeded.test_client()
    adult = register(seeded, helpers, birth="1960-01-20", last_name="Иванова", first_name="Мария")
    parent = patient_token(seeded, PARENT)
    link = client.post("/v1/me/links", headers=helpers.bearer(parent), json=adult_body(adult))
    assert link.status_code == 201 and link.get_json()["status"] == "pending"
    link_id = link.get_json()["id"]
    early = client.post("/v1/auth/act-as", headers=helpers.bearer(parent),
                        json={"patient_id": adult["id"]})
    assert early.status_code == 403 and early.get_json()["error"]["code"] == "link_not_confirmed"

    own = patient_token(seeded, {"document_type": "oms_unified",
                                 "policy_number": adult["policy_number"], "birth_date": adult["birth"]})
    incoming = client.get("/v1/me/links", headers=helpers.bearer(own)).get_json()["items"]
    assert [(i["id"], i["direction"], i["status"]) for i in incoming] == [
        (link_id, "incoming", "pending")]
    # Only the subject accepts: the holder's own accept is "not found".
    assert client.post(f"/v1/me/links/{link_id}/accept",
                       headers=helpers.bearer(parent)).status_code == 404
    accepted = client.post(f"/v1/me/links/{link_id}/accept", headers=helpers.bearer(own))
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "confirmed"
    assert client.post("/v1/auth/act-as", headers=helpers.bearer(parent),
                       json={"patient_id": adult["id"]}).status_code == 200
    # The subject ends it; from then on nothing again.
    ended = client.delete(f"/v1/me/links/{link_id}", headers=helpers.bearer(own))
    assert ended.get_json()["status"] == "ended" and ended.get_json()["end_reason"] == "subject"
    assert client.post("/v1/auth/act-as", headers=helpers.bearer(parent),
                       json={"patient_id": adult["id"]}).status_code == 403


def test_the_reception_lists_links_unlinks_and_confirms_in_its_organization(seeded, helpers):
    client = seeded.test_client()
    ctx = seeded.extensions["auth_context"]
    seed.create_staff(ctx, login="reg2", password="reg2-password", role="registrar",
                      organization_id="o-0002", full_name="Другая Регистратор")
    ours = helpers.bearer(staff_token(seeded))
    theirs = helpers.bearer(staff_token(seeded, "reg2", "reg2-password"))
    adult = register(seeded, helpers, birth="1958-06-02", first_name="Семён")
    parent = patient_token(seeded, PARENT)
    link_id = client.post("/v1/me/links", headers=helpers.bearer(parent),
                          json=adult_body(adult)).get_json()["id"]
    assert client.post(f"/v1/registry/links/{link_id}/confirm", headers=theirs).status_code == 404
    confirmed = client.post(f"/v1/registry/links/{link_id}/confirm", headers=ours)
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "confirmed"
    again = client.post(f"/v1/registry/links/{link_id}/confirm", headers=ours)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "link_not_pending"
    listed = client.get(f"/v1/registry/patients/{adult['id']}/links", headers=ours)
    assert [i["id"] for i in listed.get_json()["items"]] == [link_id]
    assert client.get(f"/v1/registry/patients/{adult['id']}/links", headers=theirs).status_code == 404
    assert client.delete(f"/v1/registry/links/{link_id}", headers=theirs).status_code == 404
    ended = client.delete(f"/v1/registry/links/{link_id}", headers=ours)
    assert ended.get_json()["end_reason"] == "registry"

    # The reception links a child to its patient: confirmed at once.
    child = register(seeded, helpers, birth=years_ago(2), certificate=CERTIFICATE)
    holder_id = claims_of(parent)["sub"]
    made = client.post(f"/v1/registry/patients/{holder_id}/links", headers=ours,
                       json=child_body(child))
    assert made.status_code == 201 and made.get_json()["status"] == "confirmed"
    assert client.post(f"/v1/registry/patients/{holder_id}/links", headers=theirs,
                       json=child_body(child)).status_code == 404
    engine = create_engine(ctx.settings.database_url)
    with engine.connect() as conn:
        actions = [(r.action, r.outcome) for r in conn.execute(
            select(registry_audit.c.action, registry_audit.c.outcome)
            .where(registry_audit.c.action.in_(("link", "unlink", "link_confirm", "links"))))]
    engine.dispose()
    assert ("link_confirm", "ok") in actions and ("unlink", "ok") in actions
    assert ("link", "ok") in actions and ("link_confirm", "refused") in actions
    assert ("link", "not_found") in actions


def test_guessing_a_childs_certificate_is_limited_per_holder(seeded, helpers):
    client = seeded.test_client()
    child = register(seeded, helpers, birth=years_ago(9), certificate=CERTIFICATE)
    headers = helpers.bearer(patient_token(seeded, PARENT))
    for guess in range(10):
        wrong = client.post("/v1/me/links", headers=headers,
                            json=child_body(child, f"IV-АИ {100000 + guess}"))
        assert wrong.get_json()["error"]["code"] == "link_document_mismatch"
    # The eleventh try is refused even with the right certificate.
    locked = client.post("/v1/me/links", headers=headers, json=child_body(child))
    assert locked.status_code == 429
    assert locked.get_json()["error"]["code"] == "link_too_many_attempts"
