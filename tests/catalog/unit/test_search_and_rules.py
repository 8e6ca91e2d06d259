import pytest

from catalog.domain.access import may_edit_settings, may_import
from catalog.domain.org_settings import setting_errors, with_defaults
from catalog.domain.search import like_pattern, normalize, search_text

pytestmark = pytest.mark.unit


def test_search_folds_cyrillic_case_and_yo():
    assert normalize("  ГАУЗ «Городская  ПОЛИКЛИНИКА № 3»  ") == "гауз городская поликлиника № 3"
    assert normalize("Пономарёвский") == normalize("ПОНОМАРЕВСКИЙ")


def test_search_text_keeps_fields_apart_so_a_query_cannot_span_them():
    stored = search_text("Поликлиника", "ГП", "г. Орск")
    assert "поликлиника\nгп" in stored
    assert "поликлиника гп" not in stored


def test_like_pattern_escapes_wildcards():
    assert like_pattern("100%_x") == "%100\\%\\_x%"
    assert like_pattern("ОРСК") == "%орск%"


def test_settings_within_ranges_are_accepted():
    assert setting_errors({"booking_horizon_days": 90, "day_opens_at": "23:59",
                           "same_day_booking": True, "cancel_cutoff_hours": 72}) == {}
    assert with_defaults({"same_day_booking": True})["booking_horizon_days"] == 14


@pytest.mark.parametrize("values, field", [
    ({"booking_horizon_days": 0}, "booking_horizon_days"),
    ({"booking_horizon_days": 91}, "booking_horizon_days"),
    ({"booking_horizon_days": True}, "booking_horizon_days"),
    ({"day_opens_at": "7:00"}, "day_opens_at"),
    ({"day_opens_at": "24:00"}, "day_opens_at"),
    ({"same_day_booking": "yes"}, "same_day_booking"),
    ({"cancel_cutoff_hours": -1}, "cancel_cutoff_hours"),
    ({"cancel_cutoff_hours": 73}, "cancel_cutoff_hours"),
    ({"colour": "red"}, "colour"),
])
def test_settings_out_of_range_are_named(values, field):
    assert list(setting_errors(values)) == [field]


def test_admins_edit_any_organization_registrars_only_their_own_patients_none():
    assert may_edit_settings({"role": "admin", "organization_id": None}, "o-0001")
    assert may_edit_settings({"role": "registrar", "organization_id": "o-0001"}, "o-0001")
    assert not may_edit_settings({"role": "registrar", "organization_id": "o-0002"}, "o-0001")
    assert not may_edit_settings({"role": "patient"}, "o-0001")
    assert may_import({"role": "admin"}) and not may_import({"role": "registrar"})
