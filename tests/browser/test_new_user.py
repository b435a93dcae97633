"""Issue 9, what a new user trips over, in a real browser on a phone's width (375 px), in
Japanese and in English: after a failed login the focus is on the error, after the e-mail
verification the login ID is filled in, the header names the chamber, and the sub-ID table
fits the phone without sideways scrolling."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import SIGNER_EMAIL, USER_PASSWORD

CODE_SUBJECT = "貿易関係証明発給用メールアドレス認証 確認コードのお知らせ"
UNAUTHORIZED = "Failed to load resource: the server responded with a status of 401 " \
               "(UNAUTHORIZED)"
PHONE = {"width": 375, "height": 740}
LONG_EMAIL = "ichiro.suzuki.export-department@forwarding-agent.example.co.jp"


def log_in(page, login_id, password, button):
    page.locator("#f-login_id").fill(login_id)
    page.locator("#f-password").fill(password)
    page.get_by_role("button", name=button, exact=True).click()


def fails_first(page, site, login_id, button, message):
    """A wrong password: the alert says so and has the focus (a screen reader reads it, a
    keyboard starts there); the ID typed stays."""
    page.goto(f"{site}/c/1504/login")
    log_in(page, login_id, "Wrong2026x", button)
    alert = page.locator("#page-alert")
    expect(alert).to_have_text(message)
    expect(alert).to_be_focused()
    expect(page.locator("#f-login_id")).to_have_value(login_id)
    page.browser_errors[:] = [e for e in page.browser_errors if e != UNAUTHORIZED]


def sub_id_table_fits(page, create, chamber_name, labels):
    """ID-6.1 on a phone: the table of sub IDs has no sideways scroll, each value is named."""
    page.locator("#f-name").fill("鈴木 一郎")
    page.locator("#f-password").fill("SubId2026x")
    page.locator("#f-password_confirm").fill("SubId2026x")
    page.locator("#f-email").fill(LONG_EMAIL)
    page.locator("#f-phone").fill("048-641-0011")
    page.get_by_role("button", name=create, exact=True).click()
    expect(page.get_by_role("status")).to_be_visible()
    expect(page.locator(".site-header .chamber-name")).to_have_text(chamber_name)
    row = page.locator("table.stack tbody tr").first
    expect(row).to_contain_text(LONG_EMAIL)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.evaluate("document.documentElement.clientWidth") == PHONE["width"]
    box = row.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    # each cell says what it is, as the hidden column headings would
    for label in labels:
        assert label in row.locator("td").evaluate_all(
            "cells => cells.map(c => getComputedStyle(c, '::before').content).join(' ')")


def test_a_signer_on_a_phone_in_japanese(page, site, seeded):
    seeded.set_user_password()
    page.set_viewport_size(PHONE)
    fails_first(page, site, seeded.user, "ログイン", "IDまたはパスワードが正しくありません。")
    expect(page.locator(".site-header .chamber-name")).to_have_text("さいたま商工会議所")

    log_in(page, seeded.user, USER_PASSWORD, "ログイン")
    expect(page).to_have_url(f"{site}/me/email-verification")
    expect(page.locator(".site-header .chamber-name")).to_have_text("さいたま商工会議所")
    mail = seeded.wait_for_mail(SIGNER_EMAIL, CODE_SUBJECT)
    page.locator("#f-code").fill(re.search(r"確認コード: (\d{6})", mail.get_content()).group(1))
    page.get_by_role("button", name="確認", exact=True).click()

    # the login page has the ID filled in, and the focus waits in the password
    expect(page).to_have_url(re.compile(r"/c/1504/login\?notice=email_verified&login_id="))
    expect(page.locator("#f-login_id")).to_have_value(seeded.user)
    expect(page.locator("#f-password")).to_be_focused()
    page.keyboard.type(USER_PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{site}/me")

    page.get_by_role("link", name="サブID管理").click()
    sub_id_table_fits(page, "作成", "さいたま商工会議所",
                      ["サブID：", "メールアドレス：", "状態："])


def test_a_signer_on_a_phone_in_english(page, site, seeded):
    seeded.set_user_password()
    seeded.verify_user(CODE_SUBJECT)
    page.set_viewport_size(PHONE)
    page.goto(f"{site}/c/1504/login?lang=en")
    fails_first(page, site, seeded.user, "Log in", "The ID or the password is wrong.")
    expect(page.locator(".site-header .chamber-name")).to_have_text(
        "The Saitama Chamber of Commerce and Industry")

    log_in(page, seeded.user, USER_PASSWORD, "Log in")
    expect(page).to_have_url(f"{site}/me")
    page.get_by_role("link", name="Sub IDs").click()
    sub_id_table_fits(page, "Create", "The Saitama Chamber of Commerce and Industry",
                      ["Sub ID: ", "E-mail: ", "State: "])
