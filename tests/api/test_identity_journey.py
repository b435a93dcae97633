"""The scripted journey of issue 4, through the gateway's API only (ID-1 … ID-6)."""
import re
from datetime import UTC, datetime, timedelta

from services.identity.models import Account
from tests.api.world import chamber, register
from tests.helpers import pdf as pdfs
from tradecert import clock

VERIFY_SUBJECT = "貿易関係証明発給用メールアドレス認証 確認コードのお知らせ"
SUB_ID_SUBJECT = "【貿易関係証明発給システム】サブID付与のお知らせ"


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def login(web, cci_code, login_id, password):
    return web.post("/api/v1/sessions", json={"cci_code": cci_code, "login_id": login_id,
                                              "password": password})


def test_admin_user_and_sub_id_journey(smtp_sink, web, rpc_client, db_session):
    chamber(rpc_client, "1504", "さいたま")
    company, created = register(rpc_client, "1504", "1504-000318")
    admin_password = created["admin"]["initial_password"]

    # admin login → forced password change (ID-2)
    response = login(web, "1504", company.admin, admin_password)
    assert response.status_code == 201
    body = response.json()
    assert body["account"] == {"login_id": company.admin, "kind": "admin", "name": "連絡 太郎"}
    assert body["must_change_password"] is True and body["must_verify_email"] is False
    admin = bearer(body["token"])
    blocked = web.get("/api/v1/signers", headers=admin)
    assert blocked.status_code == 403
    assert blocked.json()["error"]["code"] == "password_change_required"
    weak = web.put("/api/v1/me/password", headers={**admin, "Accept-Language": "en"},
                   json={"current_password": admin_password, "new_password": "short"})
    assert weak.status_code == 422
    assert weak.json()["error"]["fields"] == {
        "new_password": ["Use 8 to 16 half-width letters and digits, with at least one of each."]}
    # ID-2: the forced change cannot keep the initial password from the certificate
    same = web.put("/api/v1/me/password", headers=admin,
                   json={"current_password": admin_password, "new_password": admin_password})
    assert same.status_code == 422
    assert same.json()["error"]["fields"] == {
        "new_password": ["現在のパスワードとは異なるパスワードを入力してください。"]}
    changed = web.put("/api/v1/me/password", headers=admin,
                      json={"current_password": admin_password, "new_password": "Admin2026x"})
    assert changed.status_code == 204

    # the signer registration certificate: the password today, masked the next day (ID-3)
    signers = web.get("/api/v1/signers", headers=admin).json()
    assert [s["login_id"] for s in signers] == [company.user]
    # Now, then a day later: always the next day in Japan, the day ID-3 counts. (Defect 4: a
    # "tomorrow" from the UTC date failed from 15:00 to 24:00 UTC; then 16:00 UTC of today
    # failed from 00:00 to 04:00 UTC, over 12 hours ahead of the admin's session, ID-8.)
    first_output = datetime.now(UTC)
    with clock.frozen(first_output):
        certificate = web.get(f"/api/v1/signers/{company.user}/registration-certificate.pdf",
                              headers=admin)
    assert certificate.status_code == 200
    assert certificate.headers["Content-Type"] == "application/pdf"
    assert certificate.headers["Content-Disposition"].startswith("inline")
    text = pdfs.text(certificate.content, layout=True)
    assert re.search(r"ユーザーID\s+(\S+)\n", text).group(1) == company.user
    user_password = re.search(r"パスワード\s+(\S+)\n", text).group(1)
    assert re.fullmatch(r"[A-Za-z0-9]{8,16}", user_password)
    with clock.frozen(first_output + timedelta(days=1)):
        # a day later the admin logs in again (a session lives 12 hours at most, ID-8)
        admin = bearer(login(web, "1504", company.admin, "Admin2026x").json()["token"])
        masked = web.get(f"/api/v1/signers/{company.user}/registration-certificate.pdf",
                         headers=admin)
    masked_text = pdfs.text(masked.content, layout=True)
    assert re.search(r"パスワード\s+(\S+)\n", masked_text).group(1) == "************"
    assert user_password not in masked_text
    session = db_session("identity")
    assert session.query(Account).filter_by(login_id=company.user).one() \
        .initial_password_sealed is None  # gone for good

    # user login → code from the mail sink → verified (ID-5)
    user_login = login(web, "1504", company.user, user_password).json()
    assert user_login["must_verify_email"] is True
    user = bearer(user_login["token"])
    assert web.get("/api/v1/sub-ids", headers=user).json()["error"]["code"] == \
        "email_verification_required"
    [mail] = [m for m in smtp_sink.wait_for_messages(1) if m["Subject"] == VERIFY_SUBJECT]
    assert mail["To"] == "signer1-1504-000318@example.jp"
    code = re.search(r"確認コード: (\d{6})", mail.get_content()).group(1)
    wrong = web.post("/api/v1/me/email-verification/confirm", headers=user,
                     json={"code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 422
    assert web.post("/api/v1/me/email-verification/confirm", headers=user,
                    json={"code": code}).status_code == 204

    # sub ID created, notified, activated → it logs in (ID-6)
    created_sub = web.post("/api/v1/sub-ids", headers=user, json={
        "name": "代行 花子", "password": "Sub2026pass", "email": "hanako@forwarder.example.jp"})
    assert created_sub.status_code == 201
    sub_id = created_sub.json()["login_id"]
    assert created_sub.json()["notified"] is False
    assert login(web, "1504", sub_id, "Sub2026pass").status_code == 401  # not yet active
    notification = {
        "target_trade_registration_number": "1504-000318", "target_phone": "048-000-0000",
        "target_email": "hanako@forwarder.example.jp", "subject": SUB_ID_SUBJECT,
        "body": "サブIDを付与しました。"}
    # a line break would end the mail's Subject header (and add others): refused (defect 1)
    for lang, message in (("ja", "1行で入力してください（改行や制御文字は使えません）。"),
                          ("en", "Write it on one line (no line breaks or control characters).")):
        broken = web.post(f"/api/v1/sub-ids/{sub_id}/notification",
                          headers={**user, "Accept-Language": lang},
                          json={**notification, "subject": "サブID\nBcc: x@evil.example"})
        assert broken.status_code == 422
        assert broken.json()["error"]["fields"] == {"subject": [message]}
    notified = web.post(f"/api/v1/sub-ids/{sub_id}/notification", headers=user,
                        json=notification)
    assert notified.status_code == 202
    sub_mail = next(m for m in smtp_sink.wait_for_messages(2) if m["Subject"] == SUB_ID_SUBJECT)
    link = re.search(r"(http\S+/sub-id/activate\?token=(\S+))", sub_mail.get_content())
    assert link, sub_mail.get_content()
    token = link.group(2)
    assert web.post("/api/v1/sub-id-activations", json={
        "activation_token": token, "password": "WrongPass1"}).status_code == 422
    assert web.post("/api/v1/sub-id-activations", json={
        "activation_token": token, "password": "Sub2026pass"}).status_code == 204
    assert web.post("/api/v1/sub-id-activations", json={
        "activation_token": token, "password": "Sub2026pass"}).status_code == 410  # single use
    sub_login = login(web, "1504", sub_id, "Sub2026pass")
    assert sub_login.status_code == 201 and sub_login.json()["account"]["kind"] == "sub"
    sub = bearer(sub_login.json()["token"])

    # the admin sees the sub ID under its signer (ID-6.4)
    listed = web.get("/api/v1/signers", headers=admin).json()
    assert listed[0]["sub_ids"] == [{"login_id": sub_id, "name": "代行 花子",
                                     "email": "hanako@forwarder.example.jp", "phone": None,
                                     "notified": True, "active": True}]

    # neither the admin nor a sub ID may create sub IDs (ID-7)
    new_sub = {"name": "x", "password": "Passw0rd9", "email": "x@example.jp"}
    assert web.post("/api/v1/sub-ids", headers=admin, json=new_sub).status_code == 403
    assert web.post("/api/v1/sub-ids", headers=sub, json=new_sub).status_code == 403

    # the admin resets the sub ID's password: the notification is cancelled (ID-6.5)
    assert web.put(f"/api/v1/sub-ids/{sub_id}/password", headers=admin,
                   json={"new_password": "Reset2026x"}).status_code == 204
    assert web.get("/api/v1/me", headers=sub).status_code == 401
    assert login(web, "1504", sub_id, "Reset2026x").status_code == 401  # must be re-notified
    assert web.get("/api/v1/sub-ids", headers=user).json()[0]["notified"] is False

    # deleting is final (ID-6.6)
    assert web.delete(f"/api/v1/sub-ids/{sub_id}", headers=user).status_code == 204
    assert web.get("/api/v1/sub-ids", headers=user).json() == []


def test_login_answers(web, rpc_client):
    chamber(rpc_client, "1504", "さいたま")
    company, created = register(rpc_client, "1504", "1504-000001")
    password = created["admin"]["initial_password"]

    unknown = login(web, "1504", "A9999999", "whatever1")
    wrong = login(web, "1504", company.admin, "Wrong1234")
    other_chamber = login(web, "1301", company.admin, password)
    assert unknown.status_code == wrong.status_code == other_chamber.status_code == 401
    assert unknown.json() == wrong.json() == other_chamber.json()  # the same answer (ID-1)

    for _ in range(4):  # five failures in all (MAX_FAILURES)
        login(web, "1504", company.admin, "Wrong1234")
    throttled = login(web, "1504", company.admin, password)  # even the right password now
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) > 0
    assert throttled.json()["error"]["code"] == "too_many_login_attempts"


def test_a_newer_login_ends_the_older_session_but_tabs_share_one(web, rpc_client):
    chamber(rpc_client, "1504", "さいたま")
    company, created = register(rpc_client, "1504", "1504-000002")
    password = created["admin"]["initial_password"]

    first = bearer(login(web, "1504", company.admin, password).json()["token"])
    for _ in range(3):  # "tabs": the same session, many requests
        assert web.get("/api/v1/me", headers=first).status_code == 200
    second = bearer(login(web, "1504", company.admin, password).json()["token"])

    replaced = web.get("/api/v1/me", headers={**first, "Accept-Language": "en"})
    assert replaced.status_code == 401
    assert replaced.json()["error"]["code"] == "session_replaced"
    assert web.get("/api/v1/me", headers=second).status_code == 200
    assert web.delete("/api/v1/sessions/current", headers=second).status_code == 204
    assert web.get("/api/v1/me", headers=second).json()["error"]["code"] == "unauthorized"


def test_an_activation_link_stops_after_five_wrong_passwords(web, rpc_client, db_session):
    from tests.api.world import PASSWORD, make_ready
    from tests.api.world import login as rpc_login

    chamber(rpc_client, "1504", "さいたま")
    company = make_ready(db_session, register(rpc_client, "1504", "1504-000003")[0], rpc_client)
    caller = rpc_client.identity.authorize(rpc_login(rpc_client, "1504", company.user),
                                           "sub_ids.manage")
    sub = rpc_client.identity.create_sub_id(caller, {"name": "新人", "password": PASSWORD,
                                                      "email": "new@example.jp"})
    rpc_client.identity.notify_sub_id(caller, sub["login_id"], {
        "target_trade_registration_number": "1504-000003", "target_email": "new@example.jp",
        "subject": SUB_ID_SUBJECT, "body": "本文"})
    # the mailed token is not needed: put a known one on the link for the test
    import hashlib

    from services.identity.models import SubIdActivation

    session = db_session("identity")
    activation = session.query(SubIdActivation).one()
    activation.token_hash = hashlib.sha256(b"known-token-for-test").hexdigest()
    session.commit()
    for attempt in range(5):
        wrong = web.post("/api/v1/sub-id-activations", json={
            "activation_token": "known-token-for-test", "password": "Wrong1234x"})
        assert wrong.status_code == 422, attempt
    stopped = web.post("/api/v1/sub-id-activations", json={
        "activation_token": "known-token-for-test", "password": PASSWORD})
    assert stopped.status_code == 410  # the signer must notify again
