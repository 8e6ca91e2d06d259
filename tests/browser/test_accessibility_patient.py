"""Every page of the patient flow and the cabinet, measured (issue 13): axe-core at WCAG 2.2 AA
finds 0 violations, and each page fits a 320 px phone and a 200 % zoom without sideways scrolling.
Screenshots at desktop and phone width go to test-artifacts/screenshots/a11y-*.png."""
from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import helpers_a11y as a11y  # noqa: E402
import helpers_staff as h  # noqa: E402

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def patient(api):
    """A patient of this module only: nobody else books for them."""
    token = h.staff_token(api, h.REGISTRAR)
    return h.register_patient(api, token, last_name="Зайцева", first_name="Нина",
                              middle_name="Фёдоровна", birth_date="1948-02-09", sex="F")


def _day_off(api, service: dict, doctor: dict) -> str:
    """A day of the coming fortnight without free times: the day page offers the waiting list."""
    today = date.today()
    days = requests.get(f"{api}/doctors/{doctor['id']}/days", timeout=h.TIMEOUT, params={
        "service_id": service["id"], "from": (today + timedelta(days=1)).isoformat(),
        "to": (today + timedelta(days=14)).isoformat()}).json()["items"]
    return next(d["date"] for d in days
                if not d["bookable"] and not h.free_slots(api, doctor["id"], service["id"], d["date"]))


def _browse_to_the_day(page, base, shot, service, doctor, day) -> None:
    page.goto(base + "/")
    a11y.sweep(page, "home", shot)
    page.get_by_role("link", name="г. Оренбург", exact=True).click()
    page.wait_for_selector("#organizations")
    a11y.sweep(page, "district", shot)
    page.click(f"#org-{h.ORGANIZATION}")
    page.wait_for_selector("#services")
    a11y.sweep(page, "organization", shot)
    page.click(f"#service-{service['id']}")
    page.wait_for_selector("#doctors")
    a11y.sweep(page, "service", shot)
    page.click(f"#doctor-{doctor['id']}")
    page.wait_for_selector("#day-grid")
    a11y.sweep(page, "doctor-grid", shot)
    page.click(f"#day-grid a.day.bookable[data-date='{day}']")
    page.wait_for_selector("#times")
    a11y.sweep(page, "day-times", shot)


def test_every_patient_page_passes_axe_and_fits_a_phone(a11y_page, shot, api, base, patient):
    page = a11y_page
    service, doctor, day, free = h.find_day(api, min_free=3, last_service=True, last_day=True)
    _browse_to_the_day(page, base, shot, service, doctor, day)

    page.click(f"#time-{free[0]['id']}")
    page.wait_for_selector("#consent-text")
    # The agreement is readable on the page itself, above the buttons, not behind a link.
    agreement = page.locator("#consent-text")
    assert agreement.is_visible() and len(agreement.inner_text()) > 200
    assert agreement.locator("a").count() == 0
    assert agreement.bounding_box()["y"] < page.locator("#accept-consent").bounding_box()["y"]
    a11y.sweep(page, "consent", shot)
    page.click("#accept-consent")
    page.wait_for_selector("#login-form")
    a11y.sweep(page, "login", shot)
    page.click("#login-submit")  # empty: the field errors
    page.wait_for_selector("#birth_date-error")
    a11y.sweep(page, "login-errors", shot)
    page.fill("#policy_number", patient["policy_number"])
    page.fill("#birth_date", h.dmy(patient["birth_date"]))
    page.click("#login-submit")
    page.wait_for_selector("#appointment-summary")
    appointment_id = page.url.split("/appointments/")[1].split("/")[0]
    try:
        a11y.sweep(page, "booked-talon", shot)
        page.click("#print-ticket")
        page.wait_for_selector("#talon-print")
        a11y.sweep(page, "print", shot)

        page.goto(f"{base}/cabinet")
        page.wait_for_selector(f"#appointment-{appointment_id}")
        a11y.sweep(page, "cabinet", shot)
        page.click(f"#appointment-{appointment_id} a.reschedule")
        page.wait_for_selector("#reschedule-mode")
        a11y.sweep(page, "reschedule-grid", shot)
        page.click(f"#day-grid a.day.bookable[data-date='{day}']")
        page.wait_for_selector("#times")
        a11y.sweep(page, "reschedule-day", shot)
        page.goto(f"{base}/cabinet/appointments/{appointment_id}/cancel")
        a11y.sweep(page, "cancel", shot)

        # Logged in, a time goes through the agreement to the confirmation page.
        page.goto(f"{base}/doctors/{doctor['id']}/day?service_id={service['id']}&date={day}")
        page.click(f"#time-{free[1]['id']}")
        page.wait_for_selector("#accept-consent")
        page.click("#accept-consent")
        page.wait_for_selector("#book-submit")
        a11y.sweep(page, "confirm", shot)
        page.click("#choose-other")
        page.wait_for_selector("#times")
    finally:
        h.cancel_appointment_as(api, patient, appointment_id)

    # A day without free times offers the waiting list; the cabinet then lists the request.
    off = _day_off(api, service, doctor)
    page.goto(f"{base}/doctors/{doctor['id']}/day?service_id={service['id']}&date={off}")
    page.wait_for_selector("#no-free-times")
    a11y.sweep(page, "day-no-free-times", shot)
    page.click("#waitlist-add")
    page.wait_for_selector("#waitlist li[data-testid=waitlist-entry]")
    a11y.sweep(page, "cabinet-waitlist", shot)
    page.click("#waitlist .waitlist-delete")
    page.wait_for_selector("#no-waitlist")

    page.goto(f"{base}/no-such-page")
    page.wait_for_selector("#error-message")
    a11y.sweep(page, "error-404", shot)


def test_the_time_taken_page_passes_axe(a11y_page, shot, api, base, stack):
    """Another person holds the time a moment earlier: the page offering other times."""
    page = a11y_page
    service, doctor, day, free = h.find_day(api, min_free=3, last_service=True, last_day=True)
    page.goto(f"{base}/doctors/{doctor['id']}/day?service_id={service['id']}&date={day}")
    held = requests.post(f"{stack.url('schedule')}/v1/slots/{free[-1]['id']}/hold",
                         json={"session_id": "a11y-rival"}, timeout=h.TIMEOUT)
    assert held.status_code == 201, held.text
    try:
        page.click(f"#time-{free[-1]['id']}")
        page.wait_for_selector("#slot-taken")
        a11y.sweep(page, "time-taken", shot)
    finally:
        requests.delete(f"{stack.url('schedule')}/v1/holds/{held.json()['hold_id']}",
                        timeout=h.TIMEOUT)
