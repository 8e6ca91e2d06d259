"""The patient's side of the portal in headless Chromium against the real running stack: from a
district to a time, the whole booking to a printed talon and its PDF, the race for one time, and
the phone-sized layout. Screenshots of every step go to test-artifacts/screenshots/."""
from __future__ import annotations

import re
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import helpers_patient as h  # noqa: E402

pytestmark = pytest.mark.browser

SEED_DISTRICTS = ["г. Оренбург", "г. Орск", "г. Бугуруслан", "г. Бузулук", "Абдулинский район"]
INTERVAL = re.compile(r"\d{2}:\d{2}–\d{2}:\d{2}")
WEEK = ["Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"]


def test_patient_clicks_from_district_to_a_time(stack, page, shot):
    base = stack.url("gateway")
    doctor, day, slots = h.bookable_doctor(stack, h.SERVICE_BROWSE)
    page.goto(base + "/")
    districts = page.locator("a[data-testid=district]")
    names = districts.all_inner_texts()
    for name in SEED_DISTRICTS:
        assert name in names
    expect(page.locator("#planned-care-notice")).to_be_visible()
    assert "ПЛАНОВЫЙ" in page.inner_text("#planned-care-notice")
    assert page.inner_text("#support-phone").strip() == h.SUPPORT_PHONE
    assert page.get_attribute("#support-phone", "href") == "tel:88002005603"
    shot(page, "01-districts")

    # Keyboard: Tab reaches a district link, Enter follows it.
    orenburg = page.get_by_role("link", name="г. Оренбург", exact=True)
    orenburg_id = orenburg.get_attribute("id")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == orenburg_id:
            break
    else:
        pytest.fail("Tab never reached the district link")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/districts/" + orenburg_id.removeprefix("district-"))
    assert page.inner_text("h1") == "г. Оренбург"
    expect(page.locator(f"#org-{h.ORG}")).to_be_visible()
    all_count = page.locator("[data-testid=organization]").count()
    shot(page, "02-organizations")

    # A type tab filters: the organization's own type keeps it, another type hides it.
    detail = requests.get(f"{h.api(stack)}/organizations/{h.ORG}", timeout=10).json()
    h.nav(page, f"#type-{detail['type_id']}")
    assert page.get_attribute(f"#type-{detail['type_id']}", "aria-current") == "true"
    expect(page.locator(f"#org-{h.ORG}")).to_be_visible()
    filtered = page.locator("[data-testid=organization]").count()
    assert 0 < filtered <= all_count
    shot(page, "03-organizations-filtered")
    other = next(t for t in page.locator("#organization-types a.tab").all()
                 if t.get_attribute("id") not in ("type-all", f"type-{detail['type_id']}"))
    h.nav(page, other)
    expect(page.locator(f"#org-{h.ORG}")).to_have_count(0)
    h.nav(page, "#type-all")
    assert page.locator("[data-testid=organization]").count() == all_count

    h.nav(page, f"#org-{h.ORG}")
    assert page.inner_text("h1") == detail["name"]
    service = h.service_info(stack, h.SERVICE_BROWSE)
    assert not service["requires_attachment"] and service["self_bookable"]
    assert page.locator("[data-testid=service-registry-only]").count() >= 1
    assert "запись через регистратуру" in page.locator(
        "[data-testid=service-registry-only]").first.inner_text()
    shot(page, "04-services")
    # The breadcrumb goes back to the district's organizations.
    h.nav(page, page.locator(".breadcrumbs").get_by_role("link", name="г. Оренбург"))
    expect(page.locator(f"#org-{h.ORG}")).to_be_visible()
    page.go_back()

    h.nav(page, f"#service-{h.SERVICE_BROWSE}")
    assert page.inner_text("h1") == service["name"]
    shot(page, "05-doctors")
    h.nav(page, f"#doctor-{doctor['id']}")
    assert doctor["full_name"] in page.inner_text("main")

    # Whole weeks from Monday, under a header of week days; every day of the fortnight is there.
    grid = page.locator("#day-grid")
    dates = [date.fromisoformat(d) for d in grid.locator(".day[data-date]").evaluate_all(
        "cells => cells.map(c => c.dataset.date)")]
    assert len(dates) % 7 == 0 and dates[0].weekday() == 0
    assert dates == [dates[0] + timedelta(days=n) for n in range(len(dates))]
    assert {date.today() + timedelta(days=n) for n in range(h.GRID_DAYS)} <= set(dates)
    assert page.locator(".week-head span").all_inner_texts() == WEEK
    assert grid.locator(".day[data-date] .wd").all_inner_texts()[:7] == WEEK
    bookable = grid.locator("a.day.bookable[data-date]")
    assert bookable.count() >= 1
    assert grid.locator(f"a.day.bookable[data-date='{day}']").count() == 1
    intervals = [t for t in grid.locator(".day .iv").all_inner_texts() if INTERVAL.search(t)]
    assert intervals, "no working interval like 08:00–14:00 in the grid"
    assert INTERVAL.search(bookable.first.inner_text())
    unavailable = grid.locator(".day.unavailable")
    assert unavailable.count() >= 1, "two weeks without a single unavailable day (weekend)"
    light = h.background(page, "#day-grid a.day.bookable")
    dark = h.background(page, "#day-grid .day.unavailable")
    assert light != dark
    assert h.luminance(light) > h.luminance(dark), "bookable days must be the light ones"
    # Readable text on both kinds of cells (WCAG AA for normal text).
    assert h.contrast(light, h.text_color(page, "#day-grid a.day.bookable")) >= 4.5
    assert h.contrast(dark, h.text_color(page, "#day-grid .day.unavailable")) >= 4.5
    assert page.locator("#grid-prev").count() == 0  # the grid starts today
    # Not only colour: a screen reader hears each day's state, and the dark days say why.
    spoken = page.get_by_role("link", name=re.compile(r"^\d{2}\.\d{2} .*, запись возможна$"))
    assert spoken.count() == bookable.count()
    for cell in unavailable.all():
        assert cell.locator(".st").inner_text() in ("нет записи", "нет приёма")
    shot(page, "06-day-grid")

    h.nav(page, "#grid-next")
    next_dates = grid.locator(".day[data-date]").evaluate_all(
        "cells => cells.map(c => c.dataset.date)")
    assert len(next_dates) == h.GRID_DAYS and date.fromisoformat(next_dates[0]).weekday() == 0
    assert date.fromisoformat(next_dates[0]) == dates[-1] + timedelta(days=1)
    expect(page.locator("#grid-prev")).to_be_visible()
    shot(page, "06b-day-grid-next")
    h.nav(page, "#grid-prev")
    h.nav(page, f"#day-grid a.day.bookable[data-date='{day}']")

    free = page.locator("#times button.time.free[data-slot-id]")
    assert free.count() >= 1
    first = free.first
    assert first.get_attribute("id") == f"time-{first.get_attribute('data-slot-id')}"
    assert re.fullmatch(r"\d{2}:\d{2}", first.inner_text().strip())
    api_free = {s["id"] for s in h.free_slots(stack, doctor["id"], h.SERVICE_BROWSE, day)}
    shown = {b.get_attribute("data-slot-id") for b in free.all()}
    assert shown == api_free
    for taken in page.locator("#times .time.taken").all():
        assert taken.is_disabled()
        assert taken.text_content().endswith(", занято")  # read out, not only shown dark
    expect(page.locator("#no-free-times")).to_have_count(0)
    shot(page, "07-times")

    # The back link and the breadcrumbs go one step back.
    h.nav(page, "#back-to-grid")
    expect(page.locator("#day-grid")).to_be_visible()
    page.go_back()
    h.nav(page, page.locator(".breadcrumbs").get_by_role("link", name=doctor["full_name"]))
    expect(page.locator("#day-grid")).to_be_visible()
    h.nav(page, page.locator(".breadcrumbs").get_by_role("link", name=service["name"]))
    expect(page.locator(f"#doctor-{doctor['id']}")).to_be_visible()


def test_whole_flow_to_the_printed_talon(stack, page, shot, tmp_path, pdf_text):
    base = stack.url("gateway")
    service = h.service_info(stack, h.SERVICE_BOOK)
    doctor, day, _ = h.bookable_doctor(stack, h.SERVICE_BOOK)
    h.open_times(page, stack, h.SERVICE_BOOK, doctor, day)
    button = page.locator("#times button.time.free[data-slot-id]").first
    slot_id = button.get_attribute("data-slot-id")
    time_label = button.inner_text().strip()
    h.nav(page, button)

    # A visitor's choice is kept in the session, not held (holds need a login); declining the
    # agreement returns to the times with a message.
    page.wait_for_selector("#consent-text")
    assert "персональных данных" in page.inner_text("h1")
    assert len(page.inner_text("#consent-text")) > 100
    assert slot_id in {s["id"] for s in h.free_slots(stack, doctor["id"], h.SERVICE_BOOK, day)}
    shot(page, "10-consent")
    h.nav(page, "#decline-consent")
    page.wait_for_selector("#times")
    assert "отказались" in page.locator("[data-testid=flash]").inner_text()
    assert slot_id in {s["id"] for s in h.free_slots(stack, doctor["id"], h.SERVICE_BOOK, day)}
    assert page.locator(f"#time-{slot_id}.free").is_enabled()
    shot(page, "11-consent-declined")

    h.nav(page, f"#time-{slot_id}")
    h.nav(page, "#accept-consent")
    page.wait_for_selector("#login-form")
    expect(page.locator("#oms-warning")).to_be_visible()
    assert time_label in page.inner_text("#booking-pending")
    shot(page, "12-login")

    # A wrong check digit is caught next to the policy number.
    page.fill("#policy_number", h.DEMO_POLICY[:-1] + str((int(h.DEMO_POLICY[-1]) + 1) % 10))
    page.fill("#birth_date", h.DEMO_BIRTH_DMY)
    h.nav(page, "#login-submit")
    error = page.locator("#policy_number-error")
    assert "контрольная цифра" in error.inner_text()
    assert page.get_attribute("#policy_number", "aria-describedby") == "policy_number-error"
    expect(page.locator("#login-error")).to_have_count(0)
    shot(page, "13-login-check-digit")

    # A wrong birth date: the one message naming both reasons.
    page.fill("#policy_number", h.DEMO_POLICY)
    page.fill("#birth_date", "15-03-1985")
    h.nav(page, "#login-submit")
    message = page.inner_text("#login-error")
    assert "некорректно" in message and "нет в базе данных" in message and "регистратуру" in message
    expect(page.locator("#patient-name")).to_have_count(0)
    shot(page, "14-login-unknown")

    page.fill("#policy_number", h.DEMO_POLICY)
    page.fill("#birth_date", "")
    page.type("#birth_date", "14031985")  # the field formats digits as ДД-ММ-ГГГГ
    assert page.input_value("#birth_date") == h.DEMO_BIRTH_DMY
    h.nav(page, "#login-submit")

    page.wait_for_selector("#appointment-summary")
    appointment_id = page.url.split("/appointments/")[1].split("/")[0]
    try:
        assert page.inner_text("#patient-name") == h.DEMO_NAME
        organization = page.inner_text("#summary-organization")
        assert organization == requests.get(f"{h.api(stack)}/organizations/{h.ORG}",
                                            timeout=10).json()["name"]
        assert page.inner_text("#summary-doctor") == doctor["full_name"]
        assert page.inner_text("#summary-service").startswith(service["name"])
        when = page.inner_text("#summary-when")
        assert time_label in when and str(int(day[8:])) in when
        assert page.inner_text("#summary-patient") == h.DEMO_NAME
        number = page.inner_text("#ticket-number").strip()
        assert number
        assert "записаны" in page.locator("[data-testid=flash]").inner_text()
        shot(page, "15-talon")

        h.nav(page, "#print-ticket")
        page.wait_for_selector("#talon-print")
        printed = page.inner_text("#talon-print")
        for part in (organization, doctor["full_name"], service["name"], when, h.DEMO_NAME, number):
            assert part in printed
        expect(page.locator("#print-now")).to_be_visible()
        assert h.DEMO_POLICY not in printed.replace(" ", "")
        shot(page, "16-print")
        h.nav(page, "#back-to-talon")

        # The PDF: the waiting page refreshes itself until the talon is rendered.
        with page.expect_download(timeout=60_000) as download_info:
            page.click("#download-pdf")
            if page.locator("#ticket-pending").count():
                # Not rendered yet: the waiting page reloads itself (no click needed).
                expect(page.locator("meta[http-equiv=refresh]")).to_have_count(1)
                shot(page, "17-pdf-pending")
        download = download_info.value
        assert download.suggested_filename.endswith(".pdf")
        target = tmp_path / "talon.pdf"
        download.save_as(target)
        content = target.read_bytes()
        assert content.startswith(b"%PDF")
        text = " ".join(pdf_text(content, layout=False).split())
        for part in (h.DEMO_NAME, doctor["full_name"], organization, service["name"]):
            assert part in text, part
        assert time_label in text
        assert h.DEMO_POLICY not in text.replace(" ", "")

        page.goto(f"{base}/appointments/{appointment_id}/talon")
        h.nav(page, "#to-start")
        assert page.url.rstrip("/") == base
        assert page.locator("a[data-testid=district]").count() >= len(SEED_DISTRICTS)
        assert page.inner_text("#patient-name") == h.DEMO_NAME
    finally:
        h.cancel_appointment(stack, appointment_id)


def test_slot_taken_offers_next_free_times(stack, browser, page, shot):
    doctor, day, slots = h.bookable_doctor(stack, h.SERVICE_RACE)
    assert len(slots) >= 2, "the race needs another free time to offer"
    h.open_times(page, stack, h.SERVICE_RACE, doctor, day)
    rival = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
    try:
        other = rival.new_page()
        other.set_default_timeout(15000)
        h.ui_login(other, stack)  # the rival is logged in: their choice is held
        h.open_times(other, stack, h.SERVICE_RACE, doctor, day)
        slot_id = page.locator("#times button.time.free[data-slot-id]").first.get_attribute(
            "data-slot-id")
        # Both see the time free; the rival clicks first and holds it.
        assert other.locator(f"#time-{slot_id}").is_enabled()
        h.nav(other, f"#time-{slot_id}")
        other.wait_for_selector("#consent-text")
        assert slot_id not in {s["id"] for s in h.free_slots(stack, doctor["id"], h.SERVICE_RACE,
                                                              day)}

        # The visitor (not logged in) picks the held time: told at once it is taken.
        h.nav(page, f"#time-{slot_id}")
        page.wait_for_selector("#slot-taken")
        assert "уже занято" in page.inner_text("#slot-taken")
        offered = page.locator(".offer .time.free[data-slot-id]")
        assert offered.count() >= 1
        ids = {b.get_attribute("data-slot-id") for b in offered.all()}
        assert slot_id not in ids
        first_offer = page.locator(".offer").first.get_attribute("data-date")
        assert page.locator(f"#offer-{first_offer} .time.free").count() >= 1
        shot(page, "20-slot-taken")

        # An offered time can be chosen at once; the rival's declining gives the held one back.
        h.nav(page, page.locator(".offer .time.free[data-slot-id]").first)
        page.wait_for_selector("#consent-text")
        h.nav(page, "#decline-consent")
        h.nav(other, "#decline-consent")
        other.wait_for_selector("#times")
        assert slot_id in {s["id"] for s in h.free_slots(stack, doctor["id"], h.SERVICE_RACE, day)}
    finally:
        rival.close()


def test_phone_sized_home_and_day_grid_do_not_scroll_sideways(stack, browser, shot):
    doctor, day, _ = h.bookable_doctor(stack, h.SERVICE_MOBILE)
    context = browser.new_context(locale="ru-RU", viewport={"width": 390, "height": 844},
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    try:
        phone = context.new_page()
        phone.set_default_timeout(15000)
        phone.goto(stack.url("gateway") + "/")
        expect(phone.locator("#planned-care-notice")).to_be_visible()
        h.no_horizontal_scroll(phone, 390)
        shot(phone, "30-phone-home")
        h.open_times(phone, stack, h.SERVICE_MOBILE, doctor, day)
        h.no_horizontal_scroll(phone, 390)
        shot(phone, "32-phone-times")
        h.nav(phone, "#back-to-grid")
        grid_box = phone.locator("#day-grid").bounding_box()
        assert grid_box and grid_box["x"] + grid_box["width"] <= 390 + 1
        h.no_horizontal_scroll(phone, 390)
        # Touch targets of a day are large enough to hit with a finger.
        cell = phone.locator("#day-grid a.day.bookable").first.bounding_box()
        assert cell and cell["height"] >= 44 and cell["width"] >= 44
        shot(phone, "31-phone-day-grid")
    finally:
        context.close()
