"""The personal cabinet: appointments, cancel, reschedule, waiting list, logout."""
from __future__ import annotations

import pytest

from .conftest import _appointment
from .test_ui_flow import csrf, login, text

pytestmark = pytest.mark.integration


@pytest.fixture()
def booked(client, fakes):
    fakes.appointments["a-1"] = _appointment("a-1", "2026-12-01-101")
    login(client)
    return fakes.appointments["a-1"]


def test_cabinet_requires_login(client, fakes):
    response = client.get("/cabinet")
    assert response.status_code == 302
    assert "/login?next=/cabinet" in response.headers["Location"]


def test_cabinet_lists_appointments_and_highlights_flagged_ones(client, fakes, booked):
    booked["flagged"] = {"reason": "Врач в этот день не принимает"}
    page = client.get("/cabinet")
    body = text(page)
    assert page.headers["Cache-Control"] == "no-store"
    assert 'id="appointment-a-1"' in body
    assert "flagged" in body and "Врач в этот день не принимает" in body
    assert "Перенести" in body


def test_cancel_asks_for_confirmation_then_posts_to_booking(client, fakes, booked):
    confirm = client.get("/cabinet/appointments/a-1/cancel")
    assert 'id="confirm-cancel"' in text(confirm)
    assert fakes.calls_to("booking", "/v1/appointments/a-1/cancel") == []
    done = client.post("/cabinet/appointments/a-1/cancel", data={"csrf_token": csrf(confirm.data)})
    assert done.headers["Location"].endswith("/cabinet")
    assert fakes.calls_to("booking", "/v1/appointments/a-1/cancel")[-1]["method"] == "POST"
    assert "Запись отменена" in text(client.get("/cabinet"))


def test_cancel_without_csrf_is_refused(client, fakes, booked):
    response = client.post("/cabinet/appointments/a-1/cancel")
    assert response.status_code == 403
    assert fakes.calls_to("booking", "/v1/appointments/a-1/cancel") == []


def test_reschedule_reuses_the_grid_and_posts_with_an_idempotency_key(client, fakes, booked):
    start = client.get("/cabinet/appointments/a-1/reschedule")
    location = start.headers["Location"]
    assert "/doctors/doc-1?" in location and "reschedule=a-1" in location
    grid = client.get(location)
    assert 'id="reschedule-mode"' in text(grid)
    day = client.get("/doctors/doc-1/day?service_id=svc-01&date=2026-12-02&reschedule=a-1")
    body = text(day)
    assert 'action="/cabinet/appointments/a-1/reschedule"' in body
    form = {"csrf_token": csrf(day.data), "slot_id": "2026-12-02-103", "doctor_id": "doc-1",
            "service_id": "svc-01", "date": "2026-12-02"}
    moved = client.post("/cabinet/appointments/a-1/reschedule", data=form)
    assert moved.headers["Location"].endswith("/appointments/a-1/talon")
    client.post("/cabinet/appointments/a-1/reschedule", data=form)  # a double click
    calls = fakes.calls_to("booking", "/v1/appointments/a-1/reschedule")
    assert calls[0]["json"] == {"slot_id": "2026-12-02-103"}
    assert calls[0]["headers"]["Idempotency-Key"] == calls[1]["headers"]["Idempotency-Key"]


def test_failed_reschedule_keeps_the_old_appointment_and_says_why(client, fakes, booked):
    fakes.taken.add("2026-12-02-103")
    day = client.get("/doctors/doc-1/day?service_id=svc-01&date=2026-12-02&reschedule=a-1")
    response = client.post("/cabinet/appointments/a-1/reschedule", data={
        "csrf_token": csrf(day.data), "slot_id": "2026-12-02-103", "doctor_id": "doc-1",
        "service_id": "svc-01", "date": "2026-12-02"})
    assert "reschedule=a-1" in response.headers["Location"]
    assert "Прежняя запись сохранена" in text(client.get(response.headers["Location"]))


def test_waiting_list_add_and_delete(client, fakes, booked):
    fakes.taken.update({"2026-12-03-101", "2026-12-03-103"})
    day = client.get("/doctors/doc-1/day?service_id=svc-01&date=2026-12-03")
    assert 'id="waitlist-add"' in text(day)
    added = client.post("/waitlist", data={
        "csrf_token": csrf(day.data), "organization_id": "o-0001", "service_id": "svc-01",
        "doctor_id": "doc-1", "from": "2026-12-03"})
    assert added.headers["Location"].endswith("/cabinet")
    sent = fakes.calls_to("booking", "/v1/waitlist")[-1]["json"]
    # The day page sends only "from"; the gateway asks for the two weeks the grid shows.
    assert sent == {"organization_id": "o-0001", "service_id": "svc-01", "doctor_id": "doc-1",
                    "from": "2026-12-03", "to": "2026-12-16"}
    cabinet = client.get("/cabinet")
    assert 'id="waitlist-w-1"' in text(cabinet)
    client.post("/waitlist/w-1/delete", data={"csrf_token": csrf(cabinet.data)})
    assert fakes.calls_to("booking", "/v1/waitlist/w-1")[-1]["method"] == "DELETE"


def test_waiting_list_asks_an_anonymous_visitor_to_log_in_first(client, fakes):
    day = client.get("/doctors/doc-1/day?service_id=svc-01&date=2026-12-03")
    back = "/doctors/doc-1/day?service_id=svc-01&date=2026-12-03"
    response = client.post("/waitlist", data={"csrf_token": csrf(day.data), "back": back,
                                              "organization_id": "o-0001"})
    assert "/login?next=" in response.headers["Location"]
    assert fakes.calls_to("booking") == []


def test_talon_of_another_patient_is_not_found(client, fakes, booked):
    assert client.get("/appointments/a-999/talon").status_code == 404


def test_pdf_page_waits_while_the_talon_renders(client, fakes, booked):
    waiting = client.get("/appointments/a-1/ticket.pdf")
    assert waiting.status_code == 202
    assert 'http-equiv="refresh"' in text(waiting) and "Талон готовится" in text(waiting)
    fakes.ticket_ready = True
    ready = client.get("/appointments/a-1/ticket.pdf")
    assert ready.status_code == 200 and ready.content_type == "application/pdf"


def test_calendar_download(client, fakes, booked):
    response = client.get("/appointments/a-1/calendar.ics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/calendar")


def test_logout_revokes_the_token_and_forgets_the_session(client, fakes, booked):
    page = client.get("/cabinet")
    response = client.post("/logout", data={"csrf_token": csrf(page.data)})
    assert response.headers["Location"].endswith("/")
    assert fakes.calls_to("auth", "/v1/auth/logout")[-1]["headers"]["Authorization"] == \
        "Bearer tok-patient-1"
    assert client.get("/cabinet").status_code == 302


def test_ui_shows_a_friendly_page_when_a_service_is_down(gateway_db, fake_urls, fakes):
    from gateway.app import create_app

    from .conftest import make_settings

    urls = {**fake_urls, "catalog": "http://127.0.0.1:9"}
    response = create_app(make_settings(gateway_db, urls, http_timeout_seconds=0.5)) \
        .test_client().get("/")
    assert response.status_code == 503
    assert response.content_type.startswith("text/html")
    assert "временно недоступен" in text(response)


def test_talon_of_a_cancelled_appointment_is_void(client, fakes, booked):
    booked["status"] = "cancelled"
    page = client.get("/appointments/a-1/ticket.pdf")
    assert page.status_code == 410
    assert "талон недействителен" in text(page)
    api = client.get("/api/v1/appointments/a-1/ticket.pdf",
                     headers={"Authorization": "Bearer tok-patient-1"})
    assert api.status_code == 410 and api.get_json()["error"]["code"] == "ticket_void"


def test_login_gives_a_fresh_csrf_token(client, fakes):
    before = csrf(client.get("/login").data)
    login(client)
    assert csrf(client.get("/cabinet").data) != before
