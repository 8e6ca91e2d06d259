"""One home for instants: parsing, the UTC rule and the region's default time zone."""
from datetime import datetime, timedelta, timezone

import pytest

from regcommon import instants

EKB = timezone(timedelta(hours=5))


def test_parse_instant_keeps_the_offset_and_reads_a_bare_time_as_utc():
    assert instants.parse_instant("2026-12-01T09:00:00+05:00") == datetime(2026, 12, 1, 9, tzinfo=EKB)
    assert instants.parse_instant("2026-12-01T09:00:00+05:00").utcoffset() == timedelta(hours=5)
    assert instants.parse_instant("2026-12-01T04:00:00") == datetime(2026, 12, 1, 4, tzinfo=timezone.utc)


@pytest.mark.parametrize("bad", ["", "tomorrow", "2026-13-01T00:00", None, 5])
def test_parse_instant_refuses_what_is_not_an_instant_with_value_error(bad):
    with pytest.raises(ValueError):
        instants.parse_instant(bad)


def test_parse_utc_converts_to_utc():
    moment = instants.parse_utc("2026-12-01T09:00:00+05:00")
    assert moment.tzinfo is timezone.utc and moment.hour == 4


def test_as_utc_reads_naive_as_utc_converts_aware_and_passes_none():
    assert instants.as_utc(datetime(2026, 12, 1, 4)) == datetime(2026, 12, 1, 4, tzinfo=timezone.utc)
    converted = instants.as_utc(datetime(2026, 12, 1, 9, tzinfo=EKB))
    assert converted.tzinfo is timezone.utc and converted.hour == 4
    assert instants.as_utc(None) is None


def test_instant_or_none_is_lenient_for_display():
    moment = datetime(2026, 12, 1, 9, tzinfo=EKB)
    assert instants.instant_or_none(moment) is moment
    assert instants.instant_or_none("2026-12-01T09:00:00+05:00") == moment
    assert instants.instant_or_none("не дата") is None
    assert instants.instant_or_none(None) is None


def test_zone_falls_back_to_the_region_default():
    assert instants.DEFAULT_TIMEZONE == "Asia/Yekaterinburg"
    assert instants.zone("Europe/Moscow").key == "Europe/Moscow"
    assert instants.zone(None).key == instants.DEFAULT_TIMEZONE
    assert instants.zone("Nowhere/City").key == instants.DEFAULT_TIMEZONE
    assert instants.zone("../etc").key == instants.DEFAULT_TIMEZONE
