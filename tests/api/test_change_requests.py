"""Change requests (変更申請) through the gateway, the issue's proof: a new English name, one
signer added and one removed → staff scan the new signature and approve → the registration
has the new name, the new signer's ID works, the removed signer's ID and its sub IDs cannot
log in and its open session is refused, the re-issued certificate shows the new name."""
import re

from sqlalchemy import update

from services.identity.domain import hash_password
from services.identity.models import Account
from tests.api.registration_data import SIGNERS, company
from tests.api.registration_flow import approved_with_admin
from tests.conftest import wait_for
from tests.helpers import pdf as pdfs
from tests.helpers.scans import frame, paper, scanned, sign
from tradecert.db import utcnow

BASE = "/api/v1/registration/change-requests"
STAFF = "/api/v1/staff/change-requests"
NEW_SIGNER = {"name_ja": "田中 次郎", "name_en": "JIRO TANAKA", "title_en": "SALES MANAGER",
              "email": "j.tanaka@sakura.example.jp"}
PASSWORD = "Passw0rd1"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def login(web, login_id, password):
    return web.post("/api/v1/sessions", json={"cci_code": "1504", "login_id": login_id,
                                              "password": password})


def ready(db_session, *login_ids):
    """Skip the first-login steps of these user IDs (tested on their own)."""
    session = db_session("identity")
    session.execute(update(Account).where(Account.login_id.in_(login_ids)).values(
        password_hash=hash_password(PASSWORD), email_verified_at=utcnow()))
    session.commit()


def upload(web, staff, change_request_id, signer_id):
    return web.put(f"{STAFF}/{change_request_id}/signers/{signer_id}/signature",
                   headers={**staff, "Content-Type": "image/png"},
                   data=scanned(sign(frame(paper()))))


def test_a_change_request_is_applied_at_once_on_approval(smtp_sink, saitama, web, rpc_client,
                                                         db_session):
    trade_number, staff, admin = approved_with_admin(web, smtp_sink, rpc_client)
    kept, removed = [s["login_id"] for s in web.get("/api/v1/signers", headers=admin).json()]
    # the signer to be removed is working: a session and an active sub ID of its own
    ready(db_session, kept, removed)
    removed_session = bearer(login(web, removed, PASSWORD).json()["token"])
    sub = web.post("/api/v1/sub-ids", headers=removed_session, json={
        "name": "サブ 一郎", "password": PASSWORD, "email": "sub@sakura.example.jp"})
    assert sub.status_code == 201, sub.text
    sub_id = sub.json()["login_id"]
    identity = db_session("identity")
    identity.execute(update(Account).where(Account.login_id == sub_id).values(
        notified_at=utcnow(), activated_at=utcnow()))
    identity.commit()
    sub_session = bearer(login(web, sub_id, PASSWORD).json()["token"])
    assert web.get("/api/v1/me", headers=sub_session).status_code == 200

    created = web.post(BASE, headers=admin, json={
        "company": company(name_en="Sakura Trading International"),
        "signers_added": [NEW_SIGNER], "signers_removed": [removed]})
    assert created.status_code == 201, created.text
    body = created.json()
    number = body["change_request_id"]
    assert body["status"] == "submitted" and re.fullmatch(r"C1504-\d{4}-\d{5}", number)
    [added] = body["signers_added"]
    assert added["name_en"] == "JIRO TANAKA"

    # the changed forms, with the change request's number in the QR code
    for form in ("business-description", "signature-registration"):
        pdf = web.get(f"{BASE}/{number}/forms/{form}.pdf", headers=admin)
        assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
        assert pdfs.qr_codes(pdf.content) == [number]
    assert "Sakura Trading International" in pdfs.text(
        web.get(f"{BASE}/{number}/forms/business-description.pdf", headers=admin).content)
    assert web.get(f"{BASE}/{number}/forms/pledge.pdf", headers=admin).status_code == 404

    # staff: the queue, the scan, the approval
    queue = web.get(f"{STAFF}?status=submitted", headers=staff).json()
    assert [q["change_request_id"] for q in queue] == [number]
    unsigned = web.post(f"{STAFF}/{number}/approval", headers=staff)
    assert unsigned.status_code == 409
    assert list(unsigned.json()["error"]["fields"]) == [
        f"signers.{added['signer_id']}.signature"]
    assert upload(web, staff, number, added["signer_id"]).status_code == 200
    approved = web.post(f"{STAFF}/{number}/approval", headers=staff)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    assert web.post(f"{STAFF}/{number}/approval", headers=staff).json() == approved.json()
    assert web.get(f"{BASE}/{number}", headers=admin).json()["status"] == "approved"

    # the removed signer's ID and its sub ID: no login (as a wrong password), sessions refused
    for login_id, session in ((removed, removed_session), (sub_id, sub_session)):
        refused = login(web, login_id, PASSWORD)
        assert refused.status_code == 401, login_id
        assert refused.json()["error"]["code"] == "invalid_credentials"
        assert web.get("/api/v1/me", headers=session).status_code == 401

    # the signers now: the one kept and the new one, whose ID works with the password on its
    # signer registration certificate (ID-3)
    signers = web.get("/api/v1/signers", headers=admin).json()
    assert [s["name_en"] for s in signers] == ["TARO YAMADA", "JIRO TANAKA"]
    new_id = signers[1]["login_id"]
    certificate = web.get(f"/api/v1/signers/{new_id}/registration-certificate.pdf",
                          headers=admin)
    text = pdfs.text(certificate.content, layout=True)
    password = re.search(r"パスワード\s+(\S+)\n", text).group(1)
    assert "Sakura Trading International" in text  # identity's snapshot of the company
    assert login(web, new_id, password).status_code == 201
    assert login(web, kept, PASSWORD).status_code == 201

    # the registration as the admin sees it (GET /api/v1/registration): the new name and
    # the signers after the change
    registration = web.get("/api/v1/registration", headers=admin).json()
    assert registration["company"]["name_en"] == "Sakura Trading International"
    assert [s["login_id"] for s in registration["signers"]] == [kept, new_id]

    # staff see the removed signer's ID and its sub ID as removed, no longer to lock
    ids = web.get(f"/api/v1/staff/registrations/{trade_number}/accounts", headers=staff)
    retired = {a["login_id"] for a in ids.json()["accounts"] if a["retired_at"]}
    assert retired == {removed, sub_id}

    # the trade registration certificate, issued again with the new name, no password
    reissued = pdfs.text(web.get(f"/api/v1/staff/registrations/{trade_number}/certificate.pdf",
                                 headers=staff).content, layout=True)
    assert "Sakura Trading International" in reissued
    assert "初期パスワード" not in reissued and "再発行" in reissued

    # the admin is mailed
    mail = wait_for(lambda: [m for m in smtp_sink.messages()
                             if m["Subject"].endswith("登録内容変更完了のお知らせ")],
                    message="the approval mail")[0]
    assert "contact@sakura.example.jp" in mail["To"]
    assert new_id in mail.get_content() and number in mail.get_content()


def test_refusals_are_field_named_and_one_request_is_open_at_a_time(
        smtp_sink, saitama, web, rpc_client):
    trade_number, staff, admin = approved_with_admin(web, smtp_sink, rpc_client,
                                                     signers=SIGNERS[:1])
    [only] = [s["login_id"] for s in web.get("/api/v1/signers", headers=admin).json()]
    english = {**admin, "Accept-Language": "en"}

    empty = web.post(BASE, headers=english, json={})
    assert empty.status_code == 422
    assert empty.json()["error"]["code"] == "change_request_empty"
    assert list(empty.json()["error"]["fields"]) == ["change_request"]

    broken = web.post(BASE, headers=english, json={
        "company": company(name_en="さくら", current_address_en=""),
        "signers_added": [{**NEW_SIGNER, "email": "not-an-address"}],
        "signers_removed": [only, "U0000000"]})
    assert broken.status_code == 422
    assert set(broken.json()["error"]["fields"]) == {
        "company.name_en", "company.current_address_en", "signers_added.0.email"}

    unknown = web.post(BASE, headers=english, json={"signers_removed": ["U0000000"]})
    assert unknown.status_code == 422
    assert list(unknown.json()["error"]["fields"]) == ["signers_removed.0"]

    everyone = web.post(BASE, headers=admin, json={"signers_removed": [only]})
    assert everyone.status_code == 422
    assert list(everyone.json()["error"]["fields"]) == ["signers_removed"]

    agent = web.post(BASE, headers=admin, json={"company": company(registration_type="agent",
                                                                   extra_addresses=[]),
                                                "signers_added": [NEW_SIGNER]})
    assert agent.status_code == 422
    assert list(agent.json()["error"]["fields"]) == ["signers_added"]

    first = web.post(BASE, headers=admin, json={"signers_added": [NEW_SIGNER]})
    assert first.status_code == 201, first.text
    number = first.json()["change_request_id"]
    second = web.post(BASE, headers=admin, json={"company": company(name_en="Other")})
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "change_request_open"

    # another chamber's staff do not find it
    rpc_client.identity.add_chamber({"cci_code": "1301", "name_ja": "東京商工会議所",
                                     "name_en": "Tokyo CCI"})
    rpc_client.identity.add_staff({"cci_code": "1301", "login_id": "tokyo01",
                                   "password": "Staff2026x"})
    tokyo = bearer(web.post("/api/v1/sessions", json={
        "cci_code": "1301", "login_id": "tokyo01", "password": "Staff2026x"}).json()["token"])
    for method, path in (("GET", f"{STAFF}/{number}"), ("POST", f"{STAFF}/{number}/approval"),
                         ("GET", f"{STAFF}/{number}/forms/signature-registration.pdf")):
        assert web.request(method, path, headers=tokyo).status_code == 404, path
    assert web.get(STAFF, headers=tokyo).json() == []

    # returned with a reason, mailed: it added a signer, so the signature registration form
    # is asked for again
    no_reason = web.post(f"{STAFF}/{number}/return", headers=staff, json={})
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["error"]["fields"]
    returned = web.post(f"{STAFF}/{number}/return", headers=staff,
                        json={"reason": "署名届の署名が枠にかかっています"})
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    view = web.get(f"{BASE}/{number}", headers=admin).json()
    assert view["status"] == "returned"
    assert view["returned_reason"] == "署名届の署名が枠にかかっています"
    mail = wait_for(lambda: [m for m in smtp_sink.messages()
                             if m["Subject"].endswith("登録内容変更申請の差戻しのお知らせ")],
                    message="the return mail")[0]
    assert "署名届の署名が枠にかかっています" in mail.get_content()
    assert "業態内容届・署名届を印刷し直して" in mail.get_content()
    assert web.post(f"{STAFF}/{number}/approval", headers=staff).status_code == 409

    # after the return a new change request can be made; a company-only one is returned
    # without asking for a signature registration form (an agent never has one)
    again = web.post(BASE, headers=admin, json={"company": company(
        registration_type="agent", extra_addresses=[])})
    assert again.status_code == 201, again.text
    web.post(f"{STAFF}/{again.json()['change_request_id']}/return", headers=staff,
             json={"reason": "業態内容届が未提出です"})
    agent_mail = wait_for(lambda: [m for m in smtp_sink.messages()
                                   if "業態内容届が未提出です" in m.get_content()],
                          message="the second return mail")[0]
    assert "署名届" not in agent_mail.get_content()
