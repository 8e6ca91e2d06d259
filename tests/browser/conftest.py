"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright; screenshots are saved as
test artifacts under test-artifacts/screenshots/ (not committed)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield instance
        instance.close()


def _new_page(browser, **options):
    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900},
                                  **options)
    context.set_default_timeout(15000)
    return context, context.new_page()


@pytest.fixture()
def page(browser):
    context, tab = _new_page(browser)
    yield tab
    context.close()


@pytest.fixture()
def a11y_page(browser):
    """A page into which the tests may inject axe-core: the gateway's Content-Security-Policy
    (scripts from 'self' only) is bypassed for the injected script alone."""
    context, tab = _new_page(browser, bypass_csp=True)
    yield tab
    context.close()


@pytest.fixture()
def shot():
    """shot(page, "name") saves a full-page screenshot and returns its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture(scope="module")
def base(stack):
    """The gateway's address (the web UI)."""
    return stack.url("gateway")


@pytest.fixture(scope="module")
def api(stack):
    """The gateway's public API."""
    return stack.url("gateway") + "/api/v1"
