"""Issue 9 through the gateway and the real services: staff lock and unlock a company's IDs,
give a company that lost it a new admin password on a new trade registration certificate;
the chamber's contact (API, page, mails); sessions: the page cookie is no bearer token, an
absolute lifetime besides the idle one (ID-8)."""
from datetime import timedelta

import pytest

from gateway import web as gateway_web
from services.documents import domain as documents_domain
from tests.api.registration_flow import admin_password_on_certificate, approved_registration
from tests.helpers.pages import csrf_of, location, log_in, submit, text_of
from tradecert import clock

CONTACT = {"department_ja": "国際部 証明担当", "department_en": "International Division",
           "phone": "048-641-0061", "email": "shomei@saitama.example.jp",
           "hours_ja": "平日 9:00〜17:00", "hours_en": "Weekdays 9:00-17:00"}
NEW_PASSWORD = "Admin2026x"


def login(web, login_id, password, cci_code="1504"):
    return web.post("/api/v1/sessions", json={"cci_code": cci_code, "login_id": login_id,
                                              "password": password})


def bearer(token) -> dict:
    return {"Authorization": f"Bearer {token}"}


def without_request_id(response) -> dict:
    body = response.json()
    body.get("error", {}).pop("request_id", None)
    return body


@pytest.fixture
def approved(smtp_sink, saitama, web, rpc_client):
    """An approved registration, staff of Saitama, and the admin with its own password."""
    number = approved_registration(web, smtp_sink, rpc_client)  # adds staff09
    staff = bearer(login(web, "staff09", "Staff2026x").json()["token"])
    admin, initial = admin_password_on_certificate(web, staff, number)
    token = login(web, admin, initial).json()["token"]
    changed = web.put("/api/v1/me/password", headers=bearer(token),
                      json={"current_password": initial, "new_password": NEW_PASSWORD})
    assert changed.status_code == 204, changed.text
    return {"number": number, "staff": staff, "admin": admin}


def other_chamber_staff(web, rpc_client) -> dict:
    rpc_client.identity.add_chamber({"cci_code": "1301", "name_ja": "東京商工会議所",
                                     "name_en": "Tokyo CCI"})
    rpc_client.identity.add_staff({"cci_code": "1301", "login_id": "tokyo01",
                                   "password": "Staff2026x"})
    return bearer(login(web, "tokyo01", "Staff2026x", "1301").json()["token"])


# --- lock and unlock ---------------------------------------------------------------------------

def test_a_locked_id_is_refused_at_once_answers_as_a_wrong_password_and_works_when_unlocked(
        approved, web, rpc_client):
    staff, admin = approved["staff"], approved["admin"]
    session = login(web, admin, NEW_PASSWORD).json()["token"]
    assert web.get("/api/v1/me", headers=bearer(session)).status_code == 200

    locked = web.post(f"/api/v1/staff/accounts/{admin}/lock", headers=staff)
    assert locked.status_code == 200, locked.text
    assert locked.json()["locked"] is True and locked.json()["locked_by"] == "staff09"
    assert locked.json()["locked_at"]

    # its open session is refused at once
    refused = web.get("/api/v1/me", headers=bearer(session))
    assert refused.status_code == 401
    # and its login answers exactly as a wrong password does
    right = login(web, admin, NEW_PASSWORD)
    wrong = login(web, admin, "Wrong2026x")
    assert right.status_code == wrong.status_code == 401
    assert without_request_id(right) == without_request_id(wrong)
    assert right.json()["error"]["code"] == "invalid_credentials"

    # staff see who locked it, and when
    ids = web.get(f"/api/v1/staff/registrations/{approved['number']}/accounts",
                  headers=staff).json()
    assert [(a["kind"], a["locked"]) for a in ids["accounts"]] == [("admin", True),
                                                                   ("user", False)]

    unlocked = web.post(f"/api/v1/staff/accounts/{admin}/unlock", headers=staff)
    assert unlocked.status_code == 200 and unlocked.json()["locked"] is False
    assert unlocked.json()["unlocked_by"] == "staff09"
    again = login(web, admin, NEW_PASSWORD)
    assert again.status_code == 201, again.text
    assert web.get("/api/v1/me", headers=bearer(again.json()["token"])).status_code == 200


def test_staff_lock_only_their_own_chambers_company_ids(approved, web, rpc_client):
    admin = approved["admin"]
    tokyo = other_chamber_staff(web, rpc_client)
    for action in ("lock", "unlock"):
        refused = web.post(f"/api/v1/staff/accounts/{admin}/{action}", headers=tokyo)
        assert refused.status_code == 404, refused.text
        assert refused.json()["error"]["code"] == "account_not_found"
    assert web.get(f"/api/v1/staff/registrations/{approved['number']}/accounts",
                   headers=tokyo).status_code == 404
    assert web.post("/api/v1/staff/accounts/A0000000/lock",
                    headers=approved["staff"]).status_code == 404
    # staff IDs are not a company's: not found here (documented in the OpenAPI)
    assert web.post("/api/v1/staff/accounts/staff09/lock",
                    headers=approved["staff"]).status_code == 404
    # nothing was locked
    assert login(web, admin, NEW_PASSWORD).status_code == 201


# --- a new admin password ------------------------------------------------------------------------

def test_a_new_admin_password_comes_on_a_new_certificate_and_replaces_the_old(approved, web):
    staff, admin, number = approved["staff"], approved["admin"], approved["number"]
    old_session = login(web, admin, NEW_PASSWORD).json()["token"]

    issued = web.post(f"/api/v1/staff/registrations/{number}/admin-password", headers=staff)
    assert issued.status_code == 200, issued.text
    assert issued.json() == {
        "trade_registration_number": number, "admin_login_id": admin,
        "certificate_url": f"/api/v1/staff/registrations/{number}/certificate.pdf"}
    printed_id, password = admin_password_on_certificate(web, staff, number)
    assert printed_id == admin and password != NEW_PASSWORD

    assert web.get("/api/v1/me", headers=bearer(old_session)).status_code == 401
    assert login(web, admin, NEW_PASSWORD).status_code == 401  # the lost one works no more
    fresh = login(web, admin, password)
    assert fresh.status_code == 201, fresh.text
    assert fresh.json()["must_change_password"] is True  # ID-2 again
    assert web.get("/api/v1/signers", headers=bearer(fresh.json()["token"])).json()[
        "error"]["code"] == "password_change_required"


def test_a_new_admin_password_cannot_half_fail(approved, web, monkeypatch):
    """The certificate's render fails: the old password and the old certificate stay, and
    no password is in effect that no certificate shows; the next attempt works."""
    staff, admin, number = approved["staff"], approved["admin"], approved["number"]
    produce = documents_domain.produce

    def fails(session, *, kind, **kwargs):
        if kind == "registration-certificate":
            raise RuntimeError("the renderer fell over")
        return produce(session, kind=kind, **kwargs)

    monkeypatch.setattr(documents_domain, "produce", fails)
    broken = web.post(f"/api/v1/staff/registrations/{number}/admin-password", headers=staff)
    assert broken.status_code == 500
    assert login(web, admin, NEW_PASSWORD).status_code == 201
    monkeypatch.setattr(documents_domain, "produce", produce)

    assert web.post(f"/api/v1/staff/registrations/{number}/admin-password",
                    headers=staff).status_code == 200
    _, password = admin_password_on_certificate(web, staff, number)
    assert login(web, admin, password).status_code == 201
    assert login(web, admin, NEW_PASSWORD).status_code == 401
    # a repeat gives another password, again the one its certificate shows
    assert web.post(f"/api/v1/staff/registrations/{number}/admin-password",
                    headers=staff).status_code == 200
    _, newest = admin_password_on_certificate(web, staff, number)
    assert newest != password and login(web, admin, newest).status_code == 201
    assert login(web, admin, password).status_code == 401


def test_another_chamber_cannot_issue_an_admin_password(approved, web, rpc_client):
    tokyo = other_chamber_staff(web, rpc_client)
    refused = web.post(f"/api/v1/staff/registrations/{approved['number']}/admin-password",
                       headers=tokyo)
    assert refused.status_code == 404
    assert login(web, approved["admin"], NEW_PASSWORD).status_code == 201


# --- the chamber's contact ----------------------------------------------------------------------

def test_the_chambers_contact_in_the_api_on_its_pages_and_in_customer_mails(
        smtp_sink, system, web, rpc_client, new_browser):
    rpc_client.identity.add_chamber({"cci_code": "1504", "name_ja": "さいたま商工会議所",
                                     "name_en": "Saitama CCI", "contact": CONTACT})
    assert web.get("/api/v1/chambers/1504").json()["contact"] == CONTACT
    browser = new_browser()
    page = text_of(browser.get("/c/1504"))
    assert "国際部 証明担当" in page and "048-641-0061" in page and "平日 9:00〜17:00" in page
    english = text_of(browser.get("/c/1504?lang=en"))
    assert "International Division" in english and "Weekdays 9:00-17:00" in english
    assert "048-641-0061" in text_of(browser.get("/c/1504/login"))  # the pages' footer

    invited = web.post("/api/v1/chambers/1504/registration-invitations",
                       json={"email": "new@example.jp", "agree_rules": True})
    assert invited.status_code == 202, invited.text
    body = smtp_sink.wait_for_messages(1)[-1].get_content()
    assert "048-641-0061" in body and "国際部 証明担当" in body
    assert "shomei@saitama.example.jp" in body and "Weekdays 9:00-17:00" in body


def test_a_chamber_without_a_contact_answers_null(saitama, web):
    assert web.get("/api/v1/chambers/1504").json()["contact"] is None


# --- sessions (ID-8) ----------------------------------------------------------------------

def cookie_session(client) -> dict:
    return gateway_web._serializer().loads(client.cookies[gateway_web.SESSION_COOKIE])


def test_the_session_cookie_carries_no_bearer_token(approved, web, new_browser):
    browser = new_browser()
    assert location(log_in(browser, approved["admin"], NEW_PASSWORD)) == "/me"
    kept = cookie_session(browser)
    assert "token" not in kept and kept[gateway_web.SESSION_ID]
    # the cookie's session id is no bearer token ...
    assert web.get("/api/v1/me",
                   headers=bearer(kept[gateway_web.SESSION_ID])).status_code == 401
    assert browser.get("/api/v1/me").status_code == 200  # while the cookie itself works
    # ... and a bearer token put in a (validly signed) cookie is no session id
    token = login(web, approved["admin"], NEW_PASSWORD).json()["token"]
    forged = new_browser()
    forged.cookies.set(gateway_web.SESSION_COOKIE, gateway_web._serializer().dumps(
        {"csrf": "x", gateway_web.SESSION_ID: token, "cci_code": "1504"}))
    assert forged.get("/api/v1/me").status_code == 401
    assert web.get("/api/v1/me", headers=bearer(token)).status_code == 200


def test_page_logout_ends_the_cookie_session(approved, new_browser):
    browser = new_browser()
    assert location(log_in(browser, approved["admin"], NEW_PASSWORD)) == "/me"
    kept = cookie_session(browser)[gateway_web.SESSION_ID]
    assert location(submit(browser, "/logout", {})).startswith("/c/1504/login")
    stale = new_browser()
    stale.cookies.set(gateway_web.SESSION_COOKIE, gateway_web._serializer().dumps(
        {"csrf": "x", gateway_web.SESSION_ID: kept}))
    assert stale.get("/api/v1/me").status_code == 401


def test_a_busy_session_still_ends_after_its_absolute_lifetime(approved, web):
    """Requests every few hours keep it from idling out, but 12 hours after the login it
    ends: 401 session_expired (config SESSIONS.max_age_h)."""
    start = clock.now()
    with clock.frozen(start):
        token = login(web, approved["admin"], NEW_PASSWORD).json()["token"]
    for hours in (5, 10, 11.9):
        with clock.frozen(start + timedelta(hours=hours)):
            assert web.get("/api/v1/me", headers=bearer(token)).status_code == 200
    with clock.frozen(start + timedelta(hours=12, minutes=1)):
        expired = web.get("/api/v1/me", headers=bearer(token))
    assert expired.status_code == 401 and expired.json()["error"]["code"] == "session_expired"
    assert web.get("/api/v1/me", headers=bearer(token)).json()["error"]["code"] == \
        "session_expired"


def test_an_idle_session_expires_with_session_expired(approved, web, new_browser):
    start = clock.now()
    with clock.frozen(start):
        token = login(web, approved["admin"], NEW_PASSWORD).json()["token"]
    with clock.frozen(start + timedelta(hours=8, minutes=2)):
        expired = web.get("/api/v1/me", headers=bearer(token))
    assert expired.json()["error"]["code"] == "session_expired"


# --- the staff pages (no browser: the forms and their answers) ---------------------------

def test_staff_pages_lock_after_a_confirmation_and_issue_a_new_admin_password(
        approved, web, new_browser):
    staff = new_browser()
    assert location(log_in(staff, "staff09", "Staff2026x")) == "/me"
    found = staff.get(f"/staff/trade-registrations?number={approved['number']}",
                      allow_redirects=False)
    page_path = f"/staff/trade-registrations/{approved['number']}"
    assert location(found) == page_path
    page = staff.get(page_path)
    assert approved["admin"] in text_of(page)
    lock_path = f"{page_path}/accounts/{approved['admin']}/lock"
    asked = staff.post(lock_path, data={"csrf_token": csrf_of(page)})
    assert asked.status_code == 200 and 'name="confirmed" value="yes"' in asked.text
    assert login(web, approved["admin"], NEW_PASSWORD).status_code == 201  # not yet
    # without the CSRF token nothing happens
    assert staff.post(lock_path, data={"confirmed": "yes"}).status_code == 403
    done = staff.post(lock_path, data={"csrf_token": csrf_of(page), "confirmed": "yes"},
                      allow_redirects=False)
    assert location(done) == \
        f"{page_path}?notice=account_locked&login_id={approved['admin']}"
    assert login(web, approved["admin"], NEW_PASSWORD).status_code == 401

    issued = staff.post(f"{page_path}/admin-password",
                        data={"csrf_token": csrf_of(page), "confirmed": "yes"},
                        allow_redirects=False)
    assert location(issued) == f"{page_path}?notice=admin_password_issued"
    assert issued.headers["Location"].endswith("#certificate")
    shown = staff.get(location(issued))
    assert f"/api/v1/staff/registrations/{approved['number']}/certificate.pdf" in shown.text
