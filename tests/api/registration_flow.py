"""A registration approved through the API, for tests that start after approval."""
import re

from tests.api.registration_data import SIGNERS, company, invitation_token
from tests.helpers import pdf as pdfs
from tests.helpers.scans import frame, paper, scanned, sign


def staff_headers(web, rpc_client, login_id="staff09") -> dict:
    """A chamber staff ID of Saitama (1504), logged in."""
    rpc_client.identity.add_staff({"cci_code": "1504", "login_id": login_id,
                                   "password": "Staff2026x"})
    token = web.post("/api/v1/sessions", json={"cci_code": "1504", "login_id": login_id,
                                               "password": "Staff2026x"}).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def submitted_application(web, smtp_sink, staff, mails_before=0,
                          email="contact@sakura.example.jp", company_data=None,
                          signers=SIGNERS[:1]) -> str:
    """Invitation → application → submission, each signer's signature uploaded by staff:
    ready for approval. Returns the application number."""
    web.post("/api/v1/chambers/1504/registration-invitations",
             json={"email": email, "agree_rules": True})
    mail = [m for m in smtp_sink.wait_for_messages(mails_before + 1)
            if m["Subject"] == "貿易登録申請手続きのご案内" and email in m["To"]][-1]
    started = web.post("/api/v1/registration-applications", json={
        "invitation_token": invitation_token(mail), "agree_privacy": True,
        "agree_terms": True}).json()
    number = started["application_number"]
    app = {"Authorization": f"Bearer {started['application_token']}"}
    saved = web.put(f"/api/v1/registration-applications/{number}/company", headers=app,
                    json=company_data or company())
    assert saved.status_code == 200, saved.text
    signer_ids = []
    for signer in signers:
        added = web.post(f"/api/v1/registration-applications/{number}/signers", headers=app,
                         json=signer)
        assert added.status_code == 201, added.text
        signer_ids.append(added.json()["signer_id"])
    submitted = web.post(f"/api/v1/registration-applications/{number}/submission", headers=app)
    assert submitted.status_code == 200, submitted.text
    for signer_id in signer_ids:
        uploaded = web.put(f"/api/v1/staff/registration-applications/{number}/signers/"
                           f"{signer_id}/signature", headers={**staff, "Content-Type": "image/png"},
                           data=scanned(sign(frame(paper()))))
        assert uploaded.status_code == 200, uploaded.text
    return number


def approved_registration(web, smtp_sink, rpc_client, mails_before=0) -> str:
    """Invitation → application → staff approval; returns the trade registration number."""
    staff = staff_headers(web, rpc_client)
    number = submitted_application(web, smtp_sink, staff, mails_before)
    approved = web.post(f"/api/v1/staff/registration-applications/{number}/approval",
                        headers=staff, json={"registration_fee_receipt_no": "R-9"})
    assert approved.status_code == 201, approved.text
    return approved.json()["trade_registration_number"]


def approved_with_admin(web, smtp_sink, rpc_client, signers=SIGNERS,
                        new_password="Admin2026x") -> tuple[str, dict, dict]:
    """An approved registration of two signers; (number, staff headers, admin headers), the
    admin's initial password read from the certificate and changed."""
    staff = staff_headers(web, rpc_client)
    number = submitted_application(web, smtp_sink, staff, signers=signers)
    approved = web.post(f"/api/v1/staff/registration-applications/{number}/approval",
                        headers=staff, json={"registration_fee_receipt_no": "R-9"})
    assert approved.status_code == 201, approved.text
    trade_number = approved.json()["trade_registration_number"]
    certificate = web.get(f"/api/v1/staff/registrations/{trade_number}/certificate.pdf",
                          headers=staff)
    admin_id, password = re.search(r"管理者ID\s+(\S+)\n\s+初期パスワード\s+(\S+)\n",
                                   pdfs.text(certificate.content, layout=True)).groups()
    token = web.post("/api/v1/sessions", json={
        "cci_code": "1504", "login_id": admin_id, "password": password}).json()["token"]
    assert web.put("/api/v1/me/password", headers={"Authorization": f"Bearer {token}"}, json={
        "current_password": password, "new_password": new_password}).status_code == 204
    return trade_number, staff, {"Authorization": f"Bearer {token}"}


def admin_password_on_certificate(web, staff, trade_number) -> tuple[str, str]:
    """(admin ID, password) as the trade registration certificate prints them."""
    certificate = web.get(f"/api/v1/staff/registrations/{trade_number}/certificate.pdf",
                          headers=staff)
    assert certificate.status_code == 200
    return re.search(r"管理者ID\s+(\S+)\n\s+初期パスワード\s+(\S+)\n",
                     pdfs.text(certificate.content, layout=True)).groups()
