"""Finding, registering and editing patients."""
from __future__ import annotations

import re

import pytest

from staff_fakes import ORG, VALID_POLICY

pytestmark = pytest.mark.integration

NEW_POLICY = "1234567890123452"


def text(response) -> str:
    return response.get_data(as_text=True)


def new_patient(**changes) -> dict:
    form = {"last_name": "Васильева", "first_name": "Ольга", "middle_name": "Сергеевна",
            "birth_date": "1990-03-04", "sex": "F", "phone": "+79001112233", "email": "",
            "policy_type": "oms_unified", "policy_number": NEW_POLICY,
            "doc1_type": "snils", "doc1_number": "112-233-445 95", "area": "2"}
    form.update(changes)
    return form


def test_search_by_policy_finds_the_patient_and_links_the_card(registrar, backend):
    page = text(registrar.get(f"/staff?policy_number={VALID_POLICY}"))
    assert 'id="patient-link-p-1"' in page and "Смирнов Олег Ильич" in page
    call = backend.calls[-1]
    assert call["path"] == "/v1/registry/patients"
    assert call["args"] == {"policy_number": VALID_POLICY}
    assert call["headers"]["Authorization"] == "Bearer " + backend.tokens["registrar"]


def test_search_by_name_and_birth_date(registrar):
    page = text(registrar.get("/staff?last_name=Смирнов&birth_date=1980-05-17"))
    assert "Смирнов Олег Ильич" in page


def test_search_without_a_match_offers_registration(registrar):
    page = text(registrar.get("/staff?last_name=Нетакого"))
    assert 'id="search-empty"' in page and 'id="search-register-link"' in page


def test_registration_shows_the_registry_field_error_next_to_the_policy(registrar, backend):
    response = registrar.post("/staff/patients/new", new_patient(policy_number="5680784863159154"))
    assert response.status_code == 422
    page = text(response)
    error = re.search(r'id="error-policy_number">([^<]+)<', page)
    assert error and "контрольная цифра" in error.group(1)
    assert 'value="Васильева"' in page  # what was typed is kept
    assert len(backend.patients) == 2


def test_registration_checks_required_fields_before_calling_the_registry(registrar, backend):
    response = registrar.post("/staff/patients/new", new_patient(last_name="", sex=""))
    assert response.status_code == 422
    page = text(response)
    assert 'id="error-last_name"' in page and 'id="error-sex"' in page
    assert not any(c["method"] == "POST" and c["path"] == "/v1/registry/patients"
                   for c in backend.calls)


def test_registrar_registers_a_patient_attached_to_their_own_organization(registrar, backend):
    response = registrar.post("/staff/patients/new",
                              new_patient(organization_id="o-0002"))  # forged: ignored
    assert response.status_code == 302
    created = backend.calls[-1]
    assert created["json"]["attachment"] == {"organization_id": ORG, "area": "2"}
    assert created["json"]["identity_documents"] == [{"type": "snils", "number": "112-233-445 95"}]
    assert created["json"]["policy"] == {"type": "oms_unified", "number": NEW_POLICY}
    assert created["headers"].get("Idempotency-Key")
    card = text(registrar.get(response.headers["Location"]))
    assert "Пациент зарегистрирован" in card and "Васильева Ольга Сергеевна" in card


def test_registering_the_same_policy_twice_says_so(registrar):
    response = registrar.post("/staff/patients/new", new_patient(policy_number=VALID_POLICY))
    assert response.status_code == 409
    assert "уже зарегистрирован" in text(response)


def test_patient_card_shows_data_attachment_and_keyboard_actions(registrar):
    page = text(registrar.get("/staff/patients/p-1"))
    assert 'id="patient-name">Смирнов Олег Ильич' in page
    assert 'accesskey="z"' in page and 'id="book-button"' in page
    assert "ГП № 1, участок 1" in page
    assert 'id="appointments-active-empty"' in page


def test_editing_a_patient_changes_phone_and_area(registrar, backend):
    form = text(registrar.get("/staff/patients/p-1/edit"))
    assert 'value="+79000000001"' in form
    response = registrar.post("/staff/patients/p-1/edit", new_patient(
        last_name="Смирнов", first_name="Олег", middle_name="Ильич", birth_date="1980-05-17",
        sex="M", phone="+79005554433", policy_number="", doc1_type="", doc1_number="",
        area="7"))
    assert response.status_code == 302
    put = backend.calls[-1]
    assert put["method"] == "PUT" and "policy" not in put["json"]  # empty number: unchanged
    assert backend.patients["p-1"]["phone"] == "+79005554433"
    assert backend.patients["p-1"]["attachments"] == [{"organization_id": ORG, "area": "7"}]


def test_unknown_patient_is_a_russian_404_page(registrar):
    response = registrar.get("/staff/patients/nobody")
    assert response.status_code == 404
    assert "Пациент не найден" in text(response)


def test_a_newcomer_from_another_organization_is_looked_up_by_policy_and_attached(registrar,
                                                                                 backend):
    from staff_fakes import OTHER_POLICY

    page = text(registrar.get(f"/staff?policy_number={OTHER_POLICY}"))
    assert 'id="search-empty"' in page and 'id="lookup-form"' in page
    found = registrar.post("/staff/patients/lookup",
                           {"policy_type": "oms_unified", "policy_number": OTHER_POLICY})
    assert found.status_code == 200 and "Чужой Яков" in text(found)
    assert backend.calls[-1]["json"] == {"policy": {"type": "oms_unified", "number": OTHER_POLICY}}
    attached = registrar.post("/staff/patients/p-foreign/attach", {"area": "4"})
    assert attached.status_code == 302 and attached.headers["Location"].endswith("/p-foreign")
    assert {"organization_id": ORG, "area": "4"} in backend.patients["p-foreign"]["attachments"]
    assert registrar.get("/staff/patients/p-foreign").status_code == 200


def test_an_unknown_policy_lookup_offers_registration(registrar):
    missing = registrar.post("/staff/patients/lookup",
                             {"policy_type": "oms_unified", "policy_number": NEW_POLICY})
    assert missing.status_code == 404 and 'id="lookup-register-link"' in text(missing)


def test_reception_lifts_a_login_lockout_from_the_card(registrar, backend):
    card = text(registrar.get("/staff/patients/p-1"))
    assert 'id="unlock-login"' in card
    response = registrar.post("/staff/patients/p-1/unlock-login")
    assert response.status_code == 302 and backend.unlocked == ["p-1"]
    assert "Блокировка входа по полису снята" in text(registrar.get("/staff/patients/p-1"))
