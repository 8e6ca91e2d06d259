"""The login page in headless Chromium against the real stack: ESIA through the local emulator
(registered and unregistered people) and the OMS form's fields following the document type."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

sys.path.insert(0, str(Path(__file__).resolve().parent))
import helpers_patient as h  # noqa: E402

pytestmark = pytest.mark.browser


def _to_emulator(page, stack) -> None:
    page.goto(stack.url("gateway") + "/login")
    expect(page.locator("#oms-warning")).to_be_visible()
    assert "ЕСИА" in page.inner_text("#esia-login")
    page.click("#esia-login")
    page.wait_for_url(stack.url("esia") + "/**")
    assert "Госуслуги" in page.title() and "учебный стенд" in page.title()


def test_esia_login_through_the_emulator(stack, page, shot):
    base = stack.url("gateway")
    _to_emulator(page, stack)
    assert "Госуслуги" in page.inner_text("h1")
    people = page.locator("button").all_inner_texts()
    assert any(p.startswith(h.DEMO_NAME) for p in people)
    shot(page, "40-esia-emulator")
    page.locator("button", has_text=h.DEMO_NAME).click()
    page.wait_for_url(base + "/**")
    assert page.url.startswith(base + "/cabinet")
    assert page.inner_text("#patient-name") == h.DEMO_NAME
    expect(page.locator("#logout")).to_be_visible()
    shot(page, "41-esia-logged-in")

    h.nav(page, "#logout")
    page.wait_for_url(base + "/")
    expect(page.locator("#patient-name")).to_have_count(0)
    expect(page.locator("#logout")).to_have_count(0)
    # The cabinet asks to log in again: the session was really forgotten.
    page.goto(base + "/cabinet")
    expect(page.locator("#login-form")).to_be_visible()
    expect(page.locator("#patient-name")).to_have_count(0)

    # Сидоров has a Gosuslugi account but no record in the region: he is sent to the reception.
    _to_emulator(page, stack)
    page.locator("button", has_text="Сидоров").click()
    page.wait_for_url(base + "/**")
    message = page.inner_text("#login-error")
    assert "регистратур" in message
    # He typed no document: the message must not ask him to check one.
    assert "в базе пациентов региона вас пока нет" in message
    assert "дату рождения" not in message
    expect(page.locator("#patient-name")).to_have_count(0)
    shot(page, "42-esia-unregistered")
    page.goto(base + "/cabinet")
    expect(page.locator("#login-form")).to_be_visible()
    expect(page.locator("#patient-name")).to_have_count(0)


def test_login_page_fields_follow_the_document_type(stack, page, shot):
    page.goto(stack.url("gateway") + "/login")
    labels = page.locator("#document_type option").all_inner_texts()
    assert labels == ["Полис ОМС единого образца", "Полис ОМС старого образца",
                      "Временное свидетельство"]
    # The unified policy needs no series: the series field is hidden.
    expect(page.locator("#policy_series")).to_be_hidden()
    assert page.get_attribute("#policy_number", "placeholder") == "шестнадцать цифр"
    shot(page, "50-login-unified")

    page.select_option("#document_type", label="Полис ОМС старого образца")
    expect(page.locator("#policy_series")).to_be_visible()
    shot(page, "51-login-old-policy")
    # Submitting without a series puts the error next to the series field.
    page.fill("#policy_number", "123456789012")
    page.fill("#birth_date", "21-07-1958")
    h.nav(page, "#login-submit")
    expect(page.locator("#policy_series")).to_be_visible()
    assert "серию" in page.inner_text("#policy_series-error")
    assert page.get_attribute("#policy_series", "aria-invalid") == "true"
    assert page.input_value("#policy_number") == "123456789012"
    shot(page, "52-login-series-error")

    page.select_option("#document_type", label="Временное свидетельство")
    expect(page.locator("#policy_series")).to_be_hidden()
    assert page.get_attribute("#policy_number", "placeholder") == "девять цифр"
    page.fill("#policy_number", "56012345")  # 8 digits
    page.fill("#birth_date", "30-01-1999")
    h.nav(page, "#login-submit")
    assert "9 цифр" in page.inner_text("#policy_number-error")
    assert page.input_value("#document_type") == "temporary_certificate"
    # The error sits right under its own field.
    field = page.locator("#field-policy_number")
    assert field.locator("#policy_number-error").count() == 1
    assert "has-error" in (field.get_attribute("class") or "")
    shot(page, "53-login-temporary-error")

    # Nine digits of a registered temporary certificate log in.
    page.fill("#policy_number", "560123456")
    page.fill("#birth_date", "30-01-1999")
    h.nav(page, "#login-submit")
    page.wait_for_selector("#patient-name")
    assert page.url.endswith("/cabinet")

    # A malformed birth date is caught next to its field.
    h.nav(page, "#logout")
    page.goto(stack.url("gateway") + "/login")
    page.fill("#policy_number", h.DEMO_POLICY)
    page.fill("#birth_date", "31-02-1985")
    h.nav(page, "#login-submit")
    assert "ДД-ММ-ГГГГ" in page.inner_text("#birth_date-error")
    expect(page.locator("#login-error")).to_have_count(0)
    shot(page, "54-login-birth-date-error")
