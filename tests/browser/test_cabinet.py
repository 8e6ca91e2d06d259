"""The personal cabinet in headless Chromium against the real stack (issue 5): a patient sees an
upcoming appointment, reprints its talon, moves it to another time of the same doctor, downloads
the calendar file, cancels it with a confirmation step, and keeps a waiting list."""
from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import requests
from icalendar import Calendar

sys.path.insert(0, str(Path(__file__).resolve().parent))
import helpers_staff as h  # noqa: E402

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def patient(api):
    """A patient of this module only: nobody else books for them."""
    token = h.staff_token(api, h.REGISTRAR)
    return h.register_patient(api, token, last_name="Белова", first_name="Ольга",
                              middle_name="Сергеевна", birth_date="1979-06-23", sex="F",
                              email="belova.cabinet@example.org")


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_a_patient_sees_reprints_moves_downloads_and_cancels_an_appointment(
        page, shot, api, base, patient):
    service, doctor, day, free = h.find_day(api, min_free=3)
    headers = h.patient_headers(api, patient["policy_number"], patient["birth_date"])
    booked = h.book(api, headers, service, free[0])
    old_slot = free[0]

    # The cabinet lists it under the upcoming appointments.
    h.patient_login(page, base, patient)
    item = page.locator(f"#active-appointments li#appointment-{booked['id']}[data-testid=appointment]")
    assert item.is_visible()
    assert doctor["full_name"] in item.inner_text()
    assert booked["ticket"]["number"] in item.inner_text()
    assert page.locator("#cabinet-patient").inner_text() == patient["full_name"]
    assert not item.evaluate("el => el.classList.contains('flagged')")
    shot(page, "cabinet-01-upcoming")

    # Reprint the talon: the print page carries the appointment's data.
    item.locator("a.talon").click()
    page.wait_for_url(f"**/appointments/{booked['id']}/talon")
    shot(page, "cabinet-02-talon")
    page.click("#print-ticket")
    page.wait_for_url(f"**/appointments/{booked['id']}/print")
    printed = page.locator("#talon-print").inner_text()
    for text in (doctor["full_name"], booked["organization"]["name"], service["name"],
                 patient["full_name"], booked["ticket"]["number"]):
        assert text in printed
    assert page.locator("#summary-when").inner_text().endswith(booked["start"][11:16])
    shot(page, "cabinet-03-print")

    # Move it to another free time of the same doctor on the same day.
    page.goto(f"{base}/cabinet")
    page.locator(f"#appointment-{booked['id']} a.reschedule").click()
    page.wait_for_selector("#reschedule-mode")
    assert page.locator("#doctor-head h1").inner_text() == doctor["full_name"]
    shot(page, "cabinet-04-reschedule-grid")
    page.click(f"#day-grid a.day.bookable[data-date='{day}']")
    page.wait_for_selector("#reschedule-mode")
    target = next(s for s in free[1:] if page.locator(f"#time-{s['id']}").count())
    shot(page, "cabinet-05-reschedule-day")
    page.click(f"#time-{target['id']}")
    page.wait_for_url(f"**/appointments/{booked['id']}/talon")
    assert "перенесена" in page.locator("[data-testid=flash]").first.inner_text()
    shot(page, "cabinet-06-rescheduled-talon")

    moved = h.appointment(api, headers, booked["id"])
    assert moved["id"] == booked["id"] and moved["status"] == "booked"
    assert _instant(moved["start"]) == _instant(target["start"])
    page.goto(f"{base}/cabinet")
    items = page.locator("#active-appointments li[data-testid=appointment]")
    assert items.count() == 1
    assert items.first.get_attribute("id") == f"appointment-{booked['id']}"
    assert target["start"][11:16] in items.first.locator(".when").inner_text()
    shot(page, "cabinet-07-moved")

    # The old time is free again in the doctor's day.
    page.goto(f"{base}/doctors/{doctor['id']}/day?service_id={service['id']}&date={day}")
    assert page.locator(f"#time-{old_slot['id']}.free").is_visible()
    assert page.locator(f"#time-{target['id']}").count() == 0
    shot(page, "cabinet-08-old-time-free")

    # The calendar file: one event at the appointment's instant.
    page.goto(f"{base}/cabinet")
    with page.expect_download() as download_info:
        page.locator(f"#appointment-{booked['id']} a.ics").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".ics")
    calendar = Calendar.from_ical(Path(download.path()).read_bytes())
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    start = events[0].decoded("DTSTART")
    assert start.tzinfo is not None, "a floating DTSTART would be read in the reader's time zone"
    assert start == _instant(moved["start"])
    assert events[0].decoded("DTEND") - start == _instant(moved["end"]) - _instant(moved["start"])

    # Cancel, with the confirmation step; it leaves the upcoming list.
    page.locator(f"#appointment-{booked['id']} a.cancel").click()
    page.wait_for_selector("#confirm-cancel")
    assert doctor["full_name"] in page.locator("#appointment-summary").inner_text()
    shot(page, "cabinet-09-cancel-confirm")
    page.click("#keep-appointment")
    page.wait_for_url("**/cabinet")
    assert page.locator(f"#active-appointments #appointment-{booked['id']}").count() == 1
    page.locator(f"#appointment-{booked['id']} a.cancel").click()
    page.click("#confirm-cancel")
    page.wait_for_url("**/cabinet")
    assert page.locator(f"#active-appointments #appointment-{booked['id']}").count() == 0
    assert page.locator("#no-active").is_visible()
    past = page.locator(f"#past-appointments #appointment-{booked['id']}")
    assert "отменена" in past.inner_text()
    shot(page, "cabinet-10-cancelled")
    assert h.appointment(api, headers, booked["id"])["status"] == "cancelled"


def _day_without_free_times(api, service, doctor) -> str:
    """A day of the coming fortnight on which the doctor has no free time (a day off)."""
    today = datetime.now().date()
    days = requests.get(f"{api}/doctors/{doctor['id']}/days", timeout=15, params={
        "service_id": service["id"], "from": (today + timedelta(days=1)).isoformat(),
        "to": (today + timedelta(days=14)).isoformat()}).json()["items"]
    for day in days:
        if not day["bookable"] and not h.free_slots(api, doctor["id"], service["id"], day["date"]):
            return day["date"]
    pytest.fail("the doctor has no day without free times in the coming fortnight")


def test_a_patient_joins_and_leaves_the_waiting_list(page, shot, api, base, patient):
    service, doctor, _, _ = h.find_day(api, min_free=1, last_service=True)
    day = _day_without_free_times(api, service, doctor)
    h.patient_login(page, base, patient)
    assert page.locator("#no-waitlist").is_visible()

    page.goto(f"{base}/doctors/{doctor['id']}/day?service_id={service['id']}&date={day}")
    assert page.locator("#no-free-times").is_visible()
    shot(page, "waitlist-01-no-free-times")
    page.click("#waitlist-add")
    page.wait_for_url("**/cabinet")
    shot(page, "waitlist-02-listed")
    flash = page.locator("[data-testid=flash]").first.inner_text()
    assert "листе ожидания" in flash, flash
    entries = page.locator("#waitlist li[data-testid=waitlist-entry]")
    assert entries.count() == 1
    text = entries.first.inner_text()
    assert service["name"] in text and doctor["full_name"] in text
    assert h.dmy(day, ".") in text and "ожидание" in text
    entry_id = entries.first.get_attribute("id").removeprefix("waitlist-")

    listed = requests.get(f"{api}/waitlist", timeout=15, headers=h.patient_headers(
        api, patient["policy_number"], patient["birth_date"])).json()["items"]
    assert [e["id"] for e in listed] == [entry_id]

    page.click(f"#waitlist-{entry_id} .waitlist-delete")
    page.wait_for_url("**/cabinet")
    assert page.locator(f"#waitlist-{entry_id}").count() == 0
    assert page.locator("#no-waitlist").is_visible()
    shot(page, "waitlist-03-deleted")
