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


NOT_FOUND = "Failed to load resource: the server responded with a status of 404 (NOT FOUND)"


def test_an_unknown_address_is_a_page_in_the_visitors_language_with_a_way_back(page, site):
    """Issue 9: a 404 page in the visitor's language (the language switch's choice too),
    with the security headers, and a link back."""
    response = page.goto(f"{site}/c/1504/no-such-page")
    assert response.status == 404
    assert response.headers["x-frame-options"] == "DENY"
    expect(page.locator("h1")).to_have_text("ページが見つかりません")
    page.get_by_role("link", name="English").click()
    expect(page.locator("h1")).to_have_text("Page not found")
    page.get_by_role("link", name="Back to the chamber's page").click()
    expect(page).to_have_url(f"{site}/c/1504")
    expect(page.locator("h1")).to_have_text("The Saitama Chamber of Commerce and Industry")
    page.browser_errors[:] = [e for e in page.browser_errors if e != NOT_FOUND]


def test_the_policy_refuses_an_inline_script_and_the_tests_would_see_it(browser, site):
    """The Content-Security-Policy allows no inline script, and Chromium's report of one is
    what conftest's check fails a test on."""
    from tests.browser.conftest import is_csp_violation

    context = browser.new_context(locale="ja-JP")
    page = context.new_page()
    response = page.goto(f"{site}/c/1504")
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
    with page.expect_console_message(lambda msg: is_csp_violation(msg.text)):
        ran = page.evaluate("""() => {
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.appendChild(script);
            return window.injected === true;
        }""")
    context.close()
    assert ran is False
