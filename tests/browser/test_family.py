"""Issue 12 part 1 in headless Chromium against the real stack: a mother adds her child in «Мои
близкие», switches «Записи для» to the child, books a time through the ordinary flow, and the
talon names the child; her own cabinet stays hers; an adult's link waits for the adult."""
from __future__ import annotations

import shutil
import sys
import uuid
from datetime import date
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

sys.path.insert(0, str(Path(__file__).resolve().parent))
import helpers_a11y as a11y  # noqa: E402
import helpers_staff as h  # noqa: E402

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "shots"
CERTIFICATE = "III-ЖА 246810"


@pytest.fixture(scope="module")
def family(api):
    token = h.staff_token(api, h.REGISTRAR)
    mother = h.register_patient(api, token, last_name="Крылова", first_name="Дарья",
                                middle_name="Олеговна", birth_date="1990-08-05", sex="F")
    enp = h.new_enp()
    today = date.today()
    child = requests.post(f"{api}/registry/patients", timeout=h.TIMEOUT, json={
        "last_name": "Крылов", "first_name": "Матвей", "middle_name": "Ильич",
        "birth_date": date(today.year - 6, 3, 1).isoformat(), "sex": "M",
        "policy": {"type": "oms_unified", "number": enp},
        "identity_documents": [{"type": "birth_certificate", "number": CERTIFICATE}],
        "attachment": {"organization_id": h.ORGANIZATION, "area": "1"}},
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())})
    assert child.status_code == 201, child.text
    grandpa = h.register_patient(api, token, last_name="Крылов", first_name="Олег",
                                 middle_name="Петрович", birth_date="1955-01-12", sex="M")
    return {"mother": mother, "child": {**child.json(), "policy_number": enp},
            "grandpa": grandpa}


def _save(page, shot, name: str) -> Path:
    path = shot(page, name)
    SHOTS.mkdir(exist_ok=True)
    shutil.copy(path, SHOTS / path.name)
    return SHOTS / path.name


def test_a_mother_books_for_her_child_and_the_talon_names_the_child(a11y_page, shot, api, base,
                                                                    family):
    page = a11y_page  # axe-core is injected into it (the checks of the «Мои близкие» page)
    mother, child = family["mother"], family["child"]
    h.patient_login(page, base, mother)
    page.click("#family-link")
    page.wait_for_url("**/cabinet/family")
    expect(page.locator("#no-family")).to_be_visible()

    # A wrong certificate is refused with the reason; the right one links the child at once.
    page.fill("#child_policy", child["policy_number"])
    page.fill("#child_certificate", "III-ЖА 000000")
    page.click("#add-child-submit")
    expect(page.locator("#family-error")).to_contain_text("не совпадают")
    page.fill("#child_certificate", CERTIFICATE.lower())
    page.click("#add-child-submit")
    page.wait_for_url("**/cabinet/family")
    link = page.locator("[data-testid=family-link]")
    expect(link).to_have_count(1)
    expect(link).to_contain_text("Крылов Матвей Ильич")
    expect(link).to_have_attribute("data-status", "confirmed")

    # The adult's link waits for the adult.
    page.fill("#adult_policy", family["grandpa"]["policy_number"])
    page.fill("#adult_birth_date", h.dmy(family["grandpa"]["birth_date"]))
    page.click("#add-adult-submit")
    page.wait_for_url("**/cabinet/family")
    pending = page.locator("[data-testid=family-link][data-status=pending]")
    expect(pending).to_contain_text("ждёт подтверждения")
    a11y.assert_accessible(page, "«Мои близкие»")
    _save(page, shot, "family-01-links")
    # The pending adult is not among the people the switcher offers.
    options = page.locator("#acting-patient option").all_inner_texts()
    assert options == ["Я (Крылова Дарья Олеговна)", "Крылов Матвей Ильич"]

    page.select_option("#acting-patient", child["id"])
    page.click("#acting-switch")
    expect(page.locator("#acting-for")).to_have_text("Запись для: Крылов Матвей Ильич")

    # The ordinary booking flow, now for the child.
    service, doctor, day, free = h.find_day(api, min_free=2, last_service=True)
    page.goto(f"{base}/doctors/{doctor['id']}/day?service_id={service['id']}&date={day}")
    page.locator(f"#time-{free[0]['id']}").click()
    page.wait_for_selector("#consent-text")
    expect(page.locator("#acting-for")).to_be_visible()
    page.click("#accept-consent")
    page.wait_for_selector("#book-submit")
    expect(page.locator("#acting-for")).to_have_text("Запись для: Крылов Матвей Ильич")
    expect(page.locator("#confirm-patient")).to_have_text("Крылов Матвей Ильич")
    _save(page, shot, "family-02-confirm-for-child")
    page.click("#book-submit")
    page.wait_for_selector("#appointment-summary")
    assert page.inner_text("#summary-patient") == "Крылов Матвей Ильич"
    _save(page, shot, "family-03-talon-child")

    # The cabinet shows the child's appointment while acting for the child, and not her own.
    page.goto(f"{base}/cabinet")
    assert page.inner_text("#cabinet-patient") == "Крылов Матвей Ильич"
    expect(page.locator("[data-testid=appointment]")).to_have_count(1)
    page.select_option("#acting-patient", "")
    page.click("#acting-switch")
    page.wait_for_url("**/cabinet*")
    expect(page.locator("#acting-for")).to_have_count(0)
    assert page.inner_text("#cabinet-patient") == "Крылова Дарья Олеговна"
    expect(page.locator("[data-testid=appointment]")).to_have_count(0)


def test_the_adult_accepts_the_link_in_their_own_cabinet(page, shot, base, family, api):
    grandpa = family["grandpa"]
    h.patient_login(page, base, grandpa, next_path="/cabinet/family")
    incoming = page.locator("[data-testid=family-incoming]")
    expect(incoming).to_contain_text("Крылова Дарья Олеговна")
    _save(page, shot, "family-04-incoming")
    incoming.locator("button.link-accept").click()
    page.wait_for_url("**/cabinet/family")
    expect(page.locator("[data-testid=flash]")).to_contain_text("Связь подтверждена")
    expect(page.locator("[data-testid=family-incoming]")).to_have_attribute(
        "data-status", "confirmed")


def test_the_reception_sees_the_links_on_the_card_and_ends_one(page, shot, base, family):
    mother, child = family["mother"], family["child"]
    h.staff_login(page, base, h.REGISTRAR)
    page.goto(f"{base}/staff/patients/{mother['id']}")
    links = page.locator("[data-testid=staff-link]")
    expect(links).to_have_count(2)
    child_link = links.filter(has_text="Крылов Матвей Ильич")
    expect(child_link).to_contain_text("подтверждена")
    _save(page, shot, "family-05-staff-card")
    child_link.locator("button.link-end").click()
    page.wait_for_url(f"**/staff/patients/{mother['id']}*")
    expect(page.locator("[data-testid=staff-link]").filter(has_text="Крылов Матвей Ильич")) \
        .to_have_attribute("data-status", "ended")
    # The child's own card shows who booked for him.
    page.goto(f"{base}/staff/patients/{child['id']}")
    expect(page.locator("[data-testid=staff-link]")).to_contain_text("Крылова Дарья Олеговна")
