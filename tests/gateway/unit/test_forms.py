"""Pure helpers of the login form and pages."""
from __future__ import annotations

from datetime import date

import pytest

from gateway.ui import forms

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("given,expected", [
    ("17-05-1980", "1980-05-17"),
    ("01.12.2001", "2001-12-01"),
    (" 29-02-2024 ", "2024-02-29"),
    ("29-02-2023", None),
    ("1980-05-17", None),
    ("17/05/1980", None),
    ("", None),
])
def test_birth_date_in_russian_order_becomes_iso(given, expected):
    assert forms.dmy_to_iso(given) == expected


def test_unified_policy_with_birth_date_makes_the_auth_body():
    body, errors = forms.oms_login_body({"document_type": "oms_unified",
                                         "policy_number": "1234 5678 9012 3456",
                                         "birth_date": "17-05-1980"})
    assert errors == {}
    assert body == {"document_type": "oms_unified", "policy_number": "1234567890123456",
                    "birth_date": "1980-05-17"}


def test_old_policy_needs_a_series_and_may_use_an_identity_document():
    _, errors = forms.oms_login_body({"document_type": "oms_old", "policy_number": "123456",
                                      "birth_date": "17-05-1980"})
    assert "policy_series" in errors
    body, errors = forms.oms_login_body({"document_type": "oms_old", "policy_series": "ОРБ",
                                         "policy_number": "123456", "identity_type": "passport",
                                         "identity_number": "654321"})
    assert errors == {}
    assert body == {"document_type": "oms_old", "policy_series": "ОРБ", "policy_number": "123456",
                    "identity_document": {"type": "passport", "number": "654321"}}


def test_each_form_mistake_is_reported_on_its_own_field():
    _, errors = forms.oms_login_body({"document_type": "temporary_certificate",
                                      "policy_number": "12345", "birth_date": "32-01-1980"})
    assert set(errors) == {"policy_number", "birth_date"}
    assert "9" in errors["policy_number"]
    _, errors = forms.oms_login_body({"document_type": "oms_unified", "policy_number": ""})
    assert set(errors) == {"policy_number", "birth_date"}


def test_auth_field_errors_map_to_the_form_fields():
    mapped = forms.map_field_errors({"policy_number": "Неверная контрольная цифра",
                                     "identity_document.number": "Неверный номер",
                                     "identity_document.type": ["Недопустимое значение"],
                                     "something_else": "x"})
    assert mapped == {"policy_number": "Неверная контрольная цифра",
                      "identity_number": "Неверный номер",
                      "identity_type": "Недопустимое значение", "form": "x"}
    assert forms.map_field_errors(None) == {}


def test_booking_errors_show_the_russian_message_the_service_sent():
    # Each service words its own errors (tests/gateway/unit/test_error_codes.py): the UI shows them.
    for code in ("slot_unavailable", "not_attached", "duplicate_specialty",
                 "outside_booking_horizon", "same_day_not_allowed", "in_the_past"):
        sent = {"code": code, "message": f"Текст службы для {code}"}
        assert forms.booking_error_message(sent) == sent["message"]
    assert forms.booking_error_message({"code": "new_code", "message": "Текст"}) == "Текст"
    assert forms.booking_error_message({"code": "slot_unavailable"}) == forms.NO_MESSAGE
    assert forms.booking_error_message(None) == forms.NO_MESSAGE


def test_times_and_dates_are_shown_in_the_organizations_zone():
    assert forms.hhmm("2026-12-01T08:15:00+05:00") == "08:15"
    assert forms.human_date("2026-12-01") == "1 декабря 2026, вторник"
    assert forms.human_date("2026-12-01T08:15:00+05:00") == "1 декабря 2026, вторник"
    assert forms.iso_to_dmy("1980-05-17") == "17-05-1980"
    assert forms.iso_to_dmy("1980-05-17", ".") == "17.05.1980"


def test_the_day_grid_shows_whole_weeks_from_monday():
    # Thursday 3 December 2026, a fortnight: from Monday 30 November to Sunday 20 December.
    assert forms.grid_weeks(date(2026, 12, 3), 14) == (date(2026, 11, 30), date(2026, 12, 20))
    # From a Monday, exactly two weeks.
    assert forms.grid_weeks(date(2026, 12, 7), 14) == (date(2026, 12, 7), date(2026, 12, 20))


def test_a_grid_cell_says_its_week_day_and_state_in_words():
    today = date(2026, 12, 3)
    free = forms.grid_cell(date(2026, 12, 6), {"date": "2026-12-06", "interval": "08:00–14:00",
                                               "bookable": True, "free": 5}, today)
    assert (free["short"], free["weekday"], free["state"], free["spoken"]) == \
        ("06.12", "Вс", "свободно 5", "запись возможна")
    full = forms.grid_cell(date(2026, 12, 4), {"interval": "08:00–14:00", "bookable": False,
                                               "free": 0}, today)
    assert (full["bookable"], full["state"], full["spoken"]) == (False, "нет записи", "")
    assert forms.grid_cell(date(2026, 12, 5), {"interval": None, "bookable": False},
                           today)["state"] == "нет приёма"
    past = forms.grid_cell(date(2026, 11, 30), None, today)
    assert past["past"] and not past["bookable"] and past["weekday"] == "Пн"
