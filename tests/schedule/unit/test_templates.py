from datetime import date, time
from zoneinfo import ZoneInfo

import pytest

from schedule.domain.templates import (TemplateInvalid, parse_template, plan_day,
                                       reception_flags, slot_times)

pytestmark = pytest.mark.unit
MONDAY = date(2026, 11, 30)
ZONE = ZoneInfo("Asia/Yekaterinburg")


def template(**overrides):
    data = {"slot_minutes": 15, "week": {"mon": ["08:00", "10:00"], "sat": None},
            "breaks": [["09:00", "09:15"]], "quota": {"reception_percent": 0}}
    data.update(overrides)
    return parse_template(data)


def test_slots_fill_the_interval_and_skip_breaks():
    times = slot_times(template(), MONDAY)
    assert [t[0] for t in times] == [time(8, 0), time(8, 15), time(8, 30), time(8, 45),
                                     time(9, 15), time(9, 30), time(9, 45)]


def test_a_break_not_on_the_grid_pushes_the_next_slot_after_it():
    times = slot_times(template(breaks=[["08:20", "08:40"]]), MONDAY)
    assert [t[0] for t in times][:3] == [time(8, 0), time(8, 40), time(8, 55)]


def test_a_slot_that_would_end_after_the_interval_is_not_created():
    times = slot_times(template(slot_minutes=25, breaks=[]), MONDAY)
    assert times[-1] == (time(9, 15), time(9, 40))


def test_day_off_has_no_slots_and_no_interval():
    tpl = template()
    assert slot_times(tpl, date(2026, 12, 5)) == []  # Saturday: null
    assert slot_times(tpl, date(2026, 12, 1)) == []  # Tuesday: missing
    assert tpl.interval_text(date(2026, 12, 5)) is None


def test_interval_text_uses_an_en_dash():
    assert template().interval_text(MONDAY) == "08:00\u201310:00"


def test_planned_slots_are_stored_in_utc():
    first = plan_day(template(), MONDAY, ZONE)[0]
    assert first.start_utc.isoformat() == "2026-11-30T03:00:00+00:00"
    assert first.end_utc.isoformat() == "2026-11-30T03:15:00+00:00"


def test_reception_quota_takes_its_share_spread_across_the_day():
    flags = reception_flags(20, 25)
    assert sum(flags) == 5
    assert flags[:4].count(True) == 1 and flags[-4:].count(True) == 1


def test_reception_quota_rounds_and_handles_extremes():
    assert sum(reception_flags(23, 20)) == 5
    assert reception_flags(10, 0) == [False] * 10
    assert reception_flags(10, 100) == [True] * 10
    assert reception_flags(0, 50) == []


def test_plan_day_marks_reception_channel():
    plan = plan_day(template(quota={"reception_percent": 30}), MONDAY, ZONE)
    assert [p.channel for p in plan].count("reception") == 2
    assert {p.channel for p in plan} == {"any", "reception"}


@pytest.mark.parametrize("bad, field", [
    ({"slot_minutes": 0}, "slot_minutes"),
    ({"week": {"mon": ["10:00", "09:00"]}}, "week.mon"),
    ({"week": {"funday": ["08:00", "09:00"]}}, "week.funday"),
    ({"breaks": [["9:00", "09:15"]]}, "breaks.0"),
    ({"quota": {"reception_percent": 101}}, "quota.reception_percent"),
])
def test_invalid_templates_name_the_wrong_field(bad, field):
    with pytest.raises(TemplateInvalid) as caught:
        template(**bad)
    assert field in caught.value.fields
