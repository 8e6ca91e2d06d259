"""A whole booking by keyboard alone (issue 13): from the home page to the booked talon with Tab,
Enter and Space only (and typing into the login fields), every element passed on the way showing
a visible focus that contrasts with what is around it."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import helpers_a11y as a11y  # noqa: E402
import helpers_staff as h  # noqa: E402

pytestmark = pytest.mark.browser
STEPS = "#appointment-summary, #accept-consent, #login-form, #book-submit"


@pytest.fixture(scope="module")
def patient(api):
    return h.own_patient(api, "Лебедев Юрий Андреевич", "1951-10-08", "M")


def _follow(page, selector: str, key: str = "Enter") -> None:
    """Tab to a link or button and press Enter (or Space) on it: the next page loads."""
    a11y.tab_to(page, selector)
    with page.expect_navigation():
        page.keyboard.press(key)


def _log_in(page, patient: dict) -> None:
    a11y.tab_to(page, "#policy_number")
    page.keyboard.type(patient["policy_number"])
    a11y.tab_to(page, "#birth_date")
    year, month, day = patient["birth_date"].split("-")
    page.keyboard.type(day + month + year)  # digits only: the field puts in the dashes
    assert page.input_value("#birth_date") == h.dmy(patient["birth_date"])
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _agreement_login_confirm(page, patient: dict) -> None:
    """Whatever the flow asks after the time (agreement, login, confirmation), by keyboard."""
    for _ in range(4):
        page.wait_for_selector(STEPS)
        if page.locator("#appointment-summary").count():
            return
        if page.locator("#accept-consent").count():
            # The agreement is readable before accepting: its box takes the focus to scroll.
            a11y.tab_to(page, "#consent-text")
            page.keyboard.press("PageDown")
            _follow(page, "#accept-consent", "Space")
        elif page.locator("#login-form").count():
            _log_in(page, patient)
        else:
            _follow(page, "#book-submit", "Space")
    raise AssertionError(f"the booking did not reach the talon: {page.url}")


def test_a_whole_booking_by_keyboard_alone(page, api, base, patient, shot):
    service, doctor, day, free = h.find_day(api, min_free=2, last_service=True, last_day=True)
    page.goto(base + "/")
    district = page.get_by_role("link", name="г. Оренбург", exact=True).get_attribute("id")
    first = a11y.tab_to(page, ".skip-link")  # the first stop skips the header
    assert first["outline"] != "none"
    _follow(page, f"#{district}")
    _follow(page, f"#org-{h.ORGANIZATION}")
    _follow(page, f"#service-{service['id']}")
    _follow(page, f"#doctor-{doctor['id']}")
    _follow(page, f"#day-grid a.day.bookable[data-date='{day}']")
    shot(page, "keyboard-01-times-focused")
    _follow(page, f"#time-{free[0]['id']}", "Space")
    _agreement_login_confirm(page, patient)

    appointment_id = page.url.split("/appointments/")[1].split("/")[0]
    try:
        assert patient["full_name"] in page.inner_text("#summary-patient")
        # From the booked page: print the talon, add it to a calendar, by keyboard too.
        a11y.tab_to(page, "#print-ticket")
        a11y.tab_to(page, "#download-ics")
        shot(page, "keyboard-02-talon-focused")
        a11y.tab_to(page, "#print-ticket", key="Shift+Tab")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_selector("#talon-print")
        a11y.tab_to(page, "#print-now")
    finally:
        h.cancel_appointment_as(api, patient, appointment_id)
