"""The pure parts of the earliest search: each doctor's open window (same-day setting, horizon,
day_opens_at, from/until) and the batches of whole dates read from the counters."""
from datetime import date, datetime, time, timezone

import pytest

from schedule.adapters.directory import DoctorInfo
from schedule.domain.bookability import OrgRules
from schedule.earliest import Query, batches, windows

pytestmark = pytest.mark.unit
ZONE = "Asia/Yekaterinburg"
MORNING = datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc)  # 08:00 local
NIGHT = datetime(2026, 12, 1, 0, 30, tzinfo=timezone.utc)   # 05:30 local, before 07:00


class Orgs:
    def __init__(self, **rules):
        self.by_org = rules

    def rules(self, organization_id, _tz):
        return self.by_org[organization_id]


def doctor(doctor_id, org):
    return DoctorInfo(doctor_id, org, ZONE, frozenset({"s"}), None, ())


ORGS = Orgs(plain=OrgRules(ZONE), same_day=OrgRules(ZONE, same_day_booking=True),
            short=OrgRules(ZONE, booking_horizon_days=3, day_opens_at=time(7, 0)))
DOCTORS = [doctor("a", "plain"), doctor("b", "same_day"), doctor("c", "short")]


def test_windows_follow_each_organizations_settings():
    wins = windows(DOCTORS, ORGS, Query(frozenset({"s"})), MORNING)
    assert (wins["a"].first, wins["a"].last) == (date(2026, 12, 2), date(2026, 12, 15))
    assert (wins["b"].first, wins["b"].last) == (date(2026, 12, 1), date(2026, 12, 15))
    assert wins["c"].last == date(2026, 12, 4)
    before_opening = windows(DOCTORS, ORGS, Query(frozenset({"s"})), NIGHT)
    assert before_opening["a"].last == date(2026, 12, 14)  # the newest day opens at 07:00


def test_from_and_until_narrow_the_windows_and_empty_ones_drop_out():
    query = Query(frozenset({"s"}), start=datetime(2026, 12, 4, 10, 0, tzinfo=timezone.utc),
                  until=datetime(2026, 12, 6, 19, 0, tzinfo=timezone.utc))  # 12-07 00:00 local
    wins = windows(DOCTORS, ORGS, query, MORNING)
    assert (wins["a"].first, wins["a"].last) == (date(2026, 12, 4), date(2026, 12, 6))
    assert "c" in wins and wins["c"].first == wins["c"].last == date(2026, 12, 4)
    late = Query(frozenset({"s"}), start=datetime(2026, 12, 10, tzinfo=timezone.utc))
    assert "c" not in windows(DOCTORS, ORGS, late, MORNING)
    past = Query(frozenset({"s"}), start=datetime(2020, 1, 1, tzinfo=timezone.utc))
    assert windows(DOCTORS, ORGS, past, MORNING)["b"].first == date(2026, 12, 1)


def test_batches_hold_whole_dates_with_enough_free_slots():
    d1, d2, d3 = date(2026, 12, 2), date(2026, 12, 3), date(2026, 12, 4)
    dated = [(d1, [("a", 1), ("b", 1)]), (d2, [("a", 3), ("b", 4)]), (d3, []),
             (date(2026, 12, 5), [("a", 9)])]
    assert list(batches(iter(dated), 2)) == [[(d1, "a"), (d1, "b")], [(d2, "a"), (d2, "b")],
                                             [(date(2026, 12, 5), "a")]]
    # A date is never split, even when its first doctor alone has enough.
    assert list(batches(iter(dated), 1))[1] == [(d2, "a"), (d2, "b")]
    assert list(batches(iter(dated), 50)) == [[(d1, "a"), (d1, "b"), (d2, "a"), (d2, "b"),
                                               (date(2026, 12, 5), "a")]]
    assert list(batches(iter([]), 5)) == [] and list(batches(iter([(d3, [])]), 5)) == []
