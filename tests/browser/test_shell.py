"""The web shell in a real browser: the chamber page, the language switch, the error page."""
from playwright.sync_api import expect


def test_chamber_page_and_language_switch(page, site):
    page.goto(f"{site}/c/1504")
    expect(page.locator("h1")).to_have_text("さいたま商工会議所")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == \
        "rgb(248, 250, 252)"  # the stylesheet loaded

    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("The Saitama Chamber of Commerce and Industry")
    expect(page.get_by_text("Registration fee (tax included)")).to_be_visible()

    page.goto(f"{site}/c/1504")  # the choice is remembered
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("link", name="日本語").click()
    expect(page.locator("h1")).to_have_text("さいたま商工会議所")


def test_unknown_chamber_shows_a_page_not_a_stack_trace(page, site):
    response = page.goto(f"{site}/c/0000")
    assert response.status == 404
    page.browser_errors.remove(
        "Failed to load resource: the server responded with a status of 404 (NOT FOUND)")
    expect(page.locator("h1")).to_have_text("この商工会議所コードの商工会議所はありません。")
