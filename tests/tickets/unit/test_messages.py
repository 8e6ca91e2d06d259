"""Messages say only what the patient needs: medical secrecy for sensitive specialties."""
import pytest

from tickets.domain.messages import (appointment_messages, is_sensitive, mask_email, mask_phone,
                                     waitlist_messages)

pytestmark = pytest.mark.unit

CABINET = "http://portal.example/cabinet"


def messages(event, kind="booked"):
    return appointment_messages(kind, event["data"], cabinet_url=CABINET, support_phone="8-800-200-56-03")


def test_booked_sms_follows_the_short_template(appointment_event):
    sms = messages(appointment_event())["sms"]
    assert sms.body == ("Вы записаны на приём 01.12.2026 08:15, ГАУЗ «Городская клиническая "
                        "поликлиника № 1», каб. 214. Талон № 0001-000123.")


def test_booked_email_names_doctor_specialty_and_service_of_an_ordinary_visit(appointment_event):
    email = messages(appointment_event())["email"]
    assert email.subject == "Запись на приём 01.12.2026 08:15"
    assert "Сергеева Анна Викторовна (Терапия)" in email.body
    assert "Приём врача-терапевта участкового" in email.body
    assert "1 декабря 2026 г., 08:15 (вторник)" in email.body and CABINET in email.body


@pytest.mark.parametrize("specialty,service", [
    ("Онкология", "Приём врача-онколога"),
    ("Психиатрия", "Приём врача-психиатра"),
    ("Дерматовенерология", "Приём врача-дерматовенеролога"),
    ("Фтизиатрия", "Приём врача-фтизиатра"),
    ("Терапия", "Консультация в центре профилактики ВИЧ"),
])
def test_sensitive_specialty_service_and_doctor_are_never_in_messages(appointment_event, specialty, service):
    for kind in ("booked", "rescheduled", "cancelled", "reminder", "flagged"):
        for message in messages(appointment_event(specialty=specialty, service_name=service), kind).values():
            text = (message.subject or "") + message.body
            assert specialty not in text and service not in text
            assert "Сергеева" not in text
            assert "0001-000123" in text or kind in ("cancelled", "flagged")


def test_sensitive_matching_ignores_case_and_yo():
    assert is_sensitive("ОНКОЛОГИЯ") and is_sensitive(None, "приём врача-нарколога")
    assert not is_sensitive("Терапия", "Приём врача-терапевта участкового")


def test_sms_is_shorter_than_the_email_for_every_kind(appointment_event):
    for kind in ("booked", "rescheduled", "cancelled", "reminder", "flagged"):
        pair = messages(appointment_event(), kind)
        assert len(pair["sms"].body) < len(pair["email"].body)


def test_flagged_message_asks_to_reschedule_with_a_link_to_the_cabinet(appointment_event):
    pair = messages(appointment_event("appointment.flagged"), "flagged")
    assert "не состоится" in pair["sms"].body and CABINET in pair["sms"].body
    assert "перенесите запись" in pair["email"].body and CABINET in pair["email"].body


def test_waitlist_offer_has_the_link_and_hides_a_sensitive_service(waitlist_event):
    pair = waitlist_messages(waitlist_event()["data"], support_phone="8-800-200-56-03")
    assert "http://127.0.0.1:8000/book/slots/42" in pair["sms"].body
    assert "02.12.2026 09:00" in pair["sms"].body
    assert "онколог" not in (pair["email"].body + pair["sms"].body).lower()


def test_recipients_are_masked_for_people_and_logs():
    assert mask_email("ivanov@example.org") == "i***@example.org"
    assert mask_phone("+7 (922) 555-01-67") == "***0167"
    assert mask_email("broken") == "***"
