"""The account pages (ID-1 … ID-9) through the real gateway and services: log in (each first-
login step), session replaced, CSRF, the language switch, the admin's signers, and sub IDs
from creation to the holder's first login, with the mails read from the SMTP sink."""
import base64
import html
import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from babel.messages.extract import extract_from_dir

from tests.api.pages import csrf_of, location, log_in, submit, text_of

ADMIN_PASSWORD = "Admin2026x"
USER_PASSWORD = "Signer2026x"
SUB_PASSWORD = "SubId2026x"
CODE_SUBJECT = "貿易関係証明発給用メールアドレス認証 確認コードのお知らせ"
SUB_SUBJECT = "【貿易関係証明発給システム】サブID付与のお知らせ"
TEMPLATES = Path(__file__).resolve().parents[2] / "gateway" / "templates" / "account"
CATALOGS = Path(__file__).resolve().parents[2] / "gateway" / "translations"


# --- helpers -------------------------------------------------------------------------------

def code_from(mail) -> str:
    return re.search(r"確認コード: (\d{6})", mail.get_content()).group(1)


def mails_to(sink, address, subject=None):
    return [m for m in sink.messages()
            if m["To"] == address and (subject is None or m["Subject"] == subject)]


def wait_for_mail(sink, address, subject, count=1):
    from tests.conftest import wait_for

    return wait_for(lambda: len(found := mails_to(sink, address, subject)) >= count and found,
                    message=f"{count} mail(s) to {address}")[-1]


def signature_file_id(rpc) -> str:
    """A registered signature (REG-7), as staff would upload it, through documents."""
    from tests.helpers.scans import frame, paper, scanned, sign

    scan = base64.b64encode(scanned(sign(frame(paper())))).decode()
    return rpc.documents.store_signature(scan)["file_id"]


@pytest.fixture
def registration(saitama, rpc_client):
    """さくら貿易's IDs: the admin (initial password) and two signers' user IDs."""
    signature = signature_file_id(rpc_client)
    created = rpc_client.identity.create_registration_accounts({
        "cci_code": "1504", "trade_registration_number": "1504-000318",
        "company": {"name_ja": "さくら貿易", "name_en": "SAKURA TRADING"},
        "contact": {"name": "連絡 太郎", "email": "contact@sakura.example.jp"},
        "signers": [
            {"signer_id": "s1", "name_ja": "山田 太郎", "name_en": "TARO YAMADA",
             "title_en": "EXPORT MANAGER", "email": "yamada@sakura.example.jp",
             "signature_file_id": signature},
            {"signer_id": "s2", "name_ja": "佐藤 花子", "name_en": "HANAKO SATO",
             "title_en": "GENERAL MANAGER", "email": "sato@sakura.example.jp",
             "signature_file_id": signature}]})
    return {"admin": created["admin"]["login_id"],
            "admin_initial": created["admin"]["initial_password"],
            "users": [u["login_id"] for u in created["users"]]}


def admin_ready(web, registration):
    """The admin logged in in `web`, with its initial password changed (ID-2)."""
    assert location(log_in(web, registration["admin"], registration["admin_initial"])) == \
        "/me/password"
    changed = submit(web, "/me/password", {
        "current_password": registration["admin_initial"], "new_password": ADMIN_PASSWORD,
        "new_password_confirm": ADMIN_PASSWORD})
    assert location(changed) == "/me?notice=password_changed"


def set_user_password(web, login_id, password=USER_PASSWORD):
    """A user's initial password is sealed for its certificate: the admin sets one (ID-4)."""
    response = submit(web, f"/signers/{login_id}/password", {
        "new_password": password, "new_password_confirm": password}, form_page=web.get("/signers"))
    assert location(response) == f"/signers?notice=signer_password_set&login_id={login_id}"


def user_verified(client, sink, login_id, email, password=USER_PASSWORD):
    """A user ID through its e-mail verification (ID-5), logged in again afterwards."""
    assert location(log_in(client, login_id, password)) == "/me/email-verification"
    code = code_from(wait_for_mail(sink, email, CODE_SUBJECT))
    done = submit(client, "/me/email-verification", {"step": "confirm", "code": code})
    assert location(done) == "/c/1504/login?notice=email_verified"
    assert location(log_in(client, login_id, password)) == "/me"


# --- ID-1: the login page ------------------------------------------------------------------

def test_login_page_in_japanese_with_the_language_switch(web, saitama):
    page = web.get("/c/1504/login")

    assert page.status_code == 200 and '<html lang="ja">' in page.text
    assert "<h1>ログイン</h1>" in page.text and "さいたま商工会議所" in page.text
    assert 'autocomplete="username"' in page.text
    assert 'autocomplete="current-password"' in page.text
    assert '<label for="f-login_id">ID' in page.text and 'id="f-login_id"' in page.text
    assert 'href="/lang/en?next=/c/1504/login"' in page.text

    switched = web.get("/lang/en?next=/c/1504/login", allow_redirects=False)
    assert switched.headers["Location"].endswith("/c/1504/login")
    english = web.get("/c/1504/login")
    assert '<html lang="en">' in english.text and "<h1>Log in</h1>" in english.text
    assert "Saitama CCI" in english.text and "Password" in english.text
    assert web.get("/c/9999/login").status_code == 404


def test_wrong_password_and_unknown_id_get_the_same_answer(web, registration):
    wrong = log_in(web, registration["admin"], "Wrong0000x")
    unknown = log_in(web, "A0000000", "Wrong0000x")

    for page in (wrong, unknown):
        assert page.status_code == 401
        assert 'role="alert">IDまたはパスワードが正しくありません。' in page.text
        assert "Wrong0000x" not in page.text  # never echoed
    assert f'value="{registration["admin"]}"' in wrong.text  # the ID is kept
    empty = submit(web, "/c/1504/login", {"login_id": "", "password": ""})
    assert empty.status_code == 422
    # beside each field, and again at the top as links to them (GOV.UK's error summary)
    assert re.findall(r'<p class="field-error" id="f-(\w+)-error">必須項目です。</p>',
                      empty.text) == ["login_id", "password"]
    assert re.findall(r'<li><a href="#f-(\w+)">[^<]+: 必須項目です。</a></li>', empty.text) == [
        "login_id", "password"]
    english = submit(web, "/c/1504/login?lang=en", {"login_id": "x", "password": "y"})
    assert "The ID or the password is wrong." in english.text


def test_repeated_failures_show_when_to_try_again(web, registration):
    for _ in range(5):
        assert log_in(web, registration["admin"], "Wrong0000x").status_code == 401
    throttled = log_in(web, registration["admin"], registration["admin_initial"])

    assert throttled.status_code == 429 and 800 < int(throttled.headers["Retry-After"]) <= 901
    assert "15分後に再度お試しください。" in text_of(throttled)


def test_admin_first_login_goes_to_the_password_change_and_nothing_else(web, registration):
    response = log_in(web, registration["admin"], registration["admin_initial"])

    assert location(response) == "/me/password"
    assert "tc_session" in response.cookies
    page = web.get("/me/password")
    assert "初回ログインです。最初に初期パスワードを変更してください。" in page.text
    assert "半角英字と数字をそれぞれ1文字以上含む、8〜16文字。" in page.text  # ID-2
    assert 'autocomplete="new-password"' in page.text
    # every other page leads back here
    assert location(web.get("/signers", allow_redirects=False)) == \
        "/me/password?notice=password_change_required"

    mismatch = submit(web, "/me/password", {"current_password": registration["admin_initial"],
                                            "new_password": "Newpass123",
                                            "new_password_confirm": "Newpass124"})
    assert mismatch.status_code == 422
    assert 'id="f-new_password_confirm-error">確認用のパスワードが一致しません。' in mismatch.text
    policy = submit(web, "/me/password", {"current_password": registration["admin_initial"],
                                          "new_password": "short", "new_password_confirm": "short"})
    assert policy.status_code == 422 and "パスワードが条件を満たしていません。" in policy.text
    assert 'id="f-new_password-error">半角英字と数字' in policy.text
    wrong = submit(web, "/me/password", {"current_password": "Nope12345",
                                         "new_password": ADMIN_PASSWORD,
                                         "new_password_confirm": ADMIN_PASSWORD})
    assert 'id="f-current_password-error">現在のパスワードが正しくありません。' in wrong.text

    done = submit(web, "/me/password", {"current_password": registration["admin_initial"],
                                        "new_password": ADMIN_PASSWORD,
                                        "new_password_confirm": ADMIN_PASSWORD})
    assert location(done) == "/me?notice=password_changed"
    menu = web.get("/me?notice=password_changed")
    assert 'role="status">パスワードを変更しました。' in menu.text
    assert 'href="/signers"' in menu.text and 'href="/me/password"' in menu.text
    assert 'href="/sub-ids"' not in menu.text
    assert "管理者ID" in menu.text and "1504-000318" in menu.text


def test_user_first_login_verifies_the_email_and_returns_to_login(smtp_sink, web, registration,
                                                                   new_browser):
    admin_ready(web, registration)
    set_user_password(web, registration["users"][0])
    user = new_browser()

    assert location(log_in(user, registration["users"][0], USER_PASSWORD)) == \
        "/me/email-verification"
    page = user.get("/me/email-verification")
    assert "yamada@sakura.example.jp" in page.text
    assert 'autocomplete="one-time-code"' in page.text and 'inputmode="numeric"' in page.text
    assert location(user.get("/sub-ids", allow_redirects=False)) == \
        "/me/email-verification?notice=email_verification_required"
    first = wait_for_mail(smtp_sink, "yamada@sakura.example.jp", CODE_SUBJECT)

    wrong = submit(user, "/me/email-verification", {"step": "confirm", "code": "000000"
                                                    if code_from(first) != "000000"
                                                    else "111111"})
    assert wrong.status_code == 422 and "確認コードが正しくありません。" in wrong.text
    short = submit(user, "/me/email-verification", {"step": "confirm", "code": "12"})
    assert "メールに記載の6桁の確認コードを入力してください。" in short.text
    too_soon = submit(user, "/me/email-verification", {"step": "resend"})
    assert too_soon.status_code == 429 and "秒後に再送信できます。" in too_soon.text

    # ID-5: the mail did not arrive — change the address and get a new code there
    changed = submit(user, "/me/email-verification", {"step": "change",
                                                      "email": "taro@sakura.example.jp"})
    assert location(changed) == "/me/email-verification?notice=code_sent"
    assert "taro@sakura.example.jp" in user.get("/me/email-verification").text
    code = code_from(wait_for_mail(smtp_sink, "taro@sakura.example.jp", CODE_SUBJECT))
    # typed with a Japanese keyboard: full-width digits
    full_width = code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    done = submit(user, "/me/email-verification", {"step": "confirm", "code": full_width})

    assert location(done) == "/c/1504/login?notice=email_verified"
    login_page = user.get("/c/1504/login?notice=email_verified")
    assert "メールアドレスの認証が完了し、IDが有効になりました。" in login_page.text
    assert location(user.get("/me", allow_redirects=False)).startswith(
        "/c/1504/login?notice=unauthorized")  # the session ended with the verification
    assert location(log_in(user, registration["users"][0], USER_PASSWORD)) == "/me"
    menu = user.get("/me")
    assert 'href="/sub-ids"' in menu.text and 'href="/signers"' not in menu.text


# --- ID-10: a newer login ends the older session, which says why --------------------------

def test_a_replaced_session_lands_on_the_login_page_with_the_reason(web, registration, new_browser):
    admin_ready(web, registration)
    elsewhere = new_browser()
    assert location(log_in(elsewhere, registration["admin"], ADMIN_PASSWORD)) == "/me"

    response = web.get("/signers", allow_redirects=False)

    assert location(response) == "/c/1504/login?notice=session_replaced&next=%2Fsigners"
    page = web.get("/c/1504/login?notice=session_replaced&next=%2Fsigners")
    assert 'role="alert">同じIDで別の場所からログインがあったため、このログインは終了しました。' \
        in page.text
    assert 'name="next" value="/signers"' in page.text
    # logging in again goes back to where the page was
    again = submit(web, "/c/1504/login", {"login_id": registration["admin"],
                                          "password": ADMIN_PASSWORD, "next": "/signers"},
                   form_page=page)
    assert location(again) == "/signers"
    off_site = submit(web, "/c/1504/login", {"login_id": registration["admin"],
                                             "password": ADMIN_PASSWORD,
                                             "next": "//evil.example/"})
    assert location(off_site) == "/me"
    english = web.get("/c/1504/login?notice=session_replaced&lang=en")
    assert "Your ID logged in elsewhere, so this session has ended." in english.text


def test_many_tabs_share_one_session_and_logout_ends_it(web, registration):
    admin_ready(web, registration)
    tab_one, tab_two = web.get("/signers"), web.get("/me/password")
    assert csrf_of(tab_one) == csrf_of(tab_two)  # a form from any tab works

    assert "からログアウトしますか" in web.get("/logout").text
    out = submit(web, "/logout", {}, form_page=tab_one)
    assert location(out) == "/c/1504/login?notice=logged_out"
    assert "ログアウトしました。" in web.get("/c/1504/login?notice=logged_out").text
    assert location(web.get("/me", allow_redirects=False)).startswith(
        "/c/1504/login?notice=unauthorized")


def test_pages_without_any_session_answer_a_login_error_page(web, saitama):
    page = web.get("/me", allow_redirects=False)
    assert page.status_code == 401 and "ログインしてください。" in page.text


# --- CSRF ------------------------------------------------------------------------------------

def test_a_form_post_without_the_csrf_token_is_refused(web, registration):
    admin_ready(web, registration)

    refused = web.post("/me/password", data={"current_password": ADMIN_PASSWORD,
                                             "new_password": "Other2026x",
                                             "new_password_confirm": "Other2026x"})
    assert refused.status_code == 403
    assert "フォームの有効期限が切れました。" in refused.text
    # the password did not change
    assert location(log_in(web, registration["admin"], ADMIN_PASSWORD)) == "/me"


def test_login_without_a_token_is_refused_even_without_a_cookie(web, registration, new_browser):
    fresh = new_browser()
    response = fresh.post("/c/1504/login", data={"login_id": registration["admin"],
                                                 "password": registration["admin_initial"]},
                          allow_redirects=False)
    assert response.status_code == 403 and "フォームの有効期限が切れました。" in response.text
    assert fresh.get("/me", allow_redirects=False).status_code == 401  # no session started


def test_login_rotates_the_csrf_token(web, registration):
    before = csrf_of(web.get("/c/1504/login"))
    admin_ready(web, registration)
    assert csrf_of(web.get("/me")) != before


# --- ID-3, ID-4, ID-6.4, ID-6.5: the admin's signers page -------------------------------------

def test_signers_page_lists_signers_their_sub_ids_and_certificates(web, registration, new_browser):
    admin_ready(web, registration)
    yamada = registration["users"][0]

    page = web.get("/signers")

    assert page.status_code == 200
    text = text_of(page)
    for expected in ("山田 太郎", "TARO YAMADA", "EXPORT MANAGER", "yamada@sakura.example.jp",
                     "佐藤 花子", "HANAKO SATO", "未認証"):
        assert expected in text
    pdf_link = f'href="/api/v1/signers/{yamada}/registration-certificate.pdf"'
    assert pdf_link in page.text
    assert 'target="_blank"' not in page.text  # the PDF opens in the page (no pop-up)
    assert f'action="/signers/{yamada}/password"' in page.text
    assert "************" in text  # ID-3 explained

    pdf = web.get(f"/api/v1/signers/{yamada}/registration-certificate.pdf")  # the cookie works
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.headers["Content-Disposition"].startswith("inline")

    mismatch = submit(web, f"/signers/{yamada}/password",
                      {"new_password": USER_PASSWORD, "new_password_confirm": "Other1234"},
                      form_page=page)
    assert mismatch.status_code == 422 and "確認用のパスワードが一致しません。" in mismatch.text
    assert "山田 太郎" in mismatch.text
    set_user_password(web, yamada)
    assert f"{yamada} のパスワードを設定しました。" in web.get(
        f"/signers?notice=signer_password_set&login_id={yamada}").text
    assert location(log_in(new_browser(), yamada, USER_PASSWORD)) == "/me/email-verification"
    assert web.get("/signers/U0000000/password").status_code == 404


def test_other_kinds_are_refused_the_admin_pages(web, registration, rpc_client, new_browser):
    rpc_client.identity.add_staff({"cci_code": "1504", "login_id": "staff01",
                                   "password": "Staff2026x"})
    staff = new_browser()
    assert location(log_in(staff, "staff01", "Staff2026x")) == "/me"
    menu = staff.get("/me")
    assert "商工会議所職員" in menu.text and 'href="/me/password"' in menu.text
    assert 'href="/signers"' not in menu.text and 'href="/sub-ids"' not in menu.text

    refused = staff.get("/signers")
    assert refused.status_code == 403 and "この操作は許可されていません。" in refused.text
    assert staff.get("/sub-ids").status_code == 403


# --- ID-6: sub IDs from creation to the holder's login ----------------------------------------

def test_sub_ids_end_to_end(smtp_sink, web, registration, new_browser):
    admin_ready(web, registration)
    yamada = registration["users"][0]
    set_user_password(web, yamada)
    user = new_browser()
    user_verified(user, smtp_sink, yamada, "yamada@sakura.example.jp")

    page = user.get("/sub-ids")
    assert page.status_code == 200 and "サブIDはまだありません。" in page.text
    for name in ("name", "password", "password_confirm", "email", "phone"):
        assert f'<label for="f-{name}">' in page.text

    # ID-6.1: required fields and the confirmation are checked on the page
    refused = submit(user, "/sub-ids", {"name": "", "password": SUB_PASSWORD,
                                        "password_confirm": "Different1", "email": ""},
                     form_page=page)
    assert refused.status_code == 422
    assert 'id="f-name-error">必須項目です。' in refused.text
    assert 'id="f-email-error">必須項目です。' in refused.text
    bad = submit(user, "/sub-ids", {"name": "鈴木 一郎", "password": "abc",
                                    "password_confirm": "abc", "email": "not-an-address"},
                 form_page=page)
    assert bad.status_code == 422
    assert 'id="f-email-error">メールアドレスの形式が正しくありません。' in bad.text
    assert 'value="鈴木 一郎"' in bad.text  # what was typed stays
    created = submit(user, "/sub-ids", {"name": "鈴木 一郎", "password": SUB_PASSWORD,
                                        "password_confirm": SUB_PASSWORD,
                                        "email": "suzuki@agent.example.jp",
                                        "phone": "048-111-2222"}, form_page=page)
    target = location(created)
    sub = parse_qs(urlparse(target).query)["login_id"][0]
    assert target == f"/sub-ids?notice=sub_id_created&login_id={sub}"
    listed = user.get(target)
    assert f"サブID {sub} を作成しました。次に利用者へ通知してください。" in listed.text
    assert "未通知" in listed.text and f'href="/sub-ids/{sub}/notify"' in listed.text

    # ID-6.5: edit
    edit = user.get(f"/sub-ids/{sub}/edit")
    assert 'value="suzuki@agent.example.jp"' in edit.text
    edited = submit(user, f"/sub-ids/{sub}/edit", {"name": "鈴木 一郎", "phone": "",
                                                  "email": "ichiro@agent.example.jp"},
                    form_page=edit)
    assert location(edited) == f"/sub-ids?notice=sub_id_updated&login_id={sub}"

    # ID-6.2: the notification, pre-filled and editable, confirmed, then sent
    form = user.get(f"/sub-ids/{sub}/notify")
    assert f'value="{SUB_SUBJECT}"' in form.text
    assert 'value="1504-000318"' in form.text and 'value="ichiro@agent.example.jp"' in form.text
    body = html.unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", form.text, re.S).group(1))
    assert body.startswith("鈴木 一郎 様") and "Dear 鈴木 一郎," in body and "山田 太郎" in body
    body += "\nよろしくお願いします。"
    fields = {"target_trade_registration_number": "1504-000318", "target_phone": "",
              "target_email": "ichiro@agent.example.jp", "subject": SUB_SUBJECT, "body": body}
    unknown = submit(user, f"/sub-ids/{sub}/notify", {
        **fields, "target_trade_registration_number": "1504-999999", "step": "send"},
        form_page=form)
    assert unknown.status_code == 404, text_of(unknown)
    assert "この商工会議所にこの貿易登録番号の登録はありません。" in unknown.text
    confirm = submit(user, f"/sub-ids/{sub}/notify", {**fields, "step": "confirm"},
                     form_page=form)
    assert confirm.status_code == 200 and "通知内容の確認" in confirm.text
    assert "よろしくお願いします。" in text_of(confirm)
    back = submit(user, f"/sub-ids/{sub}/notify", {**fields, "step": "edit"}, form_page=form)
    assert back.status_code == 200 and "よろしくお願いします。" in back.text
    sent = submit(user, f"/sub-ids/{sub}/notify", {**fields, "step": "send"}, form_page=form)
    assert location(sent) == f"/sub-ids?notice=sub_id_notified&login_id={sub}"
    assert "通知済み・未有効化" in user.get("/sub-ids").text

    # ID-6.3: the holder opens the link, enters the password the signer set
    mail = wait_for_mail(smtp_sink, "ichiro@agent.example.jp", SUB_SUBJECT)
    content = mail.get_content()
    assert "よろしくお願いします。" in content
    link = urlparse(re.search(r"(http\S+/sub-id/activate\?token=\S+)", content).group(1))
    holder = new_browser()
    activation = f"{link.path}?{link.query}"
    page = holder.get(activation)
    assert page.status_code == 200 and 'autocomplete="current-password"' in page.text
    wrong = submit(holder, activation, {"password": "Wrong2026x"}, form_page=page)
    assert wrong.status_code == 422 and "パスワードが正しくありません。" in wrong.text
    done = submit(holder, activation, {"password": SUB_PASSWORD}, form_page=page)
    assert location(done) == "/sub-id/activated?cci_code=1504"
    assert 'href="/c/1504/login"' in holder.get("/sub-id/activated?cci_code=1504").text
    again = submit(holder, activation, {"password": SUB_PASSWORD}, form_page=page)
    assert again.status_code == 410 and "このリンクは無効になっています。" in again.text

    assert location(log_in(holder, sub, SUB_PASSWORD)) == "/me"
    menu = holder.get("/me")
    assert "サブID" in menu.text and 'href="/me/password"' in menu.text
    assert 'href="/sub-ids"' not in menu.text and 'href="/signers"' not in menu.text
    assert "有効" in user.get("/sub-ids").text

    # ID-6.4 / 6.5: the admin sees it, and a reset cancels the notification
    signers = web.get("/signers")
    assert sub in signers.text and "鈴木 一郎" in signers.text
    assert "通知は取り消されます。" in signers.text
    reset = submit(web, f"/signers/sub-ids/{sub}/password", {
        "new_password": "Reset2026x", "new_password_confirm": "Reset2026x"}, form_page=signers)
    assert location(reset) == f"/signers?notice=sub_id_password_set&login_id={sub}"
    assert "未通知" in user.get("/sub-ids").text
    assert log_in(new_browser(), sub, "Reset2026x").status_code == 401  # must be notified again

    # ID-6.6: delete, after a confirmation that says it is final
    confirm_delete = user.get(f"/sub-ids/{sub}/delete")
    assert "削除は取り消せません。" in confirm_delete.text
    deleted = submit(user, f"/sub-ids/{sub}/delete", {}, form_page=confirm_delete)
    assert location(deleted) == f"/sub-ids?notice=sub_id_deleted&login_id={sub}"
    assert user.get(f"/sub-ids/{sub}/edit").status_code == 404


def test_activation_links_that_do_not_work(web, registration):
    page = web.get("/sub-id/activate?token=" + "x" * 43)
    gone = submit(web, "/sub-id/activate?token=" + "x" * 43, {"password": "Whatever1"},
                  form_page=page)
    assert gone.status_code == 410 and "このリンクは無効になっています。" in gone.text
    assert web.get("/sub-id/activate").status_code == 410
    english = web.get("/sub-id/activate?lang=en")
    assert "This link is no longer valid." in english.text


def test_notices_are_fixed_texts_only(web, saitama):
    page = web.get("/c/1504/login", params={"notice": "sub_id_deleted",
                                             "login_id": "<script>alert(1)</script>"})
    assert "<script>alert(1)" not in page.text and 'role="status"' not in page.text
    assert 'role="alert"' not in web.get("/c/1504/login?notice=anything").text


# --- every visible string is translated ---------------------------------------------------------

def test_every_message_of_the_account_pages_has_japanese():
    method_map = [("**.html", "jinja2"), ("**.txt", "ignore")]
    ids = {message[2] if isinstance(message[2], str) else message[2][0]
           for message in extract_from_dir(str(TEMPLATES), method_map)}
    shared = {message[2] for message in extract_from_dir(str(TEMPLATES.parent),
                                                         [("_*.html", "jinja2")])}
    assert "(required)" in shared  # the form macros every page shares (_forms.html)
    ids |= shared
    from gateway import pages

    ids |= {msgid for _, msgid in pages.NOTICES.values()}
    from gateway import i18n

    assert sorted(i for i in ids if not i18n.has_message("ja", i)) == []
    assert len(ids) > 100


@pytest.mark.parametrize(("target", "kept"), [
    ("/signers", True), ("/sub-ids?notice=sub_id_created&login_id=S1", True),
    ("//evil.example/", False), ("/\\evil.example/", False), ("/\t/evil.example/", False),
    ("https://evil.example/", False), ("/me\n", False), ("", False)])
def test_after_login_only_a_path_on_this_site(target, kept):
    from gateway.pages import safe_next

    assert (safe_next(target) == target) is kept
