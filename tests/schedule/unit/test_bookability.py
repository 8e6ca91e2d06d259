from datetime import date, datetime, time, timezone

import pytest

from schedule.domain.bookability import (OrgRules, date_bookable_online, day_hold_cap,
                                         last_open_date, slot_bookable_at_reception,
                                         slot_bookable_online)

pytestmark = pytest.mark.unit

RULES = OrgRules(timezone="Asia/Yekaterinburg", booking_horizon_days=14,
                 day_opens_at=time(7, 0), same_day_booking=False)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def test_before_opening_time_the_newest_day_is_not_yet_bookable():
    at_0659 = utc(2026, 12, 1, 1, 59)  # 06:59 local
    assert last_open_date(RULES, at_0659) == date(2026, 12, 14)
    assert not date_bookable_online(RULES, date(2026, 12, 15), at_0659)


def test_at_opening_time_the_newest_day_opens():
    at_0700 = utc(2026, 12, 1, 2, 0)  # 07:00 local
    assert last_open_date(RULES, at_0700) == date(2026, 12, 15)
    assert date_bookable_online(RULES, date(2026, 12, 15), at_0700)
    assert not date_bookable_online(RULES, date(2026, 12, 16), at_0700)


def test_today_is_not_bookable_online_without_same_day_booking():
    now = utc(2026, 12, 1, 4, 0)
    assert not date_bookable_online(RULES, date(2026, 12, 1), now)
    assert date_bookable_online(RULES, date(2026, 12, 2), now)


def test_today_is_bookable_online_with_same_day_booking():
    rules = OrgRules(same_day_booking=True)
    assert date_bookable_online(rules, date(2026, 12, 1), utc(2026, 12, 1, 4, 0))


def test_past_dates_are_never_bookable():
    rules = OrgRules(same_day_booking=True)
    assert not date_bookable_online(rules, date(2026, 11, 30), utc(2026, 12, 1, 4, 0))


def test_local_date_not_utc_date_decides_what_today_is():
    # 20:30 UTC on Dec 1 is already Dec 2 in Orenburg (+05:00): Dec 2 is "today" there.
    now = utc(2026, 12, 1, 20, 30)
    assert not date_bookable_online(RULES, date(2026, 12, 2), now)
    assert date_bookable_online(RULES, date(2026, 12, 3), now)


def test_horizon_setting_is_respected():
    rules = OrgRules(booking_horizon_days=3)
    now = utc(2026, 12, 1, 4, 0)
    assert date_bookable_online(rules, date(2026, 12, 4), now)
    assert not date_bookable_online(rules, date(2026, 12, 5), now)


def test_rules_from_settings_fall_back_to_defaults():
    rules = OrgRules.from_settings("Asia/Yekaterinburg", {"day_opens_at": "bad"})
    assert rules.booking_horizon_days == 14 and rules.day_opens_at == time(7, 0)
    assert rules.same_day_booking is False


SLOT = dict(day=date(2026, 12, 3), start_utc=utc(2026, 12, 3, 4, 0), hold_expires_at=None)
NOW = utc(2026, 12, 1, 4, 0)


def test_free_slot_of_channel_any_is_bookable_online():
    assert slot_bookable_online(RULES, status="free", channel="any", now_utc=NOW, **SLOT)


def test_reception_slot_is_not_bookable_online_but_is_at_reception():
    assert not slot_bookable_online(RULES, status="free", channel="reception", now_utc=NOW, **SLOT)
    assert slot_bookable_at_reception(start_utc=SLOT["start_utc"], status="free",
                                      hold_expires_at=None, now_utc=NOW)


def test_held_slot_is_bookable_only_once_the_hold_expired():
    live = dict(SLOT, hold_expires_at=utc(2026, 12, 1, 4, 5))
    expired = dict(SLOT, hold_expires_at=utc(2026, 12, 1, 3, 55))
    assert not slot_bookable_online(RULES, status="held", channel="any", now_utc=NOW, **live)
    assert slot_bookable_online(RULES, status="held", channel="any", now_utc=NOW, **expired)


def test_taken_or_started_slots_are_not_bookable():
    assert not slot_bookable_online(RULES, status="taken", channel="any", now_utc=NOW, **SLOT)
    started = dict(SLOT, start_utc=NOW)
    assert not slot_bookable_at_reception(start_utc=started["start_utc"], status="free",
                                          hold_expires_at=None, now_utc=NOW)


def test_reception_has_no_horizon_limit():
    far = utc(2027, 3, 1, 4, 0)
    assert slot_bookable_at_reception(start_utc=far, status="free", hold_expires_at=None,
                                      now_utc=NOW)
    assert not slot_bookable_online(RULES, day=date(2027, 3, 1), start_utc=far, status="free",
                                    channel="any", hold_expires_at=None, now_utc=NOW)


def test_the_day_hold_cap_is_a_share_rounded_up_with_a_floor():
    assert day_hold_cap(18, 20, 2) == 4   # 3.6 rounded up
    assert day_hold_cap(40, 20, 2) == 8
    assert day_hold_cap(3, 20, 2) == 2    # a short day still lets two patients choose at once
    assert day_hold_cap(0, 20, 2) == 2
