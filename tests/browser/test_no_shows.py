"""No-shows in headless Chromium against the real stack (issue 12, part 4): a registrar sets the
organization's rule in the settings form, marks two past appointments «Не пришёл» on the day's
list, sees the counts per doctor; the patient's cabinet and the organization's page then show
that online booking is suspended, with the reason and the end date.

The appointments are booked through the API and moved into the past in booking's database (the
clock of a running stack is the real one)."""
from __future__ import annotations

import json
import sys
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
import helpers_a11y as a11y  # noqa: E402
import helpers_staff as h  # noqa: E402

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "shots"
TIMEOUT = 15


def _registrar(stack, organization_id: str) -> tuple[str, str]:
    password = f"pw-{uuid.uuid4().hex}"
    stack.extra_env["AUTH_STAFF_PASSWORD"] = password
    login = f"ns-{uuid.uuid4().hex[:8]}"
    stack.run_step("auth", "create-staff", "--login", login, "--role", "registrar",
                   "--organization-id", organization_id, quiet=True)
    return login, password


def _offers(api: str, organization_id: str) -> list[tuple[dict, dict]]:
    """(service, free slot) of two portal-bookable services of distinct specialties."""
    found, seen = [], set()
    for service in h.self_bookable_services(api, organization_id):
        if service["specialty"] in seen:
            continue
        doctors = requests.get(f"{api}/organizations/{organization_id}/services/{service['id']}"
                               "/doctors", timeout=TIMEOUT).json()["items"]
        for doctor in doctors:
            days = [d for d in h.bookable_days(api, doctor["id"], service["id"])
                    if d > date.today().isoformat()]
            slots = h.free_slots(api, doctor["id"], service["id"], days[-1]) if days else []
            if slots:
                seen.add(service["specialty"])
                found.append((service, slots[-1]))
                break
        if len(found) == 2:
            return found
    return found


def _clinic(stack, api: str) -> tuple[dict, list]:
    """An organization from the end of the region (the other tests work in its first ones)."""
    region = json.loads(stack.region_file.read_text())
    for org in reversed(region["organizations"][1:]):
        offers = _offers(api, org["id"])
        if len(offers) == 2:
            return org, offers
    raise AssertionError("no organization with two portal-bookable specialties")


def _into_the_past(stack, appointment_id: str, minutes: int) -> datetime:
    start = datetime.now(timezone.utc) - timedelta(minutes=minutes)
    engine = create_engine(stack.database_urls["booking"])
    with engine.begin() as conn:
        conn.execute(text("UPDATE appointments SET start_utc = :s, end_utc = :e WHERE id = :id"),
                     {"s": start, "e": start + timedelta(minutes=5), "id": appointment_id})
    engine.dispose()
    return start


def _patient(api: str, token: str, organization_id: str) -> dict:
    enp = h.new_enp()
    body = {"last_name": "Неявкина", "first_name": "Ольга", "middle_name": "Сергеевна",
            "birth_date": "1988-02-09", "sex": "F", "identity_documents": [],
            "policy": {"type": "oms_unified", "number": enp},
            "attachment": {"organization_id": organization_id}}
    answer = requests.post(f"{api}/registry/patients", json=body, timeout=TIMEOUT,
                           headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 201, answer.text
    return {**answer.json(), "policy_number": enp, "birth_date": body["birth_date"]}


def _staff_login(page, base: str, login: str, password: str) -> None:
    page.goto(f"{base}/staff/login")
    page.wait_for_selector("#login:focus")
    page.keyboard.type(login)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_selector("#logout-button")


def _set_rule(page) -> None:
    page.click("#nav-settings")
    page.wait_for_selector("#no-show-rule")
    page.fill("#no_show_limit", "2")
    page.fill("#no_show_window_days", "90")
    page.fill("#no_show_suspend_days", "30")
    page.click("#settings-submit")
    page.wait_for_selector("#flash-messages")
    assert page.input_value("#no_show_limit") == "2"


def _shot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def test_marks_on_the_day_list_suspend_online_booking_shown_to_the_patient(browser, stack, api,
                                                                           base):
    org, offers = _clinic(stack, api)
    login, password = _registrar(stack, org["id"])
    staff = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900},
                                  bypass_csp=True)
    staff.set_default_timeout(15000)
    page = staff.new_page()
    _staff_login(page, base, login, password)
    _set_rule(page)  # before the bookings: booking reads the rule with the doctor's context

    token = h.staff_token(api, (login, password))
    patient = _patient(api, token, org["id"])
    headers = h.patient_headers(api, patient["policy_number"], patient["birth_date"])
    booked = [h.book(api, headers, service, slot) for service, slot in offers]
    starts = [_into_the_past(stack, a["id"], minutes) for a, minutes in zip(booked, (30, 20))]
    local_day = starts[0].astimezone(ZoneInfo(org.get("timezone") or "Asia/Yekaterinburg")).date()

    page.click("#nav-attendance")
    page.fill("#attendance-date", local_day.strftime("%d.%m.%Y"))
    page.click("#attendance-show")
    for appointment in booked:
        page.wait_for_selector(f"#attendance-{appointment['id']}")
    a11y.assert_accessible(page, "the day's attendance list")
    page.click(f"#no-show-{booked[0]['id']}")
    page.wait_for_selector(f"#attendance-{booked[0]['id']}[data-attendance='no_show']")
    page.click(f"#no-show-{booked[1]['id']}")
    page.wait_for_selector(f"#attendance-{booked[1]['id']}[data-attendance='no_show']")
    flashes = page.locator("#flash-messages").inner_text()
    assert "Онлайн-запись пациента приостановлена до" in flashes
    assert page.locator(f"#attendance-{booked[0]['id']} .attendance-state").inner_text() \
        == "не пришёл"
    _shot(page, "noshow-01-day-list-marked")

    page.click("#nav-no-shows")
    page.wait_for_selector("#no-shows-table")
    assert int(page.locator("#no-shows-total-no-show").inner_text()) >= 2
    for appointment in booked:
        row = page.locator(f"#no-shows-{appointment['doctor']['id']}")
        assert int(row.locator("td.no-show").inner_text()) >= 1
    a11y.assert_accessible(page, "the no-show counts")
    _shot(page, "noshow-02-counts")
    staff.close()

    cabinet = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900},
                                  bypass_csp=True)
    cabinet.set_default_timeout(15000)
    tab = cabinet.new_page()
    tab.goto(f"{base}/login?next=/cabinet")
    tab.fill("#policy_number", patient["policy_number"])
    tab.fill("#birth_date", "09-02-1988")
    with tab.expect_navigation():
        tab.click("#login-submit")
    tab.wait_for_url("**/cabinet*")
    notice = tab.locator("[data-testid='restriction']")
    notice.wait_for()
    message = notice.inner_text()
    assert f"Онлайн-запись в {org['name']} приостановлена до" in message
    assert "2 неявки за 90 дней" in message and "через регистратуру" in message
    a11y.assert_accessible(tab, "the cabinet with a restriction")
    _shot(tab, "noshow-03-cabinet")
    tab.goto(f"{base}/organizations/{org['id']}")
    assert tab.locator("#booking-restriction").inner_text().startswith(message)
    _shot(tab, "noshow-04-organization")
    cabinet.close()
