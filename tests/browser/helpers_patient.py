"""Helpers of the patient-side browser tests: the public API of the running stack (to choose a
doctor with free time, to clean up bookings) and the click-through of the seed's first steps."""
from __future__ import annotations

import re
from datetime import date, timedelta

import requests

DEMO_POLICY = "5680784863159153"
DEMO_BIRTH_DMY = "14-03-1985"
DEMO_BIRTH_ISO = "1985-03-14"
DEMO_NAME = "Иванова Мария Петровна"
# Петров is registered (matched by policy); he plays "another patient" in races.
OTHER_POLICY = "5649309309826023"
OTHER_BIRTH_ISO = "1972-11-02"
ORG = "o-0001"
# Specialties are divided between the tests of this module so that bookings never collide (one
# active appointment per specialty per patient); the e2e API test takes the first one (Хирургия).
SERVICE_BROWSE = "svc-0001-04"   # Офтальмология: browsing only, nothing is held or booked
SERVICE_BOOK = "svc-0001-06"     # Неврология: the whole flow, cancelled at the end
SERVICE_RACE = "svc-0001-07"     # Кардиология: two people race for one time (holds only)
SERVICE_MOBILE = "svc-0001-05"   # Оториноларингология: phone-sized screenshots
GRID_DAYS = 14
SUPPORT_PHONE = "8-800-200-56-03"


def api(stack) -> str:
    return stack.url("gateway") + "/api/v1"


def service_info(stack, service_id: str, organization_id: str = ORG) -> dict:
    items = requests.get(f"{api(stack)}/organizations/{organization_id}/services",
                         timeout=10).json()["items"]
    return next(s for s in items if s["id"] == service_id)


def free_slots(stack, doctor_id: str, service_id: str, day: str) -> list[dict]:
    """Free times straight from the schedule service: the gateway's public API answers from a
    two-second micro-cache, too stale to see a hold made a moment ago."""
    items = requests.get(f"{stack.url('schedule')}/v1/doctors/{doctor_id}/slots",
                         params={"service_id": service_id, "date": day}, timeout=10).json()["items"]
    return [slot for slot in items if slot["bookable"]]


def bookable_doctor(stack, service_id: str, organization_id: str = ORG) -> tuple[dict, str, list]:
    """(doctor, first bookable day within the grid's first page, its free slots).

    The first doctor whose grid has a bookable day with free times; days are asked for the same
    span the gateway's grid shows, so that the day is clickable on the first grid page."""
    base = api(stack)
    doctors = requests.get(f"{base}/organizations/{organization_id}/services/{service_id}/doctors",
                           timeout=10).json()["items"]
    today = date.today()
    for doctor in doctors:
        days = requests.get(f"{base}/doctors/{doctor['id']}/days", params={
            "service_id": service_id, "from": today.isoformat(),
            "to": (today + timedelta(days=GRID_DAYS - 1)).isoformat()}, timeout=10).json()["items"]
        for day in days:
            if not day["bookable"]:
                continue
            slots = free_slots(stack, doctor["id"], service_id, day["date"])
            if slots:
                return doctor, day["date"], slots
    raise AssertionError(f"no doctor of {service_id} has a free time in the first grid page")


def api_login(stack, policy: str = DEMO_POLICY, birth_date: str = DEMO_BIRTH_ISO) -> dict:
    answer = requests.post(f"{api(stack)}/auth/oms", json={
        "document_type": "oms_unified", "policy_number": policy, "birth_date": birth_date},
        timeout=10)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def ui_login(page, stack, policy: str = OTHER_POLICY, birth_iso: str = OTHER_BIRTH_ISO) -> None:
    """Log in through the login page (holds need a login), landing in the cabinet."""
    page.goto(stack.url("gateway") + "/login?next=/cabinet")
    page.fill("#policy_number", policy)
    year, month, day = birth_iso.split("-")
    page.fill("#birth_date", f"{day}-{month}-{year}")
    with page.expect_navigation():
        page.click("#login-submit")
    page.wait_for_url("**/cabinet*")


def cancel_appointment(stack, appointment_id: str) -> None:
    headers = api_login(stack)
    answer = requests.post(f"{api(stack)}/appointments/{appointment_id}/cancel", headers=headers,
                           timeout=10)
    assert answer.status_code == 200, answer.text


def rgb(css: str) -> tuple[int, ...]:
    """``rgb(1, 2, 3)`` / ``rgba(1, 2, 3, 1)`` → (1, 2, 3)."""
    found = re.findall(r"[\d.]+", css)
    return tuple(int(float(v)) for v in found[:3])


def luminance(color: tuple[int, ...]) -> float:
    """Relative luminance (WCAG) of an sRGB colour."""
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(v) for v in color)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def background(page, selector: str) -> tuple[int, ...]:
    return rgb(page.eval_on_selector(selector, "e => getComputedStyle(e).backgroundColor"))


def text_color(page, selector: str) -> tuple[int, ...]:
    return rgb(page.eval_on_selector(selector, "e => getComputedStyle(e).color"))


def open_times(page, stack, service_id: str, doctor: dict, day: str) -> None:
    """Home → г. Оренбург → o-0001 → service → doctor → day: the times page of that day."""
    page.goto(stack.url("gateway") + "/")
    page.get_by_role("link", name="г. Оренбург", exact=True).click()
    page.click(f"#org-{ORG}")
    page.click(f"#service-{service_id}")
    page.click(f"#doctor-{doctor['id']}")
    page.click(f"#day-grid a.day.bookable[data-date='{day}']")
    page.wait_for_selector("#times")


def no_horizontal_scroll(page, width: int) -> int:
    scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
    assert scroll_width <= width + 1, f"the page scrolls sideways: {scroll_width}px > {width}px"
    return scroll_width


def nav(page, target) -> None:
    """Click a link (selector or locator) and wait for the next page to be loaded, so that
    counting elements right after it never counts the previous page's."""
    locator = page.locator(target) if isinstance(target, str) else target
    with page.expect_navigation():
        locator.click()
