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


def _organization_event(appointment_event, name: str, type_name: str | None = None) -> dict:
    event = appointment_event()
    organization = event["data"]["appointment"]["organization"]
    organization["name"] = name
    if type_name is not None:
        organization["type"] = type_name
    return event


@pytest.mark.parametrize("name,type_name", [
    ("ГАУЗ «Женская консультация № 2» г. Оренбурга", None),
    ("ГБУЗ «Оренбургский областной клинический онкологический диспансер»", None),
    ("ГБУЗ «Онкодиспансер» г. Орска", None),
    ("ГБУЗ «Оренбургский областной клинический психоневрологический диспансер»", None),
    ("ГБУЗ «Противотуберкулёзный диспансер»", None),
    ("ГАУЗ «Оренбургский областной центр по профилактике и борьбе со СПИДом»", None),
    ("ГАУЗ «Перинатальный центр»", None),
    ("ГАУЗ «Кожно-венерологический диспансер»", None),
    ("ГАУЗ «Консультация № 2» г. Оренбурга", "Женские консультации"),
    ("ГАУЗ «Диспансер № 3»", "Наркологические диспансеры"),
], ids=["women", "oncology", "onco-short", "psychoneuro", "tuberculosis", "hiv", "perinatal",
        "venereal", "women-type", "narcology-type"])
def test_a_sensitive_organization_name_or_type_leaves_only_time_number_and_link(
        appointment_event, name, type_name):
    event = _organization_event(appointment_event, name, type_name)
    for kind in ("booked", "rescheduled", "cancelled", "reminder", "flagged"):
        for message in messages(event, kind).values():
            text = (message.subject or "") + message.body
            # Neither the organization, its address, the doctor, specialty, service nor room.
            for secret in (name, "Советская", "Сергеева", "Терапия", "терапевта", "214"):
                assert secret not in text, (kind, message.channel, secret)
            assert "01.12.2026 08:15" in text or "1 декабря 2026 г., 08:15" in text
            assert CABINET in text  # the neutral text points to the cabinet (after login)
            if kind not in ("cancelled", "flagged"):
                assert "0001-000123" in text


def test_a_sensitive_specialty_also_drops_the_organization_and_the_room(appointment_event):
    event = appointment_event(specialty="Онкология", service_name="Приём врача-онколога")
    for message in messages(event, "booked").values():
        assert "Городская клиническая" not in message.body and "214" not in message.body


def test_an_ordinary_organization_name_and_type_stay_in_the_messages(appointment_event):
    event = _organization_event(appointment_event, "ГАУЗ «Городская поликлиника № 3»",
                                "Городские поликлиники")
    pair = messages(event, "booked")
    assert pair["sms"].body == ("Вы записаны на приём 01.12.2026 08:15, ГАУЗ «Городская "
                                "поликлиника № 3», каб. 214. Талон № 0001-000123.")
    assert "Сергеева Анна Викторовна (Терапия)" in pair["email"].body
    assert "г. Оренбург, ул. Советская, д. 1" in pair["email"].body


def test_a_waitlist_offer_of_a_sensitive_organization_names_neither_it_nor_the_doctor(
        waitlist_event):
    data = waitlist_event()["data"]
    data["service"]["name"] = "Приём врача-терапевта"
    data["organization"].update(name="ГАУЗ «Женская консультация № 1»", address="ул. Мира, 5")
    pair = waitlist_messages(data, support_phone="8-800-200-56-03")
    for message in pair.values():
        assert "Женская" not in message.body and "Мира" not in message.body
        assert "http://127.0.0.1:8000/book/slots/42" in message.body
        assert "02.12.2026 09:00" in message.body or "2 декабря 2026 г., 09:00" in message.body


def test_short_stems_match_whole_words_only():
    assert is_sensitive("ГАУЗ «Центр профилактики ВИЧ-инфекции»") and is_sensitive("Центр СПИД")
    assert is_sensitive(None, "Консультация перед ЭКО")
    assert not is_sensitive("Больница им. Петра Ивановича", "Экология жилища", "Терапия")
