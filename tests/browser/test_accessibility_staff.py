"""Every page of the reception workspace /staff, measured (issue 13): axe-core at WCAG 2.2 AA finds
0 violations, and each page fits a 320 px phone and a 200 % zoom without sideways scrolling.
Screenshots at desktop and phone width go to test-artifacts/screenshots/a11y-staff-*.png."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import helpers_a11y as a11y  # noqa: E402
import helpers_staff as h  # noqa: E402

pytestmark = pytest.mark.browser
WIZARD = "#book-wizard[data-step='{}']"


@pytest.fixture(scope="module")
def patient(api):
    return h.own_patient(api, "Соколов Игорь Петрович", "1955-07-30", "M")


def _book_through_the_wizard(page, shot, api) -> str:
    """Service → doctor → day → time → confirm, each step swept; the new appointment's id."""
    service, doctor, day, free = h.find_day(api, min_free=2, last_service=True, last_day=True)
    a11y.walk(page, shot, [
        ("staff-book-service", "#book-button", WIZARD.format("service")),
        ("staff-book-doctor", f"#service-{service['id']}", WIZARD.format("doctor")),
        ("staff-book-day", f"#doctor-{doctor['id']}", WIZARD.format("day")),
        ("staff-book-time", f"#day-{day}", WIZARD.format("time")),
        ("staff-book-confirm", f"#slot-{free[0]['id']}", WIZARD.format("confirm")),
        # Without the patient's consent: the error on the page.
        ("staff-book-error", "#confirm-button", "#book-error")])
    page.check("#consent")
    page.click("#confirm-button")
    page.wait_for_selector("#appointments-active li.appointment")
    return page.locator("#appointments-active li.appointment").first.get_attribute(
        "id").removeprefix("appointment-")


def test_every_registrar_page_passes_axe_and_fits_a_phone(a11y_page, shot, api, base, patient):
    page = a11y_page
    a11y.walk(page, shot, [("staff-login", f"{base}/staff/login", "#staff-login-form")])
    page.fill("#login", "registrar")
    page.fill("#password", "wrong-password")
    a11y.walk(page, shot, [("staff-login-error", "#login-submit", "#login-error")])
    h.staff_login(page, base, h.REGISTRAR)
    a11y.sweep(page, "staff-search", shot)
    # Keyboard work: from the policy field (focused on arrival) back up to the menu and down to
    # the search button, every stop with a visible focus ring.
    a11y.tab_to(page, "#nav-search", key="Shift+Tab")
    a11y.tab_to(page, "#search-submit")

    page.fill("#search-last-name", patient["last_name"])
    page.fill("#search-birth-date", h.dmy(patient["birth_date"], "."))
    a11y.walk(page, shot, [
        ("staff-search-results", "#search-submit", f"#patient-link-{patient['id']}")])
    page.fill("#search-last-name", "Несуществующий")
    card = f"{base}/staff/patients/{patient['id']}"
    a11y.walk(page, shot, [
        ("staff-search-empty", "#search-submit", "#search-empty"),
        ("staff-patient-card", card, "#patient-card"),
        ("staff-patient-edit", "#patient-edit", "#patient-form"),
        ("staff-patient-new", "#nav-new-patient", "#patient-form"),
        # Empty: every required field says what it needs.
        ("staff-patient-new-errors", "#patient-submit", "#form-errors")])

    page.goto(card)
    appointment_id = _book_through_the_wizard(page, shot, api)
    try:
        a11y.walk(page, shot, [
            ("staff-patient-booked", card, f"#appointment-{appointment_id}"),
            ("staff-reschedule-day", f"#reschedule-{appointment_id}", WIZARD.format("day")),
            ("staff-cancel", f"{base}/staff/appointments/{appointment_id}/cancel",
             "#cancel-confirm-button"),
            ("staff-patient-cancelled", "#cancel-confirm-button", "#appointments-past")])
    except BaseException:
        h.cancel_appointment_as(api, patient, appointment_id)
        raise

    a11y.walk(page, shot, [
        ("staff-schedule-pick", "#nav-schedule", "#schedule-pick-form"),
        ("staff-schedule-doctor", "#schedule-pick-submit", "#template-form"),
        # No dates, no reason: the field errors.
        ("staff-schedule-absence-errors", "#absence-submit", "#error-absence-from"),
        ("staff-settings", "#nav-settings", "#settings-form"),
        ("staff-error-403", f"{base}/staff/audit", "#error-page")])


def test_every_admin_page_passes_axe_and_fits_a_phone(a11y_page, shot, api, base, patient):
    page = a11y_page
    unattached = h.register_patient(api, h.staff_token(api, h.ADMIN), last_name="Яковлев",
                                    first_name="Олег", middle_name="Ильич",
                                    birth_date="1961-01-15", sex="M", attached=False)
    h.staff_login(page, base, h.ADMIN)
    page.goto(f"{base}/staff/audit?patient_id={patient['id']}")
    a11y.walk(page, shot, [
        ("staff-admin-audit", "", "#audit-table, #audit-empty"),
        ("staff-admin-settings-pick", "#nav-settings", "#settings-pick-form")])
    page.fill("#settings-organization", h.ORGANIZATION)
    a11y.walk(page, shot, [
        ("staff-admin-settings", "#settings-pick-form button[type=submit]", "#settings-form"),
        ("staff-admin-schedule-pick", "#nav-schedule", "#schedule-pick-form"),
        # The admin attaches a new patient to any organization.
        ("staff-admin-patient-new", "#nav-new-patient", "#organization_id"),
        ("staff-admin-patient-card", f"{base}/staff/patients/{unattached['id']}", "#patient-card"),
        ("staff-admin-book-organization", "#book-button", WIZARD.format("organization"))])
