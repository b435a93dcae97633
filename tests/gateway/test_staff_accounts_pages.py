"""Issue 9 in the gateway with identity and registration mocked: the staff's page of a
company's IDs (ja and en), the session cookie (Secure under an https public URL, an opaque
session id that identity checks as a cookie credential, never as a bearer token), and the
chamber's contact in the pages' footer."""
import re

import nameko
import pytest

from gateway import web as gateway_web
from tests.gateway.conftest import CHAMBER
from tradecert import config

STAFF = {"login_id": "staff01", "cci_code": "1504", "kind": "staff", "name": "証明担当",
         "must_verify_email": False, "must_change_password": False,
         "trade_registration_number": None}
IDS = {"trade_registration_number": "1504-000318",
       "company": {"name_ja": "さくら貿易", "name_en": "SAKURA TRADING"},
       "accounts": [
           {"login_id": "A1234567", "kind": "admin", "name": "連絡 太郎", "created_by": None,
            "locked": True, "locked_at": "2026-12-01T01:00:00+00:00", "locked_by": "staff01",
            "unlocked_at": None, "unlocked_by": None},
           {"login_id": "U7654321", "kind": "user", "name": "山田 太郎", "created_by": None,
            "locked": False, "locked_at": None, "locked_by": None, "unlocked_at": None,
            "unlocked_by": None},
           {"login_id": "S1111111", "kind": "sub", "name": "サブ 一郎",
            "created_by": "U7654321", "locked": False, "locked_at": None, "locked_by": None,
            "unlocked_at": None, "unlocked_by": None}]}
PAGE = "/staff/trade-registrations/1504-000318"


def csrf_of(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]


@pytest.fixture
def staff(gateway):
    gateway.identity.authorize.return_value = STAFF
    gateway.identity.staff_registration_accounts.return_value = IDS
    return gateway


@pytest.mark.parametrize(("lang", "texts"), [
    ("ja", ("貿易登録のID", "ロック中", "U7654321 をロック", "A1234567 のロックを解除",
            "管理者パスワードを再発行", "U7654321 が作成")),
    ("en", ("IDs of a trade registration", "Locked", "Lock U7654321", "Unlock A1234567",
            "Issue a new admin password", "made by U7654321"))])
def test_the_ids_page_shows_each_id_with_its_lock_state_and_buttons(staff, lang, texts):
    page = staff.web.get(PAGE, headers={"Accept-Language": lang})

    assert page.status_code == 200, page.text
    for text in texts:
        assert text in page.text
    assert f'action="{PAGE}/accounts/A1234567/unlock"' in page.text
    assert f'action="{PAGE}/accounts/U7654321/lock"' in page.text
    assert "/api/v1/staff/registrations/1504-000318/certificate.pdf" in page.text
    staff.identity.staff_registration_accounts.assert_called_with(STAFF, "1504-000318")


def test_the_search_opens_the_page_of_the_number_typed(staff):
    found = staff.web.get("/staff/trade-registrations", params={"number": " 1504-000318 "},
                          allow_redirects=False)
    assert found.status_code == 303 and found.headers["Location"].endswith(PAGE)


def test_locking_asks_first_then_locks(staff):
    page = staff.web.get(PAGE)
    asked = staff.web.post(f"{PAGE}/accounts/U7654321/lock",
                           data={"csrf_token": csrf_of(page)})
    assert asked.status_code == 200 and "U7654321" in asked.text
    staff.identity.lock_account.assert_not_called()

    done = staff.web.post(f"{PAGE}/accounts/U7654321/lock",
                          data={"csrf_token": csrf_of(page), "confirmed": "yes"},
                          allow_redirects=False)
    assert done.status_code == 303
    assert done.headers["Location"].endswith(f"{PAGE}?notice=account_locked&login_id=U7654321")
    staff.identity.lock_account.assert_called_once_with(STAFF, "U7654321")


def test_an_id_not_of_this_registration_is_not_locked(staff):
    page = staff.web.get(PAGE)
    refused = staff.web.post(f"{PAGE}/accounts/U0000000/lock",
                             data={"csrf_token": csrf_of(page), "confirmed": "yes"})
    assert refused.status_code == 404
    staff.identity.lock_account.assert_not_called()


def test_a_new_admin_password_asks_first_then_links_the_certificate(staff):
    page = staff.web.get(PAGE)
    asked = staff.web.post(f"{PAGE}/admin-password", data={"csrf_token": csrf_of(page)})
    assert asked.status_code == 200
    staff.registration.new_admin_password.assert_not_called()
    done = staff.web.post(f"{PAGE}/admin-password",
                          data={"csrf_token": csrf_of(page), "confirmed": "yes"})
    assert done.status_code == 200 and "管理者パスワードを再発行しました" in done.text
    staff.registration.new_admin_password.assert_called_once_with(STAFF, "1504-000318")


# --- the session cookie -------------------------------------------------------------------------

def session_cookie_header(response) -> str:
    return next(v for k, v in response.raw.headers.items()
                if k.lower() == "set-cookie" and v.startswith(gateway_web.SESSION_COOKIE))


@pytest.fixture
def https_public_url():
    with nameko.config.patch({"GATEWAY": {**config.section("GATEWAY"),
                                          "public_url": "https://tradecert.example.jp",
                                          "cookie_secure": False}}):
        yield


def test_the_session_cookie_is_secure_when_the_public_url_is_https(gateway, https_public_url):
    page = gateway.web.get("/c/1504/login")
    assert "Secure" in session_cookie_header(page)
    assert "HttpOnly" in session_cookie_header(page)


def test_the_session_cookie_is_not_secure_over_plain_http(gateway):
    assert config.section("GATEWAY")["public_url"].startswith("http://")
    assert "Secure" not in session_cookie_header(gateway.web.get("/c/1504/login"))


def test_a_page_login_keeps_an_opaque_session_id_checked_as_a_cookie_credential(gateway):
    gateway.identity.login.return_value = {
        "token": "cookie-credential", "account": {"login_id": "U1", "kind": "user"},
        "must_change_password": False, "must_verify_email": False}
    form = gateway.web.get("/c/1504/login")
    done = gateway.web.post("/c/1504/login", data={
        "csrf_token": csrf_of(form), "login_id": "U1", "password": "Passw0rd1"},
        allow_redirects=False)
    assert done.status_code == 303
    assert gateway.identity.login.call_args.args[1] == "cookie"
    kept = gateway_web._serializer().loads(gateway.web.cookies[gateway_web.SESSION_COOKIE])
    assert kept[gateway_web.SESSION_ID] == "cookie-credential" and "token" not in kept

    gateway.identity.authorize.return_value = {**STAFF, "kind": "user"}
    gateway.identity.me.return_value = {"login_id": "U1"}
    gateway.web.get("/api/v1/me")
    assert gateway.identity.authorize.call_args.args == ("cookie-credential", "me.view",
                                                         "cookie")
    bearer = gateway.new_browser().get("/api/v1/me",
                                       headers={"Authorization": "Bearer api-token"})
    assert bearer.status_code == 200
    assert gateway.identity.authorize.call_args.args == ("api-token", "me.view", "bearer")


# --- the chamber's contact ----------------------------------------------------------------------

CONTACT = {"department_ja": "国際部 証明担当", "department_en": "International Division",
           "phone": "048-641-0061", "email": "shomei@example.jp",
           "hours_ja": "平日 9:00〜17:00", "hours_en": "Weekdays 9:00-17:00"}


@pytest.mark.parametrize(("lang", "department", "hours"), [
    ("ja", "国際部 証明担当", "平日 9:00〜17:00"),
    ("en", "International Division", "Weekdays 9:00-17:00")])
def test_the_chamber_pages_show_its_contact(gateway, lang, department, hours):
    gateway.identity.get_chamber.return_value = {**CHAMBER, "contact": CONTACT}
    for path in ("/c/1504", "/c/1504/login"):
        page = gateway.web.get(path, headers={"Accept-Language": lang})
        assert department in page.text and hours in page.text and "048-641-0061" in page.text
        assert page.text.count("048-641-0061") == 1  # once: in the page, not again below
