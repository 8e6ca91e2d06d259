"""The no-show rule as pure functions: the window's edges, the limit, corrections, the message."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from booking.domain.no_show import (LIFT, START, NoShowRule, is_active, plural_no_shows,
                                    restriction_message)

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
RULE = NoShowRule(limit=3, window_days=90, suspend_days=30)


def test_settings_give_the_rule_and_missing_or_bad_values_fall_back_to_off():
    assert NoShowRule.from_settings({"no_show_limit": 3, "no_show_window_days": 60,
                                     "no_show_suspend_days": 14}) == NoShowRule(3, 60, 14)
    assert NoShowRule.from_settings(None) == NoShowRule(0, 90, 30)
    assert not NoShowRule.from_settings({"no_show_limit": True}).on
    assert not NoShowRule.from_settings({"same_day_booking": True}).on


def test_the_window_counts_its_first_moment_and_not_the_one_before():
    edge = NOW - timedelta(days=90)
    assert RULE.counts([edge], NOW) == 1
    assert RULE.counts([edge - timedelta(seconds=1)], NOW) == 0
    assert RULE.counts([NOW], NOW) == 1
    assert RULE.counts([NOW + timedelta(minutes=1)], NOW) == 0  # not yet happened


def test_reaching_the_limit_with_a_no_show_starts_a_suspension():
    assert RULE.decide(2, active=False, marked_no_show=True) is None
    assert RULE.decide(3, active=False, marked_no_show=True) == START
    assert RULE.decide(4, active=False, marked_no_show=True) == START
    # An attended mark never starts one, even with old no-shows over the limit.
    assert RULE.decide(3, active=False, marked_no_show=False) is None
    # A running suspension is not started again (nor prolonged).
    assert RULE.decide(4, active=True, marked_no_show=True) is None


def test_a_correction_under_the_limit_lifts_the_running_suspension():
    assert RULE.decide(2, active=True, marked_no_show=False) == LIFT
    assert RULE.decide(3, active=True, marked_no_show=False) is None
    # The organization switched the rule off meanwhile: the next mark lifts it too.
    assert NoShowRule(0).decide(5, active=True, marked_no_show=True) == LIFT


def test_the_rule_switched_off_never_suspends():
    assert NoShowRule(0).decide(100, active=False, marked_no_show=True) is None


def test_a_suspension_lifts_by_itself_at_its_end():
    row = {"starts_at": NOW, "ends_at": RULE.ends_at(NOW), "lifted_at": None}
    assert row["ends_at"] == NOW + timedelta(days=30)
    assert is_active(row, NOW)
    assert is_active(row, row["ends_at"] - timedelta(seconds=1))
    assert not is_active(row, row["ends_at"])
    assert not is_active({**row, "lifted_at": NOW}, NOW + timedelta(days=1))


@pytest.mark.parametrize("count, text", [(1, "1 неявка"), (3, "3 неявки"), (5, "5 неявок"),
                                         (11, "11 неявок"), (21, "21 неявка"), (22, "22 неявки")])
def test_no_shows_are_counted_in_russian(count, text):
    assert plural_no_shows(count) == text


def test_the_message_names_the_place_the_end_date_in_local_time_and_the_reason():
    row = {"organization_name": "ГП № 1", "timezone": "Asia/Yekaterinburg", "count": 3,
           "window_days": 90, "ends_at": datetime(2027, 1, 11, 20, 0, tzinfo=timezone.utc)}
    assert restriction_message(row) == (
        "Онлайн-запись в ГП № 1 приостановлена до 12.01.2027: 3 неявки за 90 дней. "
        "Записаться можно через регистратуру.")
