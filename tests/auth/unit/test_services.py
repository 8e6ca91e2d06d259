"""The auth use cases over fakes of their ports (tests/auth/unit/conftest.py): login by OMS
with its lockout, staff login, logout, unlock, consent, the reception's registry and family
links. No database: a change of a rule shows here, the SQL is covered by tests/auth/integration."""
from __future__ import annotations

from datetime import date

import pytest

from auth import consents, links, links_registry, registry, services
from auth.domain.actor import Actor
from auth.domain.consent import CONSENT_VERSION
from auth.domain.errors import (AuthenticationFailed, ConsentRequired, DuplicatePatient,
                                Forbidden, InvalidInput, PatientNotFound, TooManyAttempts)
from auth.domain.links import (LinkDocumentMismatch, LinkNotConfirmed, LinkRequest,
                               LinkTooManyAttempts)
from auth.domain.login import OmsLogin, policy_key
from auth.domain.patients import Attachment, PatientData, Policy

pytestmark = pytest.mark.unit

POLICY = Policy("oms_unified", "", "1234567890123456")
BIRTH = date(1990, 5, 17)
IP = "203.0.113.7"
REGISTRAR = Actor("staff-1", "registrar", "org-1", IP)
ADMIN = Actor("admin-1", "admin", None, IP)


def oms(birth=BIRTH, policy=POLICY, **identity) -> OmsLogin:
    return OmsLogin(policy, birth, identity.get("identity_type"), identity.get("number"))


@pytest.fixture
def anna(ctx) -> str:
    return ctx.records.add_patient(birth_date=BIRTH, phone="+79001234567",
                                   documents=[("passport", "5301123456")],
                                   organization_id="org-1")


# --- login by OMS policy ---------------------------------------------------------------------

def test_oms_login_issues_a_patient_token_with_the_claims_of_the_record(ctx, anna):
    answer = services.login_by_oms(ctx, oms(), IP)
    assert answer["patient"] == {"id": anna, "full_name": "Иванова Анна"}
    assert answer["token_type"] == "Bearer" and answer["expires_in"] == 900
    claims = ctx.issuer.issued[-1]
    assert claims["sub"] == anna and claims["role"] == "patient"
    assert claims["attachments"] == [{"organization_id": "org-1", "area": None}]
    assert claims["contact"] == {"email": None, "phone": "+79001234567", "policy_last4": "3456"}
    assert claims["consent"] is None


def test_oms_login_by_identity_document(ctx, anna):
    assert services.login_by_oms(ctx, oms(None, identity_type="passport", number="123456"),
                                 IP)["patient"]["id"] == anna
    with pytest.raises(AuthenticationFailed):
        services.login_by_oms(ctx, oms(None, identity_type="passport", number="654321"), IP)


def test_unknown_policy_and_wrong_birth_date_fail_alike_and_both_count(ctx, anna):
    for login in (oms(date(1991, 1, 1)), oms(policy=Policy("oms_unified", "", "9" * 16))):
        with pytest.raises(AuthenticationFailed):
            services.login_by_oms(ctx, login, IP)
    assert [s for _, _, s in ctx.records.attempts] == [False] * 6  # 3 limits per attempt
    assert ctx.issuer.issued == []


def test_the_policy_limit_keys_are_keyed_hashes_never_the_policy_number(ctx, anna):
    services.login_by_oms(ctx, oms(), IP)
    keys = {kind: key for kind, key, _ in ctx.records.attempts}
    assert set(keys) == {"policy_address", "policy", "address"}
    assert keys["policy"] == policy_key(ctx.settings.policy_key_secret, POLICY)
    assert keys["policy"] != policy_key("another-secret", POLICY)
    assert not any(POLICY.number in key for key in keys.values())


def test_five_wrong_birth_dates_lock_the_policy_even_for_the_right_one(ctx, anna):
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            services.login_by_oms(ctx, oms(date(1991, 1, 1)), IP)
    with pytest.raises(TooManyAttempts) as locked:
        services.login_by_oms(ctx, oms(), IP)
    assert 0 < locked.value.retry_after <= 15 * 60
    assert ctx.issuer.issued == []
    # From another address the owner still gets in (the lockout is per policy and address).
    assert services.login_by_oms(ctx, oms(), "198.51.100.9")["patient"]["id"] == anna


def test_unlock_by_the_reception_lets_the_owner_in_again(ctx, anna):
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            services.login_by_oms(ctx, oms(date(1991, 1, 1)), IP)
    registry.unlock_login(ctx, REGISTRAR, anna)
    assert services.login_by_oms(ctx, oms(), IP)["patient"]["id"] == anna
    assert ctx.audit.entries[-1] == {"actor": "staff-1", "action": "unlock", "outcome": "ok",
                                     "patient_id": anna, "result_count": None}


def test_a_registrar_cannot_unlock_another_organizations_patient(ctx):
    stranger = ctx.records.add_patient(birth_date=BIRTH, organization_id="org-2")
    with pytest.raises(PatientNotFound):
        registry.unlock_login(ctx, REGISTRAR, stranger)
    assert ctx.audit.entries[-1]["outcome"] == "not_found"


# --- staff login, logout ------------------------------------------------------------------------

def test_staff_login_by_password(ctx, hasher):
    staff_id = ctx.records.add_staff("petrova", hasher.hash("верный пароль"))
    answer = services.login_staff(ctx, "  Petrova ", "верный пароль", IP)
    assert answer["staff"] == {"id": staff_id, "role": "registrar",
                               "full_name": "Петрова Ольга", "organization_id": "org-1"}
    assert ctx.issuer.issued[-1]["ttl"] == 2 * 3600
    assert ctx.issuer.issued[-1]["organization_id"] == "org-1"


@pytest.mark.parametrize("login, password, active", [
    ("petrova", "неверный", True), ("nobody", "верный пароль", True),
    ("petrova", "верный пароль", False)])
def test_staff_login_fails_alike(ctx, hasher, login, password, active):
    ctx.records.add_staff("petrova", hasher.hash("верный пароль"), active=active)
    with pytest.raises(AuthenticationFailed):
        services.login_staff(ctx, login, password, IP)
    assert ctx.issuer.issued == []


def test_logout_revokes_the_token_until_its_expiry(ctx):
    services.logout(ctx, {"jti": "abc", "exp": "1900000000", "sub": "p", "role": "patient"})
    assert ctx.revocations.revoked == {"abc": 1900000000}


# --- consent ----------------------------------------------------------------------------------

def test_consent_accept_then_withdraw(ctx, anna):
    with pytest.raises(ConsentRequired):
        consents.record(ctx, action="accepted", version="2020-01-01", channel="web", ip=IP,
                        user_agent=None, patient_id=anna)
    entry = consents.record(ctx, action="accepted", version=CONSENT_VERSION, channel="web",
                            ip=IP, user_agent="UA", patient_id=anna)
    assert entry["version"] == CONSENT_VERSION and len(entry["sha256"]) == 64
    assert consents.accepted_version(ctx, anna) == CONSENT_VERSION
    services.patient_token_response(ctx, anna, "Иванова Анна")
    assert ctx.issuer.issued[-1]["consent"] == CONSENT_VERSION
    consents.record(ctx, action="withdrawn", version=CONSENT_VERSION, channel="web", ip=None,
                    user_agent=None, patient_id=anna)
    assert consents.accepted_version(ctx, anna) is None


# --- the reception's registry -------------------------------------------------------------------

def new_patient(policy=POLICY, organization="org-1") -> PatientData:
    return PatientData(last_name="Сидоров", first_name="Пётр", birth_date=date(1985, 2, 3),
                       sex="male", policy=policy, identity_documents=[],
                       attachment=Attachment(organization, None) if organization else None)


def test_register_into_own_organization(ctx):
    card = registry.register(ctx, REGISTRAR, new_patient())
    assert card["full_name"] == "Сидоров Пётр"
    assert card["attachments"] == [{"organization_id": "org-1", "area": None}]
    assert ctx.audit.entries == [{"actor": "staff-1", "action": "register", "outcome": "ok",
                                  "patient_id": card["id"], "result_count": None}]


@pytest.mark.parametrize("organization, error, outcome", [
    ("org-2", Forbidden, "forbidden"), (None, InvalidInput, "invalid")])
def test_a_registrar_registers_only_into_their_organization(ctx, organization, error, outcome):
    with pytest.raises(error):
        registry.register(ctx, REGISTRAR, new_patient(organization=organization))
    assert ctx.records.patients == {}
    assert ctx.audit.entries[-1]["outcome"] == outcome


def test_register_a_taken_policy_is_a_duplicate(ctx, anna):
    with pytest.raises(DuplicatePatient):
        registry.register(ctx, REGISTRAR, new_patient())
    assert list(ctx.records.patients) == [anna]
    assert ctx.audit.entries[-1]["outcome"] == "duplicate"


def test_edit_to_a_taken_policy_changes_nothing(ctx, anna):
    other = registry.register(ctx, REGISTRAR, new_patient(Policy("oms_unified", "", "1" * 16)))
    change = PatientData(phone="+79990000000", policy=POLICY, present={"phone", "policy"})
    with pytest.raises(DuplicatePatient):
        registry.edit(ctx, REGISTRAR, other["id"], change)
    assert registry.read(ctx, REGISTRAR, other["id"])["phone"] is None
    edited = registry.edit(ctx, REGISTRAR, other["id"], PatientData(phone="+79990000000",
                                                                     present={"phone"}))
    assert edited["phone"] == "+79990000000"


def test_someone_elses_patient_is_not_found_for_a_registrar_but_not_for_an_admin(ctx):
    stranger = ctx.records.add_patient(birth_date=BIRTH, organization_id="org-2")
    with pytest.raises(PatientNotFound):
        registry.read(ctx, REGISTRAR, stranger)
    assert registry.read(ctx, ADMIN, stranger)["id"] == stranger
    assert [e["outcome"] for e in ctx.audit.entries] == ["not_found", "ok"]


def test_find_answers_masked_summaries_of_own_patients_only(ctx, anna):
    ctx.records.add_patient(policy=("oms_unified", "", "2" * 16), organization_id="org-2")
    found = registry.find(ctx, REGISTRAR, {"last_name": "иванова"})
    assert [p["id"] for p in found] == [anna]
    assert found[0]["policy"] == {"type": "oms_unified", "masked": "************3456"}
    assert found[0]["identity_documents"] == [{"type": "passport"}]
    assert ctx.audit.entries[-1]["result_count"] == 1
    with pytest.raises(InvalidInput):
        registry.find(ctx, REGISTRAR, {})


def test_lookup_by_exact_policy_names_a_newcomer_only(ctx):
    newcomer = ctx.records.add_patient(birth_date=BIRTH, organization_id="org-2")
    assert registry.lookup(ctx, REGISTRAR, POLICY) == {"id": newcomer,
                                                       "full_name": "Иванова Анна"}
    with pytest.raises(PatientNotFound):
        registry.lookup(ctx, REGISTRAR, Policy("oms_unified", "", "9" * 16))


def test_attach_a_newcomer_to_own_organization_makes_them_visible(ctx):
    newcomer = ctx.records.add_patient(birth_date=BIRTH, organization_id="org-2")
    card = registry.attach(ctx, REGISTRAR, newcomer, {"area": "3"})
    assert {"organization_id": "org-1", "area": "3"} in card["attachments"]
    assert registry.read(ctx, REGISTRAR, newcomer)["id"] == newcomer
    with pytest.raises(Forbidden):
        registry.attach(ctx, REGISTRAR, newcomer, {"organization_id": "org-9"})


def test_me_is_the_patients_own_short_card(ctx, anna):
    assert registry.me(ctx, anna) == {"id": anna, "full_name": "Иванова Анна",
                                      "birth_date": "1990-05-17",
                                      "attachments": [{"organization_id": "org-1",
                                                       "area": None}]}
    with pytest.raises(PatientNotFound):
        registry.me(ctx, "missing")


# --- family links -----------------------------------------------------------------------------

@pytest.fixture
def child(ctx) -> str:
    return ctx.records.add_patient(policy=("oms_unified", "", "7" * 16), first_name="Маша",
                                   birth_date=date(2018, 4, 1),
                                   documents=[("birth_certificate", "IIАБ123456")],
                                   organization_id="org-1")


def child_request(certificate="IIАБ123456") -> LinkRequest:
    return LinkRequest("child", Policy("oms_unified", "", "7" * 16), certificate)


def test_a_parent_links_a_child_and_acts_for_them(ctx, anna, child):
    link = links.create(ctx, anna, child_request())
    assert link["status"] == "confirmed" and link["subject"]["id"] == child
    answer = links.act_as(ctx, {"sub": anna, "name": "Иванова Анна"}, child)
    assert answer["act"] == {"sub": anna, "name": "Иванова Анна", "link_id": link["id"]}
    assert ctx.issuer.issued[-1]["ttl"] == 300 and ctx.issuer.issued[-1]["sub"] == child
    links.end(ctx, anna, link["id"])
    with pytest.raises(LinkNotConfirmed):
        links.act_as(ctx, {"sub": anna}, child)


def test_wrong_certificates_count_against_the_holders_limit(ctx, anna, child):
    for _ in range(10):
        with pytest.raises(LinkDocumentMismatch):
            links.create(ctx, anna, child_request("IIАБ000000"))
    with pytest.raises(LinkTooManyAttempts):
        links.create(ctx, anna, child_request())
    assert ctx.records.links == {}


def test_the_reception_sees_and_ends_links_of_its_patient(ctx, anna, child):
    link = links_registry.create(ctx, REGISTRAR, anna, child_request())
    assert [item["id"] for item in links_registry.for_patient(ctx, REGISTRAR, child)] == \
        [link["id"]]
    assert links_registry.end(ctx, REGISTRAR, link["id"])["status"] == "ended"
    assert [e["action"] for e in ctx.audit.entries] == ["link", "links", "unlink"]
