"""Issue 9, hardening: what anyone can trigger without an account is limited per client
address (and per ID), with 429 and Retry-After; the client's address comes from
X-Forwarded-For only when the peer is a trusted proxy (the tests' client is loopback, which
is trusted by default, as a local reverse proxy would be)."""
import html
import re
from datetime import timedelta

import nameko
import pytest
from sqlalchemy import update

from services.identity.domain import hash_password
from services.identity.models import Account
from tests.api.world import PASSWORD, chamber, make_ready, register
from tradecert import clock, config

INVITE = "/api/v1/chambers/1504/registration-invitations"


def submit(web, path, form):
    """A page's form as a browser posts it, with the page's CSRF token."""
    token = re.search(r'name="csrf-token" content="([^"]+)"', web.get(path).text).group(1)
    return web.post(path, data={"csrf_token": token, **form}, allow_redirects=False)


def text_of(page) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.text)))


def from_address(address: str) -> dict:
    return {"X-Forwarded-For": address}


def invite(web, n: int, address: str | None = None, **headers):
    return web.post(INVITE, json={"email": f"visitor{n}@example.jp", "agree_rules": True},
                    headers={**(from_address(address) if address else {}), **headers})


def login(web, login_id, password, address, cci_code="1504"):
    return web.post("/api/v1/sessions", headers=from_address(address), json={
        "cci_code": cci_code, "login_id": login_id, "password": password})


def bearer(token) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def company(system, rpc_client, db_session):
    chamber(rpc_client, "1504", "さいたま")
    registered, _ = register(rpc_client, "1504", "1504-000777")
    return make_ready(db_session, registered, rpc_client)


# --- invitations (REG-2): each one mails any address ---------------------------------------

def test_the_11th_invitation_from_one_address_within_an_hour_is_429(saitama, web):
    for n in range(10):
        assert invite(web, n, "203.0.113.10").status_code == 202
    refused = invite(web, 10, "203.0.113.10", **{"Accept-Language": "en"})

    assert refused.status_code == 429
    assert 3500 < int(refused.headers["Retry-After"]) <= 3601
    assert refused.json()["error"] == {
        "code": "too_many_invitations", "fields": {},
        "message": "Too many guidance mails have been requested from your address."}
    assert invite(web, 11, "198.51.100.10").status_code == 202  # another address: its own
    with clock.travel(hours=1, seconds=1):  # the hour is over
        assert invite(web, 12, "203.0.113.10").status_code == 202


def test_a_spoofed_forwarded_for_dodges_nothing(saitama, web):
    # Through a trusted proxy only the right-most untrusted address counts: what the client
    # wrote itself to the left of it is not believed.
    for n in range(10):
        assert invite(web, n, f"192.0.2.{n}, 203.0.113.20").status_code == 202
    assert invite(web, 10, "192.0.2.99, 203.0.113.20").status_code == 429
    # From a peer that is not a trusted proxy the header is not believed at all: the peer
    # (here 127.0.0.1, once loopback is no longer trusted) is the client.
    gateway = {**config.section("GATEWAY"), "trusted_proxies": "10.0.0.0/8"}
    with nameko.config.patch({"GATEWAY": gateway}):
        for n in range(10):
            assert invite(web, 100 + n, f"198.51.100.{n}").status_code == 202
        refused = invite(web, 200, "198.51.100.200")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0


def test_the_guidance_page_says_why_and_when_in_japanese_and_english(saitama, web):
    for n in range(10):
        assert invite(web, n).status_code == 202  # from 127.0.0.1: the page's address too
    form = {"email": "late@example.jp", "agree_certification_rules": "yes",
            "agree_penalty_rules": "yes"}

    japanese = submit(web, "/c/1504/registration", form)
    english = submit(web, "/c/1504/registration?lang=en", form)

    assert japanese.status_code == english.status_code == 429
    assert int(japanese.headers["Retry-After"]) > 0
    assert "このアドレスからの案内メールの送信が上限に達しました。" in text_of(japanese)
    assert "分後に再度お試しください。" in text_of(japanese)
    assert "Too many guidance mails have been requested from your address. You can try " \
           "again in" in text_of(english)
    assert 'value="late@example.jp"' in japanese.text  # what was typed is kept


# --- logins (ID-1): the address that keeps failing is refused, not the ID -----------------

def test_an_address_failing_across_ids_is_refused_while_the_owner_logs_in_elsewhere(company,
                                                                                     web):
    stranger = "203.0.113.66"
    for n in range(20):
        assert login(web, f"A{n:07d}", "Wrong1234", stranger).status_code == 401
    refused = login(web, company.admin, PASSWORD, stranger)  # even the right password

    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.json()["error"]["code"] == "too_many_login_attempts"
    assert login(web, company.user, PASSWORD, stranger).status_code == 429
    assert login(web, company.admin, PASSWORD, "198.51.100.7").status_code == 201


def test_a_known_id_is_not_locked_out_by_failures_from_one_address(company, web):
    stranger = "203.0.113.67"
    answers = [login(web, company.admin, "Wrong1234", stranger).status_code for _ in range(8)]

    assert answers == [401] * 5 + [429] * 3
    assert login(web, company.admin, PASSWORD, "198.51.100.8").status_code == 201
    assert login(web, company.user, "Wrong1234", stranger).status_code == 401  # other IDs


def test_a_wrong_current_password_counts_toward_throttling(company, web):
    address = "203.0.113.68"
    token = login(web, company.admin, PASSWORD, address).json()["token"]

    def change(current):
        return web.put("/api/v1/me/password", headers={**bearer(token), **from_address(address)},
                       json={"current_password": current, "new_password": "Admin2027x"})

    assert [change("Wrong1234").status_code for _ in range(5)] == [422] * 5
    refused = change(PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert login(web, company.admin, PASSWORD, address).status_code == 429  # the same count
    assert login(web, company.admin, PASSWORD, "198.51.100.9").status_code == 201


# --- sub-ID notifications (ID-6.2): a few a day per user ID; the mail names the company ----

def test_the_11th_sub_id_notification_of_a_day_is_429_and_each_mail_names_the_company(
        smtp_sink, company, web):
    user = bearer(login(web, company.user, PASSWORD, "198.51.100.20").json()["token"])

    def notify(n):
        return web.post(f"/api/v1/sub-ids/{company.sub}/notification", headers=user, json={
            "target_trade_registration_number": company.trade_registration_number,
            "target_email": f"holder{n}@example.jp", "subject": "サブIDのお知らせ",
            "body": f"<b>本文 {n}</b>"})

    assert [notify(n).status_code for n in range(10)] == [202] * 10
    refused = notify(10)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 24 * 3600 + 1
    assert refused.json()["error"]["code"] == "too_many_sub_id_notifications"

    mails = smtp_sink.wait_for_messages(10)
    assert len(mails) == 10
    mail = next(m for m in mails if m["To"] == "holder3@example.jp")
    assert mail.get_content_type() == "text/plain" and not mail.is_multipart()
    body = mail.get_content()
    assert "「会社1504-000777」（貿易登録番号 1504-000777）" in body
    assert "COMPANY 1504-000777 (trade registration number 1504-000777)" in body
    assert "<b>本文 3</b>" in body  # the sender's text as written, never as HTML
    with clock.travel(days=1, seconds=1):  # the day is over (and the session too: log in)
        user.update(bearer(login(web, company.user, PASSWORD, "198.51.100.21").json()["token"]))
        assert notify(11).status_code == 202


# --- e-mail verification (ID-5): the limits hold per ID whatever the address -------------

def test_alternating_addresses_does_not_reset_the_verification_limits(company, web,
                                                                      db_session):
    session = db_session("identity")
    session.execute(update(Account).where(Account.login_id == company.users[0])
                    .values(email_verified_at=None, password_hash=hash_password(PASSWORD)))
    session.commit()
    token = login(web, company.user, PASSWORD, "198.51.100.30").json()["token"]  # code 1

    def new_code(email, address="198.51.100.30"):
        return web.post("/api/v1/me/email-verification",
                        headers={**bearer(token), **from_address(address)},
                        json={"email": email})

    too_soon = new_code("b@example.jp")  # another address used to skip the wait
    assert too_soon.status_code == 429
    assert too_soon.json()["error"]["code"] == "verification_resend_too_soon"
    assert 0 < int(too_soon.headers["Retry-After"]) <= 61
    moment = clock.now()
    for n, email in enumerate(["a@example.jp", "b@example.jp", "a@example.jp",
                               "b@example.jp"], start=1):
        with clock.frozen(moment + timedelta(minutes=2 * n)):
            assert new_code(email).status_code == 202  # codes 2 … 5
            assert new_code("c@example.jp", "192.0.2.31").status_code == 429  # the wait
    with clock.frozen(moment + timedelta(minutes=20)):
        used_up = new_code("c@example.jp", "192.0.2.32")
    assert used_up.status_code == 429
    assert used_up.json()["error"]["code"] == "too_many_verification_codes"
    assert int(used_up.headers["Retry-After"]) > 3600


# --- the pages say it too, in Japanese and English ------------------------------------------

def test_the_pages_say_what_was_refused_and_when_to_try_again(company, web, new_browser):
    api = new_browser()  # an API client: no cookie, so no CSRF token to send
    user = bearer(login(api, company.user, PASSWORD, "198.51.100.40").json()["token"])
    fields = {"target_trade_registration_number": company.trade_registration_number,
              "target_email": "holder@example.jp", "subject": "サブIDのお知らせ",
              "body": "ご連絡です。"}
    for _ in range(10):
        assert api.post(f"/api/v1/sub-ids/{company.sub}/notification", headers=user,
                        json=fields).status_code == 202
    # the same ID in the browser now (its API session ends: one session per ID)
    assert submit(web, "/c/1504/login", {"login_id": company.user,
                                         "password": PASSWORD}).status_code == 303

    refused = submit(web, f"/sub-ids/{company.sub}/notify?lang=en", {**fields, "step": "send"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "You have sent as many sub ID notifications as are allowed for today. You can " \
           "try again in" in text_of(refused)
    assert "ご連絡です。" in text_of(refused)  # the confirmation, as it was

    def change(current, lang="ja"):
        return submit(web, f"/me/password?lang={lang}", {
            "current_password": current, "new_password": "Signer2027x",
            "new_password_confirm": "Signer2027x"})

    assert [change("Wrong1234").status_code for _ in range(5)] == [422] * 5
    japanese, english = change(PASSWORD), change(PASSWORD, "en")
    assert japanese.status_code == english.status_code == 429
    assert 800 < int(japanese.headers["Retry-After"]) <= 901
    assert "ログインの失敗が続いたため、一時的にログインできません。" in text_of(japanese)
    assert "15分後に再度お試しください。" in text_of(japanese)
    assert "Too many failed logins. Please wait and try again. You can try again in 15 " \
           "minutes." in text_of(english)
