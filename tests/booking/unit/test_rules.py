from datetime import datetime, time, timedelta, timezone

import pytest

from booking.domain import errors, rules

pytestmark = pytest.mark.unit

TZ = rules.zone("Asia/Yekaterinburg")
DEFAULTS = rules.OrgSettings()


def local(y, mo, d, h, mi=0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=TZ).astimezone(timezone.utc)


def check(start, now, settings=DEFAULTS, by_staff=False):
    rules.check_booking_time(start, now, TZ, settings, by_staff=by_staff)


def test_settings_defaults_follow_domain_md():
    settings = rules.OrgSettings.from_dict({})
    assert settings == rules.OrgSettings(14, time(7, 0), False, 0.0)
    assert rules.OrgSettings.from_dict({"day_opens_at": "06:30", "booking_horizon_days": 21,
                                        "same_day_booking": True, "cancel_cutoff_hours": 3}) == \
        rules.OrgSettings(21, time(6, 30), True, 3.0)


def test_a_slot_in_the_past_is_refused():
    with pytest.raises(errors.InThePast):
        check(local(2026, 12, 1, 8), local(2026, 12, 1, 9))


def test_a_slot_starting_now_is_in_the_past():
    now = local(2026, 12, 1, 9)
    with pytest.raises(errors.InThePast):
        check(now, now)


def test_same_day_booking_is_off_online_by_default():
    with pytest.raises(errors.SameDayNotAllowed):
        check(local(2026, 12, 1, 15), local(2026, 12, 1, 9))


def test_same_day_is_judged_in_local_time_not_utc():
    # 23:30 local on Dec 1 is 18:30 UTC; 00:30 local on Dec 2 is still Dec 1 in UTC.
    check(local(2026, 12, 2, 0, 30), local(2026, 12, 1, 23, 30))


def test_same_day_booking_allowed_by_setting_or_at_reception():
    check(local(2026, 12, 1, 15), local(2026, 12, 1, 9), rules.OrgSettings(same_day_booking=True))
    check(local(2026, 12, 1, 15), local(2026, 12, 1, 9), by_staff=True)


def test_the_new_day_opens_at_seven_local():
    last_day = datetime(2026, 12, 15, 10, tzinfo=TZ).astimezone(timezone.utc)
    with pytest.raises(errors.OutsideBookingHorizon):
        check(last_day, local(2026, 12, 1, 6, 59))
    check(last_day, local(2026, 12, 1, 7, 0))


def test_a_day_beyond_the_horizon_is_refused():
    with pytest.raises(errors.OutsideBookingHorizon):
        check(local(2026, 12, 16, 8), local(2026, 12, 1, 12))


def test_the_reception_may_book_beyond_the_portal_horizon_but_not_in_the_past():
    check(local(2026, 12, 16, 8), local(2026, 12, 1, 12), by_staff=True)
    with pytest.raises(errors.InThePast):
        check(local(2026, 12, 1, 8), local(2026, 12, 1, 12), by_staff=True)


def test_last_open_date_uses_the_configured_horizon_and_opening_time():
    settings = rules.OrgSettings(booking_horizon_days=7, day_opens_at=time(8, 0))
    assert rules.last_open_date(datetime(2026, 12, 1, 7, 59, tzinfo=TZ), settings).day == 7
    assert rules.last_open_date(datetime(2026, 12, 1, 8, 0, tzinfo=TZ), settings).day == 8


def test_services_not_self_bookable_are_for_the_reception_only():
    with pytest.raises(errors.NotSelfBookable):
        rules.check_service_bookable({"self_bookable": False}, by_staff=False)
    rules.check_service_bookable({"self_bookable": False}, by_staff=True)
    rules.check_service_bookable({"self_bookable": True}, by_staff=False)


ATTACHED = {"requires_attachment": True}


def test_attachment_to_another_organization_is_not_enough():
    with pytest.raises(errors.NotAttached):
        rules.check_attachment(ATTACHED, "o-1", [], [{"organization_id": "o-2", "area": None}])


def test_attachment_area_must_match_the_doctors_areas_when_both_are_set():
    with pytest.raises(errors.NotAttached):
        rules.check_attachment(ATTACHED, "o-1", ["1"], [{"organization_id": "o-1", "area": "2"}])
    rules.check_attachment(ATTACHED, "o-1", ["1", "2"], [{"organization_id": "o-1", "area": "2"}])
    rules.check_attachment(ATTACHED, "o-1", ["1"], [{"organization_id": "o-1", "area": None}])
    rules.check_attachment(ATTACHED, "o-1", [], [{"organization_id": "o-1", "area": "7"}])


def test_services_without_attachment_need_none():
    rules.check_attachment({"requires_attachment": False}, "o-1", ["1"], [])


def test_cancel_is_refused_after_the_start_even_for_staff():
    start = local(2026, 12, 2, 8)
    with pytest.raises(errors.CancelTooLate):
        rules.check_cancel(start, start + timedelta(minutes=1), DEFAULTS, by_staff=True)


def test_cancel_online_respects_the_cutoff_but_reception_does_not():
    start = local(2026, 12, 2, 8)
    settings = rules.OrgSettings(cancel_cutoff_hours=2)
    with pytest.raises(errors.CancelTooLate):
        rules.check_cancel(start, start - timedelta(hours=1), settings, by_staff=False)
    rules.check_cancel(start, start - timedelta(hours=1), settings, by_staff=True)
    rules.check_cancel(start, start - timedelta(hours=3), settings, by_staff=False)


def test_cancel_too_late_message_tells_to_call_the_clinic():
    assert "позвоните" in errors.CancelTooLate().message


def test_reschedule_of_a_started_appointment_is_refused():
    start = local(2026, 12, 2, 8)
    with pytest.raises(errors.RescheduleTooLate):
        rules.check_reschedule_source(start, start, DEFAULTS, by_staff=False)


def context(org="o-1", specialty="Терапия"):
    return {"organization": {"id": org}, "doctor": {"specialty": specialty},
            "service": {"specialty": "Терапия"}}


def test_reschedule_target_must_be_same_organization_and_specialty():
    current = {"organization_id": "o-1", "doctor_specialty": "Терапия"}
    rules.check_reschedule_target(current, context())
    for target in (None, context(org="o-2"), context(specialty="Хирургия")):
        with pytest.raises(errors.RescheduleNotAllowed):
            rules.check_reschedule_target(current, target)


def test_specialty_comes_from_the_service_then_the_doctor():
    assert rules.specialty_of({"service": {"specialty": "A"}, "doctor": {"specialty": "B"}}) == "A"
    assert rules.specialty_of({"service": {}, "doctor": {"specialty": "B"}}) == "B"


def test_waitlist_matching_checks_organization_service_doctor_and_dates():
    from datetime import date

    entry = {"organization_id": "o-1", "service_id": "s", "doctor_id": None,
             "date_from": date(2026, 12, 1), "date_to": date(2026, 12, 5)}
    match = dict(organization_id="o-1", service_ids=["s"], doctor_id="d", local_date=date(2026, 12, 3))
    assert rules.waitlist_matches(entry, **match)
    assert not rules.waitlist_matches(entry, **{**match, "local_date": date(2026, 12, 6)})
    assert not rules.waitlist_matches(entry, **{**match, "service_ids": ["x"]})
    assert not rules.waitlist_matches({**entry, "doctor_id": "e"}, **match)


def test_unknown_time_zone_falls_back_to_the_region_default():
    assert rules.zone("Nowhere/City").key == "Asia/Yekaterinburg"
