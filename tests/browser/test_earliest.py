"""«Ближайшее свободное время» in headless Chromium against the running stack: the block on the
doctor-list page shows the API's earliest times, its scope tabs work by keyboard-free clicks and
keep aria-current, it passes axe (WCAG 2.2 AA) at desktop and phone widths, and a time's button
carries that time into the booking (agreement; declining it lands on that doctor's day with the
time). Nothing is held or booked (anonymous). Screenshots: shots/ and test-artifacts/."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import helpers_a11y as a11y  # noqa: E402
import helpers_patient as h  # noqa: E402

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "shots"
SERVICE = h.SERVICE_BROWSE  # browsing only: nothing is held or booked


def keep(path: Path, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    shutil.copy(path, SHOTS / f"{name}.png")


def api_earliest(stack, **params) -> list[dict]:
    answer = requests.get(f"{h.api(stack)}/earliest-slots", timeout=20,
                          params={"service_id": SERVICE, "limit": 6, **params})
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def test_the_block_offers_the_earliest_times_and_a_button_books_that_time(stack, a11y_page, shot):
    page = a11y_page
    page.goto(f"{stack.url('gateway')}/organizations/{h.ORG}/services/{SERVICE}")
    block = page.locator("#earliest")
    assert block.locator("h2").inner_text() == "Ближайшее свободное время"
    shown = page.locator("[data-testid=earliest-slot] button").evaluate_all(
        "els => els.map(e => e.dataset.slotId)")
    expected = [i["slot_id"] for i in api_earliest(stack, organization_id=h.ORG)]
    assert shown and shown == expected
    label = page.locator("[data-testid=earliest-slot] button").first.get_attribute("aria-label")
    assert label.startswith("Записаться на ") and "," in label
    assert page.get_attribute("#earliest-scope-organization", "aria-current") == "true"
    keep(shot(page, "earliest-organization"), "earliest-organization")
    a11y.sweep(page, "earliest", shot)

    h.nav(page, "#earliest-scope-region")
    assert page.get_attribute("#earliest-scope-region", "aria-current") == "true"
    assert page.get_attribute("#earliest-scope-organization", "aria-current") is None
    region = page.locator("[data-testid=earliest-slot] button").evaluate_all(
        "els => els.map(e => e.dataset.slotId)")
    assert region == [i["slot_id"] for i in api_earliest(stack)]
    keep(shot(page, "earliest-region"), "earliest-region")
    a11y.assert_accessible(page, "earliest, region")

    first = api_earliest(stack)[0]
    h.nav(page, f"#earliest-{first['slot_id']}")
    page.wait_for_selector("#consent-text")
    h.nav(page, "#decline-consent")  # back to the chosen time's doctor and day
    assert f"/doctors/{first['doctor']['id']}/day" in page.url and first["date"] in page.url
    assert page.locator(f"#time-{first['slot_id']}").count() == 1
    keep(shot(page, "earliest-chosen-day"), "earliest-chosen-day")
