"""Booking on a patient's behalf, cancelling and rescheduling, and the audit trail."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

pytestmark = pytest.mark.integration


def text(response) -> str:
    return response.get_data(as_text=True)


def next_working_day() -> str:
    day = date.today() + timedelta(days=1)
    return (day + timedelta(days=1) if day.weekday() == 6 else day).isoformat()


def confirm_form(page: str) -> dict:
    form = re.search(r'<form id="step-confirm".*?</form>', page, re.S).group(0)
    hidden = re.findall(r'type="hidden" name="([a-z_]+)" value="([^"]*)"', form)
    return dict(hidden)  # the consent checkbox stays unticked until the test ticks it


def book(client, slot_id="101", consent=True):
    day = next_working_day()
    page = text(client.get(f"/staff/patients/p-1/book?service_id=svc-1&doctor_id=doc-1"
                           f"&date={day}&slot_id={slot_id}"))
    form = confirm_form(page)
    if consent:
        form["consent"] = "yes"
    return client.post("/staff/patients/p-1/book", form)


def test_wizard_walks_service_doctor_day_time_with_reception_slots(registrar, backend):
    step = text(registrar.get("/staff/patients/p-1/book"))
    assert 'data-step="service"' in step and 'id="service-svc-1"' in step
    step = text(registrar.get("/staff/patients/p-1/book?service_id=svc-1"))
    assert 'data-step="doctor"' in step and 'id="doctor-doc-1"' in step
    step = text(registrar.get("/staff/patients/p-1/book?service_id=svc-1&doctor_id=doc-1"))
    assert 'data-step="day"' in step and f'id="day-{next_working_day()}"' in step
    days_call = backend.calls[-1]
    assert days_call["args"]["channel"] == "reception"
    assert days_call["args"]["from"] == date.today().isoformat() or days_call["args"]["from"]
    step = text(registrar.get(f"/staff/patients/p-1/book?service_id=svc-1&doctor_id=doc-1"
                              f"&date={next_working_day()}"))
    assert 'data-step="time"' in step
    assert '<a id="slot-101"' in step and '<span id="slot-103" class="slot busy"' in step
    assert backend.calls[-1]["args"]["channel"] == "reception"


def test_confirm_step_asks_for_consent_of_the_current_version(registrar):
    page = text(registrar.get(f"/staff/patients/p-1/book?service_id=svc-1&doctor_id=doc-1"
                              f"&date={next_working_day()}&slot_id=101"))
    form = confirm_form(page)
    assert form["consent_version"] == "2026-01" and form["slot_id"] == "101"
    assert form["idempotency_key"]
    assert 'id="consent"' in page and 'id="confirm-button"' in page


def test_registrar_books_on_behalf_of_the_patient(registrar, backend):
    response = book(registrar)
    assert response.status_code == 302
    post = next(c for c in reversed(backend.calls) if c["path"] == "/v1/appointments"
                and c["method"] == "POST")
    assert post["json"] == {"patient_id": "p-1", "slot_id": "101", "service_id": "svc-1",
                            "consent_version": "2026-01"}
    assert post["headers"]["Idempotency-Key"]
    assert post["headers"]["Authorization"] == "Bearer " + backend.tokens["registrar"]
    card = text(registrar.get("/staff/patients/p-1"))
    assert "Пациент записан на" in card
    (appointment_id,) = backend.appointments
    assert f'id="appointment-{appointment_id}"' in card
    assert f'id="cancel-{appointment_id}"' in card and f'id="reschedule-{appointment_id}"' in card


def test_booking_without_consent_is_refused_before_the_booking_service(registrar, backend):
    response = book(registrar, consent=False)
    assert response.status_code == 422
    assert "согласие" in text(response)
    assert not backend.appointments


def test_a_slot_taken_meanwhile_returns_to_the_choice_of_time(registrar, backend):
    response = book(registrar, slot_id="999")
    assert response.status_code == 409
    page = text(response)
    assert "Это время уже занято" in page and 'data-step="time"' in page


def test_registrar_cancels_an_appointment_after_confirming(registrar, backend):
    book(registrar)
    (appointment_id,) = backend.appointments
    confirm = text(registrar.get(f"/staff/appointments/{appointment_id}/cancel"))
    assert 'id="cancel-confirm-button"' in confirm and "autofocus" in confirm
    response = registrar.post(f"/staff/appointments/{appointment_id}/cancel")
    assert response.status_code == 302 and response.headers["Location"].endswith("/patients/p-1")
    assert backend.appointments[appointment_id]["status"] == "cancelled"
    assert "Запись отменена" in text(registrar.get("/staff/patients/p-1"))


def test_registrar_reschedules_to_another_free_time(registrar, backend):
    book(registrar)
    (appointment_id,) = backend.appointments
    start = registrar.get(f"/staff/appointments/{appointment_id}/reschedule")
    assert start.status_code == 302 and "doctor_id=doc-1" in start.headers["Location"]
    page = text(registrar.get(f"/staff/appointments/{appointment_id}/reschedule?doctor_id=doc-1"
                              f"&date={next_working_day()}&slot_id=102"))
    form = confirm_form(page)
    response = registrar.post(f"/staff/appointments/{appointment_id}/reschedule", form)
    assert response.status_code == 302
    call = backend.calls[-1]
    assert call["path"] == f"/v1/appointments/{appointment_id}/reschedule"
    assert call["json"] == {"slot_id": "102"} and call["headers"]["Idempotency-Key"]
    assert backend.appointments[appointment_id]["slot_id"] == "102"


def test_a_failed_reschedule_keeps_the_appointment_and_explains(registrar, backend):
    book(registrar)
    (appointment_id,) = backend.appointments
    page = text(registrar.get(f"/staff/appointments/{appointment_id}/reschedule?doctor_id=doc-1"
                              f"&date={next_working_day()}&slot_id=999"))
    response = registrar.post(f"/staff/appointments/{appointment_id}/reschedule",
                              confirm_form(page))
    assert response.status_code == 409
    assert "Это время уже занято" in text(response)
    assert backend.appointments[appointment_id]["slot_id"] == "101"


def test_admin_reads_the_audit_trail_with_who_what_and_where(registrar, new_browser):
    book(registrar)
    admin = new_browser()
    admin.login("admin")
    page = text(admin.get("/staff/audit"))
    assert 'id="audit-table"' in page
    assert "st-1 (регистратор)" in page and "<td data-label=\"Что\">запись</td>" in page
    assert "29.11.2026 10:00" in page  # stored in UTC, shown in the clinic's time
    assert "127.0.0.1" in page


def test_audit_filters_become_instants_for_the_booking_service(admin, backend):
    admin.get("/staff/audit?actor_id=st-1&from=2026-11-01&to=2026-11-30")
    call = backend.calls[-1]
    assert call["path"] == "/v1/admin/audit"
    assert call["args"] == {"actor_id": "st-1", "from": "2026-11-01T00:00:00+05:00",
                            "to": "2026-12-01T00:00:00+05:00"}


def test_admin_books_in_the_patients_organization_or_chooses_one(admin, backend):
    page = text(admin.get("/staff/patients/p-1/book"))
    assert 'data-step="service"' in page and "organization_id=o-0001" in page
    backend.patients["p-1"]["attachments"] = []
    page = text(admin.get("/staff/patients/p-1/book"))
    assert 'data-step="organization"' in page and 'id="book-organization"' in page


def test_registrar_cannot_touch_an_appointment_of_another_organization(registrar, backend):
    foreign = backend.appointment("p-1", "101", "svc-1")
    foreign["organization"]["id"] = "o-0002"
    backend.appointments[foreign["id"]] = foreign
    assert registrar.get(f"/staff/appointments/{foreign['id']}/cancel").status_code == 403
    response = registrar.post(f"/staff/appointments/{foreign['id']}/cancel")
    assert response.status_code == 403
    assert foreign["status"] == "booked"
