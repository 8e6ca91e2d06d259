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


@pytest.fixture(scope="module")
def patient(api):
    token = h.staff_token(api, h.REGISTRAR)
    return h.register_patient(api, token, last_name="Соколов", first_name="Игорь",
                              middle_name="Петрович", birth_date="1955-07-30", sex="M")


def _wizard(page, step: str) -> None:
    page.wait_for_selector(f"#book-wizard[data-step='{step}']")


def _book_through_the_wizard(page, shot, api, patient) -> str:
    """Service → doctor → day → time → confirm, each step swept; the new appointment's id."""
    service, doctor, day, free = h.find_day(api, min_free=2, last_service=True, last_day=True)
    page.click("#book-button")
    _wizard(page, "service")
    a11y.sweep(page, "staff-book-service", shot)
    page.click(f"#service-{service['id']}")
    _wizard(page, "doctor")
    a11y.sweep(page, "staff-book-doctor", shot)
    page.click(f"#doctor-{doctor['id']}")
    _wizard(page, "day")
    a11y.sweep(page, "staff-book-day", shot)
    page.click(f"#day-{day}")
    _wizard(page, "time")
    a11y.sweep(page, "staff-book-time", shot)
    page.click(f"#slot-{free[0]['id']}")
    _wizard(page, "confirm")
    a11y.sweep(page, "staff-book-confirm", shot)
    page.click("#confirm-button")  # without the patient's consent: the error on the page
    page.wait_for_selector("#book-error")
    a11y.sweep(page, "staff-book-error", shot)
    page.check("#consent")
    page.click("#confirm-button")
    page.wait_for_selector("#appointments-active li.appointment")
    return page.locator("#appointments-active li.appointment").first.get_attribute(
        "id").removeprefix("appointment-")


def test_every_registrar_page_passes_axe_and_fits_a_phone(a11y_page, shot, api, base, patient):
    page = a11y_page
    page.goto(f"{base}/staff/login")
    a11y.sweep(page, "staff-login", shot)
    page.fill("#login", "registrar")
    page.fill("#password", "wrong-password")
    page.click("#login-submit")
    page.wait_for_selector("#login-error")
    a11y.sweep(page, "staff-login-error", shot)
    h.staff_login(page, base, h.REGISTRAR)
    a11y.sweep(page, "staff-search", shot)
    # Keyboard work: from the policy field (focused on arrival) back up to the menu and down to
    # the search button, every stop with a visible focus ring.
    a11y.tab_to(page, "#nav-search", key="Shift+Tab")
    a11y.tab_to(page, "#search-submit")

    page.fill("#search-last-name", patient["last_name"])
    page.fill("#search-birth-date", h.dmy(patient["birth_date"], "."))
    page.click("#search-submit")
    page.wait_for_selector(f"#patient-link-{patient['id']}")
    a11y.sweep(page, "staff-search-results", shot)
    page.fill("#search-last-name", "Несуществующий")
    page.click("#search-submit")
    page.wait_for_selector("#search-empty")
    a11y.sweep(page, "staff-search-empty", shot)

    page.goto(f"{base}/staff/patients/{patient['id']}")
    page.wait_for_selector("#patient-card")
    a11y.sweep(page, "staff-patient-card", shot)
    page.click("#patient-edit")
    page.wait_for_selector("#patient-form")
    a11y.sweep(page, "staff-patient-edit", shot)
    page.click("#nav-new-patient")
    page.wait_for_selector("#patient-form")
    a11y.sweep(page, "staff-patient-new", shot)
    page.click("#patient-submit")  # empty: every required field says what it needs
    page.wait_for_selector("#form-errors")
    a11y.sweep(page, "staff-patient-new-errors", shot)

    page.goto(f"{base}/staff/patients/{patient['id']}")
    appointment_id = _book_through_the_wizard(page, shot, api, patient)
    try:
        a11y.sweep(page, "staff-patient-booked", shot)
        page.click(f"#reschedule-{appointment_id}")
        _wizard(page, "day")
        a11y.sweep(page, "staff-reschedule-day", shot)
        page.goto(f"{base}/staff/patients/{patient['id']}")
        page.click(f"#cancel-{appointment_id}")
        page.wait_for_selector("#cancel-confirm-button")
        a11y.sweep(page, "staff-cancel", shot)
        page.click("#cancel-confirm-button")
        page.wait_for_selector("#appointments-past")
        a11y.sweep(page, "staff-patient-cancelled", shot)
    except BaseException:
        h.cancel_appointment_as(api, patient, appointment_id)
        raise

    page.click("#nav-schedule")
    page.wait_for_selector("#schedule-pick-form")
    a11y.sweep(page, "staff-schedule-pick", shot)
    page.click("#schedule-pick-submit")
    page.wait_for_selector("#template-form")
    a11y.sweep(page, "staff-schedule-doctor", shot)
    page.click("#absence-submit")  # no dates, no reason: the field errors
    page.wait_for_selector("#error-absence-from")
    a11y.sweep(page, "staff-schedule-absence-errors", shot)
    page.click("#nav-settings")
    page.wait_for_selector("#settings-form")
    a11y.sweep(page, "staff-settings", shot)
    page.goto(f"{base}/staff/audit")
    page.wait_for_selector("#error-page")
    a11y.sweep(page, "staff-error-403", shot)


def test_every_admin_page_passes_axe_and_fits_a_phone(a11y_page, shot, api, base, patient):
    page = a11y_page
    unattached = h.register_patient(api, h.staff_token(api, h.ADMIN), last_name="Яковлев",
                                    first_name="Олег", middle_name="Ильич",
                                    birth_date="1961-01-15", sex="M", attached=False)
    h.staff_login(page, base, h.ADMIN)
    page.click("#nav-audit")
    page.wait_for_selector("#audit-filter-form")
    page.fill("#audit-patient", patient["id"])
    page.click("#audit-submit")
    page.wait_for_selector("#audit-table, #audit-empty")
    a11y.sweep(page, "staff-admin-audit", shot)
    page.click("#nav-settings")
    page.wait_for_selector("#settings-pick-form")
    a11y.sweep(page, "staff-admin-settings-pick", shot)
    page.fill("#settings-organization", h.ORGANIZATION)
    page.locator("#settings-pick-form button[type=submit]").click()
    page.wait_for_selector("#settings-form")
    a11y.sweep(page, "staff-admin-settings", shot)
    page.click("#nav-schedule")
    page.wait_for_selector("#schedule-pick-form")
    a11y.sweep(page, "staff-admin-schedule-pick", shot)
    page.click("#nav-new-patient")
    page.wait_for_selector("#organization_id")  # the admin attaches to any organization
    a11y.sweep(page, "staff-admin-patient-new", shot)
    page.goto(f"{base}/staff/patients/{unattached['id']}")
    page.click("#book-button")
    _wizard(page, "organization")
    a11y.sweep(page, "staff-admin-book-organization", shot)
