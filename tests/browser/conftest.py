"""Browser tests: Debian's Chromium, headless, driven by Playwright, against `tradecert run`.

They run outside `nameko test` (Playwright's sync API does not live under eventlet's monkey
patching): scripts/test.sh runs them with plain pytest after the rest.
"""
import pytest
from playwright.sync_api import sync_playwright

from tests.conftest import wait_until_healthy

CHROMIUM = "/usr/bin/chromium"
# Without these Chromium keeps trying to reach Google's hosts, which this network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def site(running_system):
    """The base URL of a running system, healthy."""
    process, url, healthz, *_ = running_system
    wait_until_healthy(healthz)
    return url


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="ja-JP")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.browser_errors = errors  # a test that expects an error status clears it
    yield page
    context.close()
    assert errors == [], f"errors in the browser: {errors}"
