"""Referrals (направления) in headless Chromium against the real stack: a patient without one is
told on the service page instead of failing at the end; the registrar issues one on the patient
card; the patient sees it in «Мои направления», books from it, and a cancel gives it back."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

sys.path.insert(0, str(Path(__file__).resolve().parent))
import helpers_a11y as a11y  # noqa: E402
import helpers_patient as hp  # noqa: E402
import helpers_staff as hs  # noqa: E402

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "shots"


def snap(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _context(browser):
    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900},
                                  bypass_csp=True)  # axe-core is injected
    context.set_default_timeout(15000)
    return context


def _referral_service(api: str) -> dict:
    services = requests.get(f"{api}/organizations/{hs.ORGANIZATION}/services",
                            timeout=10).json()["items"]
    return next(s for s in services if s.get("requires_referral") and s["self_bookable"])


def _own(api: str, patient: dict) -> list[dict]:
    headers = hs.patient_headers(api, patient["policy_number"], patient["birth_date"])
    return requests.get(f"{api}/referrals", headers=headers, timeout=10).json()["items"]


def test_a_patient_books_by_the_referral_the_reception_issued(browser, stack, api, base):
    service = _referral_service(api)
    patient = hs.own_patient(api, "Направленцева Ольга Ивановна", "1979-06-11", "F")
    patient_ctx, staff_ctx = _context(browser), _context(browser)
    try:
        page = patient_ctx.new_page()
        hs.patient_login(page, base, patient)
        expect(page.locator("#no-referrals")).to_be_visible()
        page.goto(f"{base}/organizations/{hs.ORGANIZATION}")
        expect(page.locator(f"#service-{service['id']} [data-testid=needs-referral]")) \
            .to_have_text("Нужно направление")
        hp.nav(page, f"#service-{service['id']}")
        expect(page.locator("#referral-missing")).to_contain_text("нет")
        expect(page.locator("#doctors")).to_have_count(0)  # no way to fail at the end
        a11y.assert_accessible(page, "service page without a referral")
        snap(page, "referrals-01-service-without-referral")

        desk = staff_ctx.new_page()
        hs.staff_login(desk, base, hs.REGISTRAR)
        desk.goto(f"{base}/staff/patients/{patient['id']}")
        expect(desk.locator("#referrals-empty")).to_be_visible()
        desk.select_option("#referral-target", f"service:{service['id']}")
        hp.nav(desk, "#issue-referral")
        expect(desk.locator("#flash-messages")).to_contain_text("Направление выписано")
        expect(desk.locator("#referral-list li")).to_have_count(1)
        expect(desk.locator("#referral-list li")).to_contain_text("действует")
        a11y.assert_accessible(desk, "patient card with a referral")
        snap(desk, "referrals-02-staff-card")

        page.goto(f"{base}/cabinet")
        item = page.locator("[data-testid=referral]")
        expect(item).to_have_count(1)
        expect(item).to_contain_text(service["name"])
        expect(item).to_contain_text("действует")
        a11y.assert_accessible(page, "cabinet with a referral")
        snap(page, "referrals-03-cabinet")
        hp.nav(page, ".book-by-referral")
        expect(page.locator("#referral-available")).to_be_visible()
        doctor, day, _ = hp.bookable_doctor(stack, service["id"])
        hp.nav(page, f"#doctor-{doctor['id']}")
        hp.nav(page, f"#day-grid a.day.bookable[data-date='{day}']")
        hp.nav(page, page.locator("#times button.time.free[data-slot-id]").first)
        if page.locator("#accept-consent").count():
            hp.nav(page, "#accept-consent")
        if page.locator("#book-submit").count():
            hp.nav(page, "#book-submit")
        if not page.locator("#appointment-summary").count():
            snap(page, "referrals-debug")
        page.wait_for_selector("#appointment-summary")
        appointment_id = page.url.split("/appointments/")[1].split("/")[0]
        (used,) = _own(api, patient)
        assert (used["status"], used["used_by_appointment_id"]) == ("used", appointment_id)

        page.goto(f"{base}/cabinet")
        expect(page.locator("[data-testid=referral]")).to_contain_text("использовано")
        expect(page.locator(".book-by-referral")).to_have_count(0)
        snap(page, "referrals-04-cabinet-used")
        hp.nav(page, f"#appointment-{appointment_id} a.cancel")
        hp.nav(page, "#confirm-cancel")
        expect(page.locator("[data-testid=referral]")).to_contain_text("действует")
        expect(page.locator(".book-by-referral")).to_have_count(1)
        snap(page, "referrals-05-cabinet-given-back")
        assert _own(api, patient)[0]["status"] == "active"
    finally:
        patient_ctx.close()
        staff_ctx.close()
