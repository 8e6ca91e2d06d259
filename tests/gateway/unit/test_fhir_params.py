"""Parsing FHIR search parameters: dates with prefixes, references, strings, paging."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from gateway.fhir import params
from gateway.fhir.outcome import FhirError

pytestmark = pytest.mark.unit

EKB = ZoneInfo("Asia/Yekaterinburg")
AT_0815 = datetime(2026, 12, 1, 8, 15, tzinfo=EKB)


@pytest.mark.parametrize("value,matches", [
    ("2026-12-01", True), ("eq2026-12-01", True), ("ne2026-12-01", False),
    ("ge2026-12-01", True), ("gt2026-12-01", False), ("lt2026-12-01", False),
    ("le2026-12-01", True), ("lt2026-12-02", True), ("gt2026-11-30", True),
    ("ge2026-12-01T08:15:00+05:00", True), ("gt2026-12-01T08:15:00+05:00", False),
    ("lt2026-12-01T08:15:00+05:00", False), ("lt2026-12-01T08:16:00+05:00", True),
    ("ge2026-12-01T03:15:00Z", True), ("gt2026-12-01T03:14:59Z", True),
    ("eq2026-12-01T08:15", True),  # no offset: the organization's time
])
def test_date_prefixes_compare_as_fhir_says(value, matches):
    assert params.date_filter("start", value, EKB).matches(AT_0815) is matches


def test_a_date_alone_is_a_whole_day_in_the_organizations_zone():
    day = params.date_filter("start", "2026-12-01", EKB)
    assert day.low == datetime(2026, 12, 1, tzinfo=EKB)
    assert day.high - day.low == timedelta(days=1)
    assert day.matches(datetime(2026, 11, 30, 19, 0, tzinfo=timezone.utc))  # 00:00 local
    assert not day.matches(datetime(2026, 12, 1, 19, 0, tzinfo=timezone.utc))  # 00:00 next day


@pytest.mark.parametrize("value", ["sa2026-12-01", "2026-13-01", "tomorrow", "2026-12-01T25:00",
                                   "ge2026-02-30"])
def test_bad_dates_are_refused_as_invalid(value):
    with pytest.raises(FhirError) as caught:
        params.date_filter("start", value, EKB)
    assert caught.value.status == 400 and caught.value.issue_type == "invalid"


def test_the_search_window_follows_the_filters_and_defaults_to_the_grid():
    today = datetime(2026, 12, 1, tzinfo=EKB)
    ge = params.date_filter("start", "ge2026-12-03", EKB)
    lt = params.date_filter("start", "lt2026-12-05", EKB)
    assert params.date_window([ge, lt], today, 14) == (ge.low, lt.low)
    assert params.date_window([], today, 14) == (today, today + timedelta(days=14))
    assert params.date_window([ge], today, 14) == (ge.low, ge.low + timedelta(days=14))
    day = params.date_filter("start", "2026-12-07", EKB)
    assert params.date_window([day], today, 14) == (day.low, day.high)


@pytest.mark.parametrize("value,types,expected", [
    ("Schedule/a.b.c", ("Schedule",), ("Schedule", "a.b.c")),
    ("a.b.c", ("Schedule",), ("Schedule", "a.b.c")),
    ("http://host/fhir/R4/Practitioner/o-1.d-1", ("Practitioner", "Location"),
     ("Practitioner", "o-1.d-1")),
])
def test_references_are_type_and_id(value, types, expected):
    assert params.reference("actor", value, types) == expected


def test_a_bare_id_is_refused_where_several_types_are_possible():
    with pytest.raises(FhirError):
        params.reference("actor", "o-1.d-1", ("Practitioner", "Location"))
    assert params.reference("actor", "o-1.d-1", ("Practitioner", "Location"),
                            "Location") == ("Location", "o-1.d-1")


@pytest.mark.parametrize("modifier,wanted,matches", [
    (None, "петр", True), (None, "анна", False), ("contains", "анна", True),
    ("exact", "Петрова Анна Сергеевна", True), ("exact", "петрова анна сергеевна", False)])
def test_string_search_is_starts_with_contains_or_exact(modifier, wanted, matches):
    assert params.string_matches(modifier, wanted, "Петрова Анна Сергеевна") is matches


def test_unknown_parameters_are_refused_unless_lenient():
    allowed = {"status": (), "name": ("contains", "exact")}
    with pytest.raises(FhirError) as caught:
        params.parse_query([("colour", "red")], allowed)
    assert "colour" in caught.value.message
    with pytest.raises(FhirError):
        params.parse_query([("name:missing", "true")], allowed)
    query = params.parse_query([("colour", "red"), ("status", "free")], allowed, lenient=True)
    assert query.values == {"status": [(None, "free")]}


def test_paging_parameters_are_checked_and_capped():
    query = params.parse_query([("_count", "5000"), ("_offset", "10")], {})
    assert (query.count, query.offset) == (params.MAX_COUNT, 10)
    assert params.parse_query([], {}).count == params.DEFAULT_COUNT
    with pytest.raises(FhirError):
        params.parse_query([("_count", "-1")], {})


def test_commas_are_alternatives_and_an_escaped_comma_is_text():
    assert params.split_values("free,busy") == ["free", "busy"]
    assert params.split_values(r"a\,b,c") == ["a,b", "c"]


@pytest.mark.parametrize("raw", ["²", "١٢", "1e3", " 5", "9" * 30])
def test_paging_numbers_in_other_scripts_or_huge_are_a_bad_parameter_not_a_crash(raw):
    with pytest.raises(FhirError):
        params.parse_query([("_offset", raw)], {})
