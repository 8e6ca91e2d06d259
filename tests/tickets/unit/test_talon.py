"""The talon's fields: local date and time in Russian, masking, the verification code, the QR."""
import pytest

from tickets.domain.talon import (InvalidSnapshot, mask_policy, russian_date_time, local_time,
                                  talon_view, verification_code)

pytestmark = pytest.mark.unit


def view_of(event):
    data = event["data"]
    number = data["appointment"]["ticket"]["number"]
    return talon_view(data, number, verification_code("k", number), "8-800-200-56-03")


def test_date_and_time_are_shown_in_the_organizations_time_zone_with_the_weekday(appointment_event):
    view = view_of(appointment_event(start="2026-12-01T03:15:00+00:00"))
    assert view.date_text == "1 декабря 2026 г., 08:15"
    assert view.weekday == "вторник"
    assert view.when_text == "1 декабря 2026 г., 08:15 (вторник)"


def test_the_offset_in_the_start_is_used_when_the_time_zone_is_unknown(appointment_event):
    moment = local_time("2026-12-01T08:15:00+05:00", "Nowhere/Unknown")
    assert russian_date_time(moment) == "1 декабря 2026 г., 08:15"


def test_policy_is_masked_to_its_last_four_digits():
    assert mask_policy("9153") == "**** **** **** 9153"
    assert mask_policy("5680784863159153") == "**** **** **** 9153"


def test_policy_line_is_absent_when_no_policy_is_given(appointment_event):
    assert view_of(appointment_event(policy_last4=None)).policy_masked is None
    assert mask_policy("12") is None


def test_verification_code_depends_on_the_number_and_the_secret():
    code = verification_code("secret", "0001-000123")
    assert code == verification_code("secret", "0001-000123")
    assert code != verification_code("other", "0001-000123")
    assert code != verification_code("secret", "0001-000124")
    assert len(code) == 10 and code.isalnum()


def test_qr_payload_carries_the_number_and_the_verification_code(appointment_event):
    view = view_of(appointment_event(number="0007-000001"))
    assert view.qr_payload == f"TALON:0007-000001:{view.verification_code}"


def test_notes_tell_to_come_early_to_cancel_and_give_the_support_phone(appointment_event):
    notes = " ".join(view_of(appointment_event()).notes)
    assert "за 15 минут" in notes and "отмените запись" in notes and "8-800-200-56-03" in notes


def test_an_event_without_an_appointment_start_is_rejected():
    with pytest.raises(InvalidSnapshot):
        talon_view({"appointment": {"id": "x"}}, "1", "C", "8-800")
