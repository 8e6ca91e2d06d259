"""The reception staff workspace in headless Chromium against the real stack (issue 6): a
registrar registers a patient, books, moves and cancels on their behalf (the admin sees it in the
audit trail), blocks a doctor's day (the patient's cabinet flags the appointment and a message is
written), and changes the organization's settings."""
from __future__ import annotations

import email
import email.policy
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import helpers_staff as h  # noqa: E402

pytestmark = pytest.mark.browser


def _new_context(browser):
    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15000)
    return context


def _step(page, step: str) -> None:
    page.wait_for_selector(f"#book-wizard[data-step='{step}']")


def _first_free_day_and_slot(page, *, avoid_time: str | None = None) -> str:
    """Click the first day with free times, then a free time (not ``avoid_time``); its id."""
    _step(page, "day")
    page.locator("#step-day a.day.free").first.click()
    _step(page, "time")
    for slot in page.locator("#step-time a.slot.free").all():
        if slot.inner_text().strip() != avoid_time:
            slot_id = slot.get_attribute("id").removeprefix("slot-")
            slot.click()
            _step(page, "confirm")
            return slot_id
    raise AssertionError("no other free time on the first free day")


def test_a_registrar_registers_a_patient_and_books_moves_cancels_for_them(page, shot, api, base):
    enp = h.new_enp()

    # Keyboard login: type the login, Tab, the password, Enter.
    page.goto(f"{base}/staff/login")
    page.wait_for_selector("#login:focus")
    page.keyboard.type("registrar")
    page.keyboard.press("Tab")
    page.keyboard.type("registrar-demo")
    page.keyboard.press("Enter")
    page.wait_for_selector("#logout-button")
    assert "регистратор" in page.locator("#staff-who").inner_text()
    assert page.locator("#nav-audit").count() == 0
    shot(page, "staff-01-logged-in")

    # Register a patient: a wrong check digit is named next to the policy field first.
    page.click("#nav-new-patient")
    page.fill("#last_name", "Гришин")
    page.fill("#first_name", "Павел")
    page.fill("#middle_name", "Андреевич")
    page.type("#birth_date", "17051990")  # the field puts the dots in: ДД.ММ.ГГГГ
    assert page.input_value("#birth_date") == "17.05.1990"
    page.select_option("#sex", "M")
    page.fill("#phone", "+79225550101")
    page.fill("#email", "grishin.staff@example.org")
    page.select_option("#policy_type", "oms_unified")
    page.fill("#policy_number", h.bad_check_digit(enp))
    page.fill("#area", "2")
    page.click("#patient-submit")
    error = page.locator("#error-policy_number")
    error.wait_for()
    assert error.inner_text().strip()
    # The message stands next to the field it is about, and nothing typed is lost.
    assert page.locator(".field.has-error #policy_number + #error-policy_number").count() == 1
    assert page.locator("#last_name").input_value() == "Гришин"
    assert page.locator("#policy_number").get_attribute("aria-invalid") == "true"
    shot(page, "staff-02-bad-policy")
    page.fill("#policy_number", enp)
    page.click("#patient-submit")
    card = page.locator("#patient-card")
    card.wait_for()
    patient_id = card.get_attribute("data-patient-id")
    assert page.locator("#patient-name").inner_text() == "Гришин Павел Андреевич"
    assert "участок 2" in page.locator("#patient-attachments").inner_text()
    shot(page, "staff-03-patient-card")

    # The search finds them by policy (typed, then Enter).
    page.click("#nav-search")
    page.fill("#search-policy", enp)
    page.keyboard.press("Enter")
    page.locator(f"#search-results #patient-link-{patient_id}").click()
    card.wait_for()

    # Book through the wizard: service → doctor → day → time → confirm (with consent).
    service, doctor, _, _ = h.find_day(api, min_free=2)
    page.click("#book-button")
    _step(page, "service")
    shot(page, "staff-04-wizard-service")
    page.click(f"#service-{service['id']}")
    _step(page, "doctor")
    page.click(f"#doctor-{doctor['id']}")
    shot(page, "staff-05-wizard-day")
    first_slot = _first_free_day_and_slot(page)
    page.click("#confirm-button")  # without the consent box: refused, nothing booked
    page.locator("#book-error").wait_for()
    _step(page, "confirm")
    shot(page, "staff-06-wizard-consent-missing")
    page.check("#consent")
    page.click("#confirm-button")
    card.wait_for()
    active = page.locator("#appointments-active li.appointment")
    assert active.count() == 1
    appointment_id = active.first.get_attribute("id").removeprefix("appointment-")
    booked_when = active.first.locator(".when").inner_text()
    assert doctor["full_name"] in active.first.inner_text()
    shot(page, "staff-07-booked")

    # Reschedule it: the same appointment at another time.
    page.click(f"#reschedule-{appointment_id}")
    assert page.locator("#reschedule-current").is_visible()
    new_slot = _first_free_day_and_slot(page, avoid_time=booked_when[-5:])
    assert new_slot != first_slot
    shot(page, "staff-08-reschedule-confirm")
    page.click("#confirm-button")
    card.wait_for()
    moved = page.locator(f"#appointments-active #appointment-{appointment_id}")
    assert moved.count() == 1
    assert moved.locator(".when").inner_text() != booked_when
    shot(page, "staff-09-rescheduled")

    # Cancel it after the confirmation page.
    page.click(f"#cancel-{appointment_id}")
    page.locator("#cancel-confirm-button").click()
    card.wait_for()
    assert page.locator("#appointments-active-empty").is_visible()
    assert page.locator(f"#appointments-past #appointment-{appointment_id}").get_attribute(
        "data-status") == "cancelled"
    shot(page, "staff-10-cancelled")

    # The audit trail is the admin's: a registrar gets the 403 page.
    page.goto(f"{base}/staff/audit")
    assert page.locator("#error-page").get_attribute("data-status") == "403"
    shot(page, "staff-11-audit-forbidden")
    page.click("#logout-button")
    page.wait_for_selector("#login")

    h.staff_login(page, base, h.ADMIN)
    page.click("#nav-audit")
    page.fill("#audit-appointment", appointment_id)
    page.click("#audit-submit")
    rows = page.locator("#audit-table .audit-row")
    rows.first.wait_for()
    actions = sorted(row.locator("td").nth(2).inner_text().strip() for row in rows.all())
    assert actions == ["запись", "отмена", "перенос"]
    for row in rows.all():
        assert "Белова Ирина Сергеевна" in row.locator("td").nth(1).inner_text()
        assert appointment_id in row.locator("td").nth(3).inner_text()
    shot(page, "staff-12-audit")


def test_a_patient_session_cannot_open_staff_pages(page, shot, api, base):
    token = h.staff_token(api, h.REGISTRAR)
    patient = h.register_patient(api, token, last_name="Орлова", first_name="Вера",
                                 middle_name="Павловна", birth_date="1964-12-01", sex="F")
    h.patient_login(page, base, patient)
    assert page.locator("#cabinet-patient").inner_text() == patient["full_name"]
    for path in ("/staff", "/staff/schedule", "/staff/audit", f"/staff/patients/{patient['id']}"):
        page.goto(base + path)
        assert "/staff/login" in page.url, path
        assert page.locator("#logout-button").count() == 0
        assert page.locator("#patient-card").count() == 0
    shot(page, "staff-13-patient-refused")
    # The patient's own login survives the visit.
    page.goto(f"{base}/cabinet")
    assert page.locator("#cabinet-patient").inner_text() == patient["full_name"]


def _outbox_mentioning(outbox: Path, number: str, when: str) -> str | None:
    """The text of an e-mail or SMS written to the outbox about this appointment, if any."""
    for path in sorted(outbox.rglob("*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        if path.suffix == ".eml":
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            text = f"{message['Subject']}\n{message.get_content()}"
        else:
            text = path.read_text(encoding="utf-8", errors="replace")
        if "не состоится" in text and (number in text or when in text):
            return text
    return None


def test_blocking_a_doctors_day_flags_the_appointment_and_notifies_the_patient(
        browser, page, shot, api, base, stack):
    token = h.staff_token(api, h.REGISTRAR)
    patient = h.register_patient(api, token, last_name="Зайцев", first_name="Игорь",
                                 middle_name="Олегович", birth_date="1983-09-08", sex="M",
                                 email="zaitsev.absence@example.org", phone="+79225550202")
    # The far end of the lists: a day of a doctor other tests are least likely to book.
    service, doctor, day, free = h.find_day(api, min_free=1, last_service=True, last_day=True)
    headers = h.patient_headers(api, patient["policy_number"], patient["birth_date"])
    booked = h.book(api, headers, service, free[-1])

    h.staff_login(page, base, h.REGISTRAR)
    page.click("#nav-schedule")
    page.select_option("#doctor-select", doctor["id"])
    page.click("#schedule-pick-submit")
    page.wait_for_selector(f"#doctor-schedule[data-doctor-id='{doctor['id']}']")
    # The reason first: its suggestions (a datalist) stay open while the field has the focus, and
    # Chromium's popup, moved by the full-page screenshot below, would take the button's click.
    page.fill("#absence-reason", "Больничный")
    page.fill("#absence-from", h.dmy(day, "."))  # typed as people type dates: ДД.ММ.ГГГГ
    page.fill("#absence-to", h.dmy(day, "."))
    shot(page, "staff-14-absence-form")
    page.click("#absence-submit")
    result = page.locator("#absence-result")
    result.wait_for()
    affected = page.locator(f"#absence-result #affected-{booked['id']}")
    assert affected.is_visible()
    assert patient["full_name"] in affected.inner_text()
    assert int(page.locator("#absence-affected-count").inner_text().rsplit(":", 1)[1]) >= 1
    shot(page, "staff-15-absence-result")

    # The patient's cabinet flags the appointment once the event has flowed.
    context = _new_context(browser)
    try:
        patient_page = context.new_page()
        h.patient_login(patient_page, base, patient)
        item = patient_page.locator(f"#active-appointments #appointment-{booked['id']}")

        def flagged():
            patient_page.reload()
            return item.evaluate("el => el.classList.contains('flagged')")

        h.wait_for(flagged, timeout=30, every=1, what="the appointment to be flagged")
        assert "Больничный" in item.locator(".flag-reason").inner_text()
        shot(patient_page, "staff-16-cabinet-flagged")
    finally:
        context.close()

    # A message about it is written to the outbox (embedded file mode).
    number = booked["ticket"]["number"]
    when = f"{day[8:10]}.{day[5:7]}.{day[:4]}"
    text = h.wait_for(lambda: _outbox_mentioning(stack.var_dir / "outbox", number, when),
                      timeout=30, every=1, what="a notification in the outbox")
    assert "перенесите" in text.lower()

    # Lift the block again so that the doctor's other days and tests stay as they were.
    page.goto(f"{base}/staff/schedule?doctor_id={doctor['id']}")
    remove = page.locator("#absences-list button[id^=absence-remove-]")
    if remove.count():
        remove.first.click()
        page.wait_for_selector("#doctor-schedule")


def test_an_organizations_cancel_cutoff_is_changed_and_saved(page, shot, base):
    h.staff_login(page, base, h.REGISTRAR)
    page.click("#nav-settings")
    field = page.locator("#cancel_cutoff_hours")
    before = int(field.input_value() or 0)
    changed = 5 if before != 5 else 6
    shot(page, "staff-17-settings")
    field.fill(str(changed))
    page.click("#settings-submit")
    page.wait_for_selector("#settings-form")
    assert page.locator("#settings-defaults-note").count() == 0
    assert "сохранены" in page.locator("#flash-messages").inner_text()
    page.reload()
    assert page.locator("#cancel_cutoff_hours").input_value() == str(changed)
    shot(page, "staff-18-settings-saved")

    # Out of range: the browser itself refuses to send it (max 72 hours), nothing is saved.
    page.fill("#cancel_cutoff_hours", "500")
    page.click("#settings-submit")
    assert page.locator("#cancel_cutoff_hours").evaluate("el => el.validity.rangeOverflow")
    shot(page, "staff-19-settings-invalid")
    page.goto(f"{base}/staff/settings")
    assert page.locator("#cancel_cutoff_hours").input_value() == str(changed)

    # Put the old value back: other tests cancel under the organization's rules.
    page.fill("#cancel_cutoff_hours", str(before))
    page.click("#settings-submit")
    page.wait_for_selector("#flash-messages")
    assert page.locator("#cancel_cutoff_hours").input_value() == str(before)
