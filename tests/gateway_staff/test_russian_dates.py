"""Dates in the reception workspace are typed and shown as ДД.ММ.ГГГГ (issue 13): text fields
instead of Chromium's own date inputs (mm/dd/yyyy in an English browser), parsed by the server,
with a Russian message for a date that is not one; the services still get ГГГГ-ММ-ДД."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.integration


def text(response) -> str:
    return response.get_data(as_text=True)


def new_patient(birth_date: str) -> dict:
    return {"last_name": "Кравец", "first_name": "Инна", "middle_name": "", "sex": "F",
            "birth_date": birth_date, "policy_type": "oms_unified",
            "policy_number": "1234567890123452", "area": "1"}


def _date_inputs(page: str) -> list[str]:
    return re.findall(r'<input[^>]*data-date-mask[^>]*>', page)


def _assert_russian_date_fields(pages: list[str], counts: list[int]) -> None:
    for page in pages:
        assert 'type="date"' not in page
    assert [len(_date_inputs(page)) for page in pages] == counts
    for field in sum((_date_inputs(page) for page in pages), []):
        assert 'type="text"' in field and 'placeholder="ДД.ММ.ГГГГ"' in field


def test_no_registrar_page_uses_the_browsers_own_date_input(registrar):
    _assert_russian_date_fields([text(registrar.get(path)) for path in (
        "/staff", "/staff/patients/new", "/staff/patients/p-1/edit",
        "/staff/schedule?doctor_id=doc-1")], [1, 1, 1, 2])


def test_the_audit_filter_does_not_use_the_browsers_own_date_input(admin):
    _assert_russian_date_fields([text(admin.get("/staff/audit"))], [2])


def test_a_birth_date_typed_with_dots_is_registered_as_iso(registrar, backend):
    response = registrar.post("/staff/patients/new", new_patient("04.03.1990"))
    assert response.status_code == 302
    posted = [c for c in backend.calls if c["method"] == "POST"
              and c["path"] == "/v1/registry/patients"]
    assert posted[-1]["json"]["birth_date"] == "1990-03-04"


def test_the_edit_form_shows_the_birth_date_in_russian(registrar):
    page = text(registrar.get("/staff/patients/p-1/edit"))
    assert re.search(r'id="birth_date"[^>]*value="17\.05\.1980"', page)


@pytest.mark.parametrize("typed", ["1990/03/04", "31.02.1990", "4.3.90", "завтра"])
def test_a_birth_date_that_is_not_one_is_named_in_russian(registrar, backend, typed):
    response = registrar.post("/staff/patients/new", new_patient(typed))
    assert response.status_code == 422
    error = re.search(r'id="error-birth_date">([^<]+)<', text(response))
    assert error and "ДД.ММ.ГГГГ" in error.group(1)
    assert f'value="{typed}"' in text(response)  # what was typed stays to be corrected
    assert not any(c["method"] == "POST" and c["path"] == "/v1/registry/patients"
                   for c in backend.calls)


def test_the_search_sends_the_typed_birth_date_as_iso(registrar, backend):
    page = text(registrar.get("/staff?last_name=Смирнов&birth_date=17.05.1980"))
    assert "Смирнов Олег Ильич" in page
    assert backend.calls[-1]["args"]["birth_date"] == "1980-05-17"
    assert re.search(r'id="search-birth-date"[^>]*value="17\.05\.1980"', page)


def test_a_search_with_a_wrong_date_asks_again_without_searching(registrar, backend):
    before = len(backend.calls)
    response = registrar.get("/staff?last_name=Смирнов&birth_date=17.13.1980")
    assert response.status_code == 422
    assert "ДД.ММ.ГГГГ" in re.search(r'id="search-error"[^>]*>([^<]+)<', text(response)).group(1)
    assert not any(c["path"] == "/v1/registry/patients" for c in backend.calls[before:])


def test_an_absence_typed_with_dots_is_sent_as_iso(registrar, backend):
    response = registrar.post("/staff/schedule/doc-1/absences",
                              {"from": "01.12.2026", "to": "03.12.2026", "reason": "Отпуск"})
    assert response.status_code == 200
    posted = [c for c in backend.calls if c["method"] == "POST" and c["path"].endswith("/absences")]
    assert posted[-1]["json"] == {"from": "2026-12-01", "to": "2026-12-03", "reason": "Отпуск"}
    assert "01.12.2026" in text(response)


def test_an_absence_with_a_wrong_date_names_the_field(registrar, backend):
    response = registrar.post("/staff/schedule/doc-1/absences",
                              {"from": "2026-31-12", "to": "", "reason": "Отпуск"})
    assert response.status_code == 422
    error = re.search(r'id="error-absence-from">([^<]+)<', text(response))
    assert error and "Начало периода" in error.group(1) and "ДД.ММ.ГГГГ" in error.group(1)
    assert not any(c["method"] == "POST" and c["path"].endswith("/absences") for c in backend.calls)


def test_the_audit_filter_takes_russian_dates_and_names_a_wrong_one(admin, backend):
    admin.get("/staff/audit?from=01.11.2026&to=30.11.2026")
    assert backend.calls[-1]["args"] == {"from": "2026-11-01T00:00:00+05:00",
                                         "to": "2026-12-01T00:00:00+05:00"}
    before = len(backend.calls)
    response = admin.get("/staff/audit?from=1 ноября")
    assert response.status_code == 422
    assert "ДД.ММ.ГГГГ" in text(response) and 'id="audit-error"' in text(response)
    assert not any(c["path"] == "/v1/admin/audit" for c in backend.calls[before:])
