"""Trade registration through the gateway's API only (REG-1 … REG-10)."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import update

from services.registration.models import Application, Invitation, Registration
from tests.api.registration_data import SIGNERS, company, invitation_token
from tests.api.registration_flow import approved_registration
from tests.helpers import pdf as pdfs
from tests.helpers.scans import frame, paper, scanned, sign, stroke_to

GUIDANCE = "貿易登録申請手続きのご案内"


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def saitama_fee(smtp_sink, system, rpc_client):
    return rpc_client.identity.add_chamber({
        "cci_code": "1504", "name_ja": "さいたま商工会議所", "name_en": "Saitama CCI",
        "registration_fee_jpy": {"member": 0, "non_member": 16200}})


def start(web, smtp_sink, email="contact@sakura.example.jp", mails_before=0):
    assert web.post("/api/v1/chambers/1504/registration-invitations",
                    json={"email": email, "agree_rules": True}).status_code == 202
    mail = [m for m in smtp_sink.wait_for_messages(mails_before + 1)
            if m["Subject"] == GUIDANCE][-1]
    started = web.post("/api/v1/registration-applications", json={
        "invitation_token": invitation_token(mail), "agree_privacy": True, "agree_terms": True})
    assert started.status_code == 201, started.text
    return mail, started.json()


def test_the_whole_registration_journey(smtp_sink, saitama_fee, web, rpc_client, db_session):
    # invitation → guidance mail (REG-2) → consent (REG-3)
    mail, started = start(web, smtp_sink)
    body = mail.get_content()
    assert "さいたま商工会議所" in body and "非会員 16,200円" in body  # the chamber and its fee
    assert started["status"] == "draft"
    number, token = started["application_number"], started["application_token"]
    app = bearer(token)

    # the same link again: the same application, a fresh token
    again = web.post("/api/v1/registration-applications", json={
        "invitation_token": invitation_token(mail), "agree_privacy": True, "agree_terms": True})
    assert again.status_code == 200
    assert again.json()["application_number"] == number
    assert again.json()["application_token"] != token

    # company (REG-4) → two signers (REG-5) → review (REG-6) → submission
    saved = web.put(f"/api/v1/registration-applications/{number}/company", headers=app,
                    json=company())
    assert saved.status_code == 200, saved.text
    # REG-4.5: the English address exactly as typed (two spaces kept)
    assert saved.json()["company"]["current_address_en"] == \
        "1-2-3 Sakuragicho,  Omiya-ku, Saitama-shi, Saitama 330-0854, Japan"
    signer_ids = []
    for signer in SIGNERS:
        added = web.post(f"/api/v1/registration-applications/{number}/signers", headers=app,
                         json=signer)
        assert added.status_code == 201
        signer_ids.append(added.json()["signer_id"])
    review = web.get(f"/api/v1/registration-applications/{number}", headers=app).json()
    assert [s["name_en"] for s in review["signers"]] == ["TARO YAMADA", "HANAKO SATO"]
    before = review["updated_at"]
    submitted = web.post(f"/api/v1/registration-applications/{number}/submission", headers=app)
    assert submitted.json() == {"status": "submitted"}
    # edits remain possible until approval; each moves updated_at (REG-7)
    web.put(f"/api/v1/registration-applications/{number}/company", headers=app,
            json=company(name_en="Sakura Trading Co."))
    after = web.get(f"/api/v1/registration-applications/{number}", headers=app).json()
    assert after["updated_at"] > before and after["status"] == "submitted"

    # the three forms (REG-7): the data entered, the application number in the QR code
    for form, expected in (("pledge", "さくら貿易"), ("business-description", "Sakura Trading Co."),
                           ("signature-registration", "TARO YAMADA")):
        pdf = web.get(f"/api/v1/registration-applications/{number}/forms/{form}.pdf",
                      headers=app)
        assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
        text = pdfs.text(pdf.content)
        assert expected in text and number in text, form
        assert pdfs.qr_codes(pdf.content) == [number], form

    # chamber staff: log in, find the application, upload the signatures, approve (REG-8)
    rpc_client.identity.add_staff({"cci_code": "1504", "login_id": "staff01",
                                   "password": "Staff2026x"})
    staff_login = web.post("/api/v1/sessions", json={"cci_code": "1504", "login_id": "staff01",
                                                     "password": "Staff2026x"})
    staff = bearer(staff_login.json()["token"])
    queue = web.get("/api/v1/staff/registration-applications?status=submitted",
                    headers=staff).json()
    assert [a["application_number"] for a in queue] == [number]
    assert web.get(f"/api/v1/staff/registration-applications/{number}",
                   headers=staff).json()["company"]["name_en"] == "Sakura Trading Co."
    not_yet = web.post(f"/api/v1/staff/registration-applications/{number}/approval",
                       headers=staff, json={"registration_fee_receipt_no": "R-001"})
    assert not_yet.status_code == 409  # signatures first
    touching = web.put(
        f"/api/v1/staff/registration-applications/{number}/signers/{signer_ids[0]}/signature",
        headers={**staff, "Content-Type": "image/png"},
        data=scanned(stroke_to(frame(paper()), end_x=10_000)))
    assert touching.status_code == 422
    assert touching.json()["error"]["code"] == "signature_touches_frame"
    for signer_id in signer_ids:
        uploaded = web.put(
            f"/api/v1/staff/registration-applications/{number}/signers/{signer_id}/signature",
            headers={**staff, "Content-Type": "image/png"}, data=scanned(sign(frame(paper()))))
        assert uploaded.status_code == 200 and uploaded.json()["signature_registered"]
        # staff see the signature as registered: cropped, transparent (REG-7)
        image = web.get(f"/api/v1/staff/registration-applications/{number}/signers/"
                        f"{signer_id}/signature.png", headers=staff)
        assert image.status_code == 200 and image.headers["Content-Type"] == "image/png"
        assert image.content.startswith(b"\x89PNG")
    page = web.get(f"/staff/registrations/{number}", headers=staff)
    assert f"/signers/{signer_ids[0]}/signature.png" in page.text
    web.cookies.clear()  # the page gave this client a web session; the API calls go without
    approved = web.post(f"/api/v1/staff/registration-applications/{number}/approval",
                        headers=staff, json={"registration_fee_receipt_no": "R-001"})
    assert approved.status_code == 201, approved.text
    result = approved.json()
    trade_number = result["trade_registration_number"]
    assert re.fullmatch(r"1504-\d{6}", trade_number)
    assert date.fromisoformat(result["valid_until"]) > date.today() + timedelta(days=700)

    # the trade registration certificate carries the admin ID and its initial password
    certificate = web.get(f"/api/v1/staff/registrations/{trade_number}/certificate.pdf",
                          headers=staff)
    text = pdfs.text(certificate.content, layout=True)
    assert result["admin_login_id"] in text and trade_number in text
    admin_id, password = re.search(r"管理者ID\s+(\S+)\n\s+初期パスワード\s+(\S+)\n",
                                   text).groups()
    assert admin_id == result["admin_login_id"]

    # the admin logs in with it
    admin_login = web.post("/api/v1/sessions", json={
        "cci_code": "1504", "login_id": result["admin_login_id"], "password": password})
    assert admin_login.status_code == 201
    assert admin_login.json()["must_change_password"] is True
    assert db_session("registration").query(Registration).count() == 1

    # API.md: the application token is the credential until approval, not after (401);
    # the registration is the admin ID's now (issue 9)
    for answer in (
            web.put(f"/api/v1/registration-applications/{number}/company", headers=app,
                    json=company()),
            web.get(f"/api/v1/registration-applications/{number}", headers=app),
            web.get(f"/api/v1/registration-applications/{number}/forms/pledge.pdf",
                    headers=app),
            web.post(f"/api/v1/registration-applications/{number}/submission", headers=app)):
        assert answer.status_code == 401, answer.text
        assert answer.json()["error"]["code"] == "application_approved"


@pytest.mark.parametrize(("changes", "field"), [
    ({"registration_type": "nonsense"}, "registration_type"),
    ({"membership": None}, "membership"),
    ({"business_form": "individual"}, "legal_entity_type"),          # REG-4.4
    ({"legal_entity_type": None}, "legal_entity_type"),             # required for corporations
    ({"legal_entity_position": None}, "legal_entity_position"),
    ({"legal_entity_type": "other"}, "legal_entity_type_other"),
    ({"name_ja": ""}, "name_ja"),
    ({"registered_address": {"postal_code": "33", "address_ja": "x"}},
     "registered_address.postal_code"),                              # REG-4.5
    ({"current_address": {"same_as_registered": False, "postal_code": None,
                          "address_ja": None}}, "current_address.postal_code"),
    ({"current_address_en": ""}, "current_address_en"),
    ({"current_address_en": "埼玉県さいたま市"}, "current_address_en"),  # printed in English
    ({"name_en": "SAKURA TRADING — 桜"}, "name_en"),
    ({"extra_addresses": [{"address_ja": "a", "address_en": "大阪"}]},
     "extra_addresses.0.address_en"),
    ({"extra_addresses": [{"address_ja": "a", "address_en": "a"}] * 3}, "extra_addresses"),
    ({"registration_type": "agent"}, "extra_addresses"),             # REG-4.6 applicants only
    ({"contact": {"same_as_current_address": True, "name_ja": "x", "phone": "1",
                  "email": "x@example.jp"}}, "contact.phone"),         # REG-4.7
    ({"contact": {"same_as_current_address": False, "name_ja": "x", "phone": "048-000-0000",
                  "email": "x@example.jp"}}, "contact.postal_code"),
    ({"second_hand_dealer": None}, "second_hand_dealer"),            # REG-4.8
    ({"industry": "mining"}, "industry"),
    ({"main_products": []}, "main_products"),
])
def test_every_company_rule_is_a_field_named_422(smtp_sink, saitama_fee, web, changes, field):
    _, started = start(web, smtp_sink)
    response = web.put(f"/api/v1/registration-applications/{started['application_number']}"
                       "/company", headers=bearer(started["application_token"]),
                       json=company(**changes))
    assert response.status_code == 422, response.text
    assert field in response.json()["error"]["fields"], response.json()


def test_agents_sixteenth_signer_expired_links_and_tokens(smtp_sink, saitama_fee, web,
                                                          db_session):
    mail, started = start(web, smtp_sink)
    number, app = started["application_number"], bearer(started["application_token"])

    # an agent has no signers (REG-5)
    web.put(f"/api/v1/registration-applications/{number}/company", headers=app,
            json=company(registration_type="agent", extra_addresses=[]))
    agent = web.post(f"/api/v1/registration-applications/{number}/signers", headers=app,
                     json=SIGNERS[0])
    assert agent.status_code == 409 and agent.json()["error"]["code"] == \
        "agents_have_no_signers"
    assert web.get(f"/api/v1/registration-applications/{number}/forms/"
                   "signature-registration.pdf", headers=app).status_code == 409

    # from the 16th signer a reason is required (REG-10)
    web.put(f"/api/v1/registration-applications/{number}/company", headers=app, json=company())
    for n in range(15):
        assert web.post(f"/api/v1/registration-applications/{number}/signers", headers=app,
                        json={**SIGNERS[0], "name_en": f"SIGNER {n}",
                              "email": f"signer{n}@sakura.example.jp"}).status_code == 201
    sixteenth = web.post(f"/api/v1/registration-applications/{number}/signers", headers=app,
                         json=SIGNERS[1])
    assert sixteenth.status_code == 422 and "reason" in sixteenth.json()["error"]["fields"]
    assert web.post(f"/api/v1/registration-applications/{number}/signers", headers=app,
                    json={**SIGNERS[1], "reason": "輸出部門が多いため"}).status_code == 201

    # a token opens only its own application; no token, no access
    assert web.get(f"/api/v1/registration-applications/{number}").status_code == 401
    _, other = start(web, smtp_sink, "other@example.jp", mails_before=1)
    assert web.get(f"/api/v1/registration-applications/{number}",
                   headers=bearer(other["application_token"])).status_code == 401

    # the link is valid for 60 days (REG-2): expired answers 410
    session = db_session("registration")
    session.execute(update(Invitation).values(expires_at=Invitation.expires_at
                                              - timedelta(days=61)))
    session.commit()
    expired = web.post("/api/v1/registration-applications", json={
        "invitation_token": invitation_token(mail), "agree_privacy": True, "agree_terms": True})
    assert expired.status_code == 410

    # the rules must be agreed to
    refused = web.post("/api/v1/chambers/1504/registration-invitations",
                       json={"email": "x@example.jp", "agree_rules": False})
    assert refused.status_code == 422 and "agree_rules" in refused.json()["error"]["fields"]
    missing = web.post("/api/v1/chambers/1504/registration-invitations",
                       json={"email": "x@example.jp"})
    assert missing.status_code == 422


def test_renewal_reminders_are_sent_once_each_also_when_run_twice(smtp_sink, saitama_fee, web,
                                                                   rpc_client, db_session):
    trade_number = approved_registration(web, smtp_sink, rpc_client)
    session = db_session("registration")
    registration = session.query(Registration).one()
    expiry = registration.valid_until

    day_31_before = (expiry - timedelta(days=31)).isoformat()
    assert rpc_client.registration.run_daily_jobs(day_31_before)["renewal_reminders"] == 0
    day_30_before = (expiry - timedelta(days=30)).isoformat()
    assert rpc_client.registration.run_daily_jobs(day_30_before)["renewal_reminders"] == 1
    assert rpc_client.registration.run_daily_jobs(day_30_before)["renewal_reminders"] == 0
    day_10_before = (expiry - timedelta(days=10)).isoformat()
    assert rpc_client.registration.run_daily_jobs(day_10_before)["renewal_reminders"] == 1
    assert rpc_client.registration.run_daily_jobs(day_10_before)["renewal_reminders"] == 0
    assert rpc_client.registration.run_daily_jobs(expiry.isoformat())["renewal_reminders"] == 0

    mails = smtp_sink.wait_for_messages(4)
    reminders = [m["Subject"] for m in mails if "有効期限" in m["Subject"]]
    assert sorted(reminders) == sorted([
        "【貿易関係証明発給システム】貿易登録の有効期限のお知らせ（あと30日）",
        "【貿易関係証明発給システム】貿易登録の有効期限のお知らせ（あと10日）"])
    assert all(trade_number in m.get_content() for m in mails if "有効期限" in m["Subject"])


def test_old_drafts_are_warned_then_removed(smtp_sink, saitama_fee, web, rpc_client,
                                            db_session):
    _, started = start(web, smtp_sink)
    session = db_session("registration")
    session.execute(update(Application).values(
        created_at=Application.created_at - timedelta(days=51)))
    session.commit()
    assert rpc_client.registration.run_daily_jobs()["draft_warnings"] == 1
    assert rpc_client.registration.run_daily_jobs()["draft_warnings"] == 0
    assert any("削除予定" in m["Subject"] for m in smtp_sink.wait_for_messages(2))
    session.execute(update(Application).values(
        created_at=Application.created_at - timedelta(days=10)))
    session.commit()
    assert rpc_client.registration.run_daily_jobs()["drafts_removed"] == 1
    assert web.get(f"/api/v1/registration-applications/{started['application_number']}",
                   headers=bearer(started["application_token"])).status_code == 401




def test_the_admin_requests_renewal_once_it_opens(smtp_sink, saitama_fee, web, rpc_client,
                                                  db_session):
    trade_number = approved_registration(web, smtp_sink, rpc_client)
    session = db_session("registration")
    registration = session.query(Registration).one()
    certificate_admin = registration.admin_login_id
    # the admin ID's password as it would be after the forced first change
    from services.identity.domain import hash_password
    from services.identity.models import Account

    identity = db_session("identity")
    identity.execute(update(Account).where(Account.login_id == certificate_admin)
                     .values(password_hash=hash_password("Admin2026x"),
                             must_change_password=False))
    identity.commit()
    token = web.post("/api/v1/sessions", json={"cci_code": "1504", "login_id": certificate_admin,
                                               "password": "Admin2026x"}).json()["token"]
    admin = bearer(token)

    early = web.post("/api/v1/registration/renewal", headers=admin)
    assert early.status_code == 409 and early.json()["error"]["code"] == "renewal_not_open"

    session.execute(update(Registration).values(valid_until=date.today() + timedelta(days=20)))
    session.commit()
    renewed = web.post("/api/v1/registration/renewal", headers=admin)
    assert renewed.status_code == 202
    assert renewed.json()["trade_registration_number"] == trade_number
    # a requested renewal stops the reminders (REG-9)
    assert rpc_client.registration.run_daily_jobs()["renewal_reminders"] == 0


def test_field_errors_and_rule_errors_come_in_one_answer(smtp_sink, saitama_fee, web):
    _, started = start(web, smtp_sink)
    response = web.put(
        f"/api/v1/registration-applications/{started['application_number']}/company",
        headers=bearer(started["application_token"]),
        json=company(name_ja="", legal_entity_type=None,
                     extra_addresses=[{"address_ja": "a", "address_en": "a"}] * 3))
    fields = response.json()["error"]["fields"]
    assert {"name_ja", "legal_entity_type", "extra_addresses"} <= set(fields)
