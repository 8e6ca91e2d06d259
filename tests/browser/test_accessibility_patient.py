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
import helpers_patient  # noqa: E402
import helpers_staff as h  # noqa: E402

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def patient(api):
    return h.own_patient(api, "Зайцева Нина Фёдоровна", "1948-02-09", "F")


def _day_off(api, service: dict, doctor: dict) -> str:
    """A day of the coming fortnight without free times: the day page offers the waiting list."""
    today = date.today()
    days = requests.get(f"{api}/doctors/{doctor['id']}/days", timeout=h.TIMEOUT, params={
        "service_id": service["id"], "from": (today + timedelta(days=1)).isoformat(),
        "to": (today + timedelta(days=14)).isoformat()}).json()["items"]
    return next(d["date"] for d in days
                if not d["bookable"] and not h.free_slots(api, doctor["id"], service["id"], d["date"]))


def _assert_agreement_readable(page) -> None:
    """The agreement is readable on the page itself, above the buttons, not behind a link."""
    agreement = page.locator("#consent-text")
    assert agreement.is_visible() and len(agreement.inner_text()) > 200
    assert agreement.locator("a").count() == 0
    assert agreement.bounding_box()["y"] < page.locator("#accept-consent").bounding_box()["y"]


def test_every_patient_page_passes_axe_and_fits_a_phone(a11y_page, shot, api, base, patient):
    page = a11y_page
    service, doctor, day, free = h.find_day(api, min_free=3, last_service=True, last_day=True)
    day_page = f"{base}/doctors/{doctor['id']}/day?service_id={service['id']}&date={day}"
    a11y.walk(page, shot, [
        ("home", base + "/", "#districts"),
        ("district", "#districts a:text-is('г. Оренбург')", "#organizations"),
        ("organization", f"#org-{h.ORGANIZATION}", "#services"),
        ("service", f"#service-{service['id']}", "#doctors"),
        ("doctor-grid", f"#doctor-{doctor['id']}", "#day-grid"),
        ("day-times", f"#day-grid a.day.bookable[data-date='{day}']", "#times"),
        ("consent", f"#time-{free[0]['id']}", "#consent-text")])
    _assert_agreement_readable(page)
    a11y.walk(page, shot, [("login", "#accept-consent", "#login-form"),
                           ("login-errors", "#login-submit", "#birth_date-error")])
    page.fill("#policy_number", patient["policy_number"])
    page.fill("#birth_date", h.dmy(patient["birth_date"]))
    page.click("#login-submit")
    page.wait_for_selector("#appointment-summary")
    appointment_id = page.url.split("/appointments/")[1].split("/")[0]
    try:
        a11y.sweep(page, "booked-talon", shot)
        a11y.walk(page, shot, [
            ("print", "#print-ticket", "#talon-print"),
            ("cabinet", f"{base}/cabinet", f"#appointment-{appointment_id}"),
            ("reschedule-grid", f"#appointment-{appointment_id} a.reschedule", "#reschedule-mode"),
            ("reschedule-day", f"#day-grid a.day.bookable[data-date='{day}']", "#times"),
            ("cancel", f"{base}/cabinet/appointments/{appointment_id}/cancel", "#confirm-cancel"),
            # Logged in, a time goes through the agreement to the confirmation page.
            ("day-logged-in", day_page, f"#time-{free[1]['id']}"),
            ("consent-logged-in", f"#time-{free[1]['id']}", "#accept-consent"),
            ("confirm", "#accept-consent", "#book-submit")])
        page.click("#choose-other")
        page.wait_for_selector("#times")
    finally:
        h.cancel_appointment_as(api, patient, appointment_id)

    # A day without free times offers the waiting list; the cabinet then lists the request.
    off = _day_off(api, service, doctor)
    a11y.walk(page, shot, [
        ("day-no-free-times", day_page.replace(day, off), "#no-free-times"),
        ("cabinet-waitlist", "#waitlist-add", "#waitlist li[data-testid=waitlist-entry]")])
    page.click("#waitlist .waitlist-delete")
    page.wait_for_selector("#no-waitlist")
    a11y.walk(page, shot, [("error-404", f"{base}/no-such-page", "#error-message")])


def test_the_time_taken_page_passes_axe(a11y_page, shot, api, base, stack):
    """Another person holds the time a moment earlier: the page offering other times."""
    service, doctor, day, free = h.find_day(api, min_free=3, last_service=True, last_day=True)
    a11y_page.goto(f"{base}/doctors/{doctor['id']}/day?service_id={service['id']}&date={day}")
    rival = helpers_patient.api_login(stack, helpers_patient.OTHER_POLICY,
                                      helpers_patient.OTHER_BIRTH_ISO)  # holds need a login
    held = requests.post(f"{stack.url('schedule')}/v1/slots/{free[-1]['id']}/hold",
                         json={"session_id": "a11y-rival"}, headers=rival, timeout=h.TIMEOUT)
    assert held.status_code == 201, held.text
    try:
        a11y.walk(a11y_page, shot, [("time-taken", f"#time-{free[-1]['id']}", "#slot-taken")])
    finally:
        requests.delete(f"{stack.url('schedule')}/v1/holds/{held.json()['hold_id']}",
                        timeout=h.TIMEOUT)
