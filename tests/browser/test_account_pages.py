"""The account pages in a real browser against `tradecert run`: the admin's first login (ID-2)
and a replaced session (ID-10) in Japanese, the signer's e-mail verification (ID-5) in
English, and a sub ID from creation to its holder's login through the mailed link (ID-6)."""
import re
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import expect

from tests.browser.conftest import ADMIN_PASSWORD, SIGNER_EMAIL, USER_PASSWORD, log_in

CODE_SUBJECT = "貿易関係証明発給用メールアドレス認証 確認コードのお知らせ"
SUB_SUBJECT = "【貿易関係証明発給システム】サブID付与のお知らせ"
SUB_PASSWORD = "SubId2026x"


def test_admin_first_login_changes_the_password_and_a_second_login_replaces_it(
        page, site, seeded, browser):
    page.goto(f"{site}/c/1504/login")
    expect(page.locator("h1")).to_have_text("ログイン")
    expect(page.locator("#f-login_id")).to_have_attribute("autocomplete", "username")
    expect(page.locator("#f-password")).to_have_attribute("autocomplete", "current-password")
    log_in(page, seeded.admin, seeded.admin_initial)

    # ID-2: the initial password is changed first, with the policy shown
    expect(page).to_have_url(f"{site}/me/password")
    expect(page.get_by_text("初回ログインです。最初に初期パスワードを変更してください。")).to_be_visible()
    expect(page.get_by_text("半角英字と数字をそれぞれ1文字以上含む、8〜16文字。")).to_be_visible()
    expect(page.locator("#f-new_password")).to_have_attribute("autocomplete", "new-password")
    page.locator("#f-current_password").fill(seeded.admin_initial)
    page.locator("#f-new_password").fill(ADMIN_PASSWORD)
    page.locator("#f-new_password_confirm").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="パスワード変更").click()

    expect(page).to_have_url(f"{site}/me?notice=password_changed")
    expect(page.get_by_role("status")).to_have_text("パスワードを変更しました。")
    page.get_by_role("link", name="署名者とサブIDの管理").click()
    expect(page.locator("h1")).to_have_text("署名者とサブIDの管理")
    expect(page.get_by_role("heading", name="山田 太郎 TARO YAMADA")).to_be_visible()
    pdf_link = page.get_by_role("link", name="署名登録証（PDF）")
    expect(pdf_link).not_to_have_attribute("target", "_blank")  # no pop-up
    pdf = page.request.get(site + pdf_link.get_attribute("href"))  # this tab's session
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"

    # ID-10: a login with the same ID elsewhere ends this session, and this tab says why
    elsewhere = browser.new_context(locale="ja-JP")
    other = elsewhere.new_page()
    other.goto(f"{site}/c/1504/login")
    log_in(other, seeded.admin, ADMIN_PASSWORD)
    expect(other).to_have_url(f"{site}/me")
    elsewhere.close()

    page.reload()
    expect(page).to_have_url(re.compile(r"/c/1504/login\?notice=session_replaced"))
    expect(page.get_by_role("alert")).to_have_text(
        "同じIDで別の場所からログインがあったため、このログインは終了しました。")
    log_in(page, seeded.admin, ADMIN_PASSWORD)
    expect(page).to_have_url(f"{site}/signers")  # back where it was
    page.get_by_role("button", name="ログアウト").click()
    expect(page.get_by_role("status")).to_have_text("ログアウトしました。")


def test_signer_verifies_the_email_address_in_english(page, site, seeded):
    seeded.set_user_password()
    page.goto(f"{site}/c/1504/login")
    page.get_by_role("link", name="English").click()
    expect(page.locator("h1")).to_have_text("Log in")
    log_in(page, seeded.user, USER_PASSWORD, button="Log in")

    # ID-5: the address on file, the code from the mail, then back to the login page
    expect(page).to_have_url(f"{site}/me/email-verification")
    expect(page.locator("h1")).to_have_text("E-mail verification")
    expect(page.locator("dd strong")).to_have_text(SIGNER_EMAIL)
    code_input = page.locator("#f-code")
    expect(code_input).to_have_attribute("autocomplete", "one-time-code")
    mail = seeded.wait_for_mail(SIGNER_EMAIL, CODE_SUBJECT)
    code_input.fill(re.search(r"確認コード: (\d{6})", mail.get_content()).group(1))
    page.get_by_role("button", name="Confirm", exact=True).click()

    expect(page).to_have_url(f"{site}/c/1504/login?notice=email_verified")
    expect(page.get_by_role("status")).to_have_text(
        "Your e-mail address is verified. Please log in again.")
    log_in(page, seeded.user, USER_PASSWORD, button="Log in")
    expect(page).to_have_url(f"{site}/me")
    expect(page.get_by_role("link", name="Sub IDs")).to_be_visible()
    expect(page.get_by_text("User ID", exact=True)).to_be_visible()


def test_sub_id_is_created_notified_and_activated_from_the_mailed_link(page, site, seeded,
                                                                       browser):
    seeded.set_user_password()
    seeded.verify_user(CODE_SUBJECT)
    page.goto(f"{site}/c/1504/login")
    log_in(page, seeded.user, USER_PASSWORD)
    page.get_by_role("link", name="サブID管理").click()

    # ID-6.1: create
    page.locator("#f-name").fill("鈴木 一郎")
    page.locator("#f-password").fill(SUB_PASSWORD)
    page.locator("#f-password_confirm").fill(SUB_PASSWORD)
    page.locator("#f-email").fill("suzuki@agent.example.jp")
    page.locator("#f-phone").fill("048-111-2222")
    page.get_by_role("button", name="作成").click()
    expect(page.get_by_role("status")).to_contain_text("を作成しました。")
    sub = parse_qs(urlparse(page.url).query)["login_id"][0]

    # ID-6.2: notify — pre-filled, confirmed, sent
    page.get_by_role("row", name=re.compile(sub)).get_by_role("link", name="通知").click()
    expect(page.locator("#f-subject")).to_have_value(SUB_SUBJECT)
    expect(page.locator("#f-target_trade_registration_number")).to_have_value("1504-000318")
    expect(page.locator("#f-body")).to_contain_text("鈴木 一郎 様")
    page.locator("#f-body").press("End")
    page.locator("#f-body").type("\nよろしくお願いします。")
    page.get_by_role("button", name="確認").click()
    expect(page.locator("h1")).to_have_text("通知内容の確認")
    expect(page.locator(".mail-body")).to_contain_text("よろしくお願いします。")
    page.get_by_role("button", name="送信").click()
    expect(page.get_by_role("status")).to_have_text(f"サブID {sub} の通知を送信しました。")

    # ID-6.3: the holder, in another browser, opens the link and enters the password
    mail = seeded.wait_for_mail("suzuki@agent.example.jp", SUB_SUBJECT)
    assert "よろしくお願いします。" in mail.get_content()
    link = re.search(r"(http\S+/sub-id/activate\?token=\S+)", mail.get_content()).group(1)
    holder_context = browser.new_context(locale="ja-JP")
    holder = holder_context.new_page()
    holder.goto(link)
    expect(holder.locator("h1")).to_have_text("サブIDの有効化")
    holder.locator("#f-password").fill(SUB_PASSWORD)
    holder.get_by_role("button", name="有効にする").click()
    expect(holder.locator("h1")).to_have_text("サブIDが有効になりました")
    holder.get_by_role("link", name="ログイン画面へ").click()
    log_in(holder, sub, SUB_PASSWORD)
    expect(holder).to_have_url(f"{site}/me")
    expect(holder.get_by_text("サブID", exact=True)).to_be_visible()
    expect(holder.get_by_role("link", name="パスワード変更")).to_be_visible()
    holder_context.close()

    page.reload()
    expect(page.get_by_role("row", name=re.compile(sub))).to_contain_text("有効")
