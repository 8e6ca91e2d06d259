from datetime import date

import pytest

from auth.domain.consent import CONSENT_TEXT, CONSENT_VERSION, consent_sha256, current_consent
from auth.domain.errors import InvalidInput
from auth.domain.login import AUTH_FAILED_MESSAGE, parse_oms_login, policy_lockout_seconds
from auth.domain.patients import parse_patient

pytestmark = pytest.mark.unit
TODAY = date(2026, 11, 29)


def fields_of(body, parser=parse_oms_login):
    with pytest.raises(InvalidInput) as caught:
        parser(body, TODAY)
    return caught.value.fields


def test_unified_policy_login_is_normalised():
    login = parse_oms_login({"document_type": "oms_unified", "policy_number": "5680 7848 6315 9153",
                             "birth_date": "1985-03-14"}, TODAY)
    assert login.policy.number == "5680784863159153"
    assert login.birth_date == date(1985, 3, 14)
    assert login.masked_policy.endswith("9153") and "5680" not in login.masked_policy


def test_wrong_check_digit_names_the_policy_number_field():
    assert "policy_number" in fields_of({"document_type": "oms_unified",
                                         "policy_number": "5680784863159154",
                                         "birth_date": "1985-03-14"})


def test_old_policy_needs_a_series():
    assert "policy_series" in fields_of({"document_type": "oms_old", "policy_number": "123",
                                         "birth_date": "1985-03-14"})


def test_birth_date_or_identity_document_is_required():
    assert "birth_date" in fields_of({"document_type": "temporary_certificate",
                                      "policy_number": "560123456"})


def test_identity_document_alone_is_enough_and_is_validated():
    login = parse_oms_login({"document_type": "temporary_certificate", "policy_number": "560123456",
                             "identity_document": {"type": "snils", "number": "112-233-445 95"}},
                            TODAY)
    assert login.identity_number == "11223344595" and login.birth_date is None
    assert "identity_document.number" in fields_of({
        "document_type": "temporary_certificate", "policy_number": "560123456",
        "identity_document": {"type": "snils", "number": "112-233-445 96"}})


@pytest.mark.parametrize("birth", ["14.03.1985", "2030-01-01", "1850-01-01", "1985-02-30", 19850314])
def test_bad_birth_dates_are_validation_errors(birth):
    assert "birth_date" in fields_of({"document_type": "oms_unified",
                                      "policy_number": "5680784863159153", "birth_date": birth})


def test_unknown_document_type_and_non_object_body_are_refused():
    assert "document_type" in fields_of({"document_type": "passport", "policy_number": "1"})
    assert "_schema" in fields_of(["not", "an", "object"])


def test_failure_message_names_both_reasons():
    assert "некорректно" in AUTH_FAILED_MESSAGE and "регистратур" in AUTH_FAILED_MESSAGE


def test_lockout_doubles_and_is_capped():
    assert [policy_lockout_seconds(n, 900, 3600) for n in range(4)] == [900, 1800, 3600, 3600]


VALID_PATIENT = {
    "last_name": "Иванова", "first_name": "Мария", "middle_name": "Петровна",
    "birth_date": "1985-03-14", "sex": "F", "phone": "8 (922) 000-00-01", "email": "A@Example.org",
    "policy": {"type": "oms_unified", "number": "5680784863159153"},
    "identity_documents": [{"type": "snils", "number": "112-233-445 95"}],
    "attachment": {"organization_id": "o-0001", "area": 1},
}


def test_a_valid_patient_body_is_normalised():
    data = parse_patient(VALID_PATIENT, TODAY)
    assert data.phone == "+79220000001" and data.email == "a@example.org"
    assert data.snils == "11223344595" and data.attachment.area == "1"
    assert data.policy.series == ""


def test_patient_body_errors_are_reported_per_field():
    body = {**VALID_PATIENT, "sex": "X", "policy": {"type": "oms_unified", "number": "123"},
            "identity_documents": [{"type": "passport", "number": "12"}], "last_name": ""}
    fields = fields_of(body, parse_patient)
    assert set(fields) == {"sex", "policy.number", "identity_documents.0.number", "last_name"}
    assert all(isinstance(message, str) and message for message in fields.values())


def test_partial_patient_body_checks_only_given_fields():
    data = parse_patient({"phone": "+7 922 111 22 33"}, TODAY, partial=True)
    assert data.phone == "+79221112233" and data.present == {"phone"}


def test_consent_text_is_specific_and_hashed():
    consent = current_consent()
    assert consent["version"] == CONSENT_VERSION
    assert consent["sha256"] == consent_sha256(CONSENT_TEXT) and len(consent["sha256"]) == 64
    for words in ("152-ФЗ", "запись на приём", "Отзыв согласия", "Срок действия", "уничтожение"):
        assert words in CONSENT_TEXT


@pytest.mark.parametrize("value", ["1985-W11-4", "1985W114", "1985-073", "19850314"])
def test_a_birth_date_not_in_yyyy_mm_dd_form_is_refused_before_it_counts_as_an_attempt(value):
    body = {"document_type": "oms_unified", "policy_number": "5680784863159153", "birth_date": value}
    with pytest.raises(InvalidInput) as caught:
        parse_oms_login(body, date(2026, 11, 29))
    assert "birth_date" in caught.value.fields
