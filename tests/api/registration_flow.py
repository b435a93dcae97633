"""A registration approved through the API, for tests that start after approval."""
from tests.api.registration_data import SIGNERS, company, invitation_token
from tests.helpers.scans import frame, paper, scanned, sign


def approved_registration(web, smtp_sink, rpc_client, mails_before=0) -> str:
    """Invitation → application → staff approval; returns the trade registration number."""
    web.post("/api/v1/chambers/1504/registration-invitations",
             json={"email": "contact@sakura.example.jp", "agree_rules": True})
    mail = [m for m in smtp_sink.wait_for_messages(mails_before + 1)
            if m["Subject"] == "貿易登録申請手続きのご案内"][-1]
    started = web.post("/api/v1/registration-applications", json={
        "invitation_token": invitation_token(mail), "agree_privacy": True,
        "agree_terms": True}).json()
    number = started["application_number"]
    app = {"Authorization": f"Bearer {started['application_token']}"}
    web.put(f"/api/v1/registration-applications/{number}/company", headers=app, json=company())
    signer_id = web.post(f"/api/v1/registration-applications/{number}/signers", headers=app,
                         json=SIGNERS[0]).json()["signer_id"]
    web.post(f"/api/v1/registration-applications/{number}/submission", headers=app)
    rpc_client.identity.add_staff({"cci_code": "1504", "login_id": "staff09",
                                   "password": "Staff2026x"})
    token = web.post("/api/v1/sessions", json={"cci_code": "1504", "login_id": "staff09",
                                               "password": "Staff2026x"}).json()["token"]
    staff = {"Authorization": f"Bearer {token}"}
    web.put(f"/api/v1/staff/registration-applications/{number}/signers/{signer_id}/signature",
            headers={**staff, "Content-Type": "image/png"}, data=scanned(sign(frame(paper()))))
    approved = web.post(f"/api/v1/staff/registration-applications/{number}/approval",
                        headers=staff, json={"registration_fee_receipt_no": "R-9"})
    assert approved.status_code == 201, approved.text
    return approved.json()["trade_registration_number"]
