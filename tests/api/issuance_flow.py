"""A registration ready to apply for certificates, through the API: the approved company's
signer (user ID) logged in, a sub ID of it, the admin, and chamber staff of Saitama and of
another chamber."""
import base64
from dataclasses import dataclass

from sqlalchemy import update

from services.identity.domain import hash_password
from services.identity.models import Account
from services.issuance.models import Application
from tests.api.registration_data import SIGNERS
from tests.api.registration_flow import staff_headers
from tests.helpers.issuance import co_japan, pdf_file
from tests.helpers.pages import location, log_in
from tradecert.clock import japan_today
from tradecert.db import utcnow

PASSWORD = "Passw0rd1"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def staff_browser(new_browser, rpc_client, login_id, cci_code="1504"):
    """A browser of a chamber's staff, logged in on the pages (Saitama's staff made here;
    Tokyo's `tokyo01` is made by `applicants`)."""
    if cci_code == "1504":
        rpc_client.identity.add_staff({"cci_code": "1504", "login_id": login_id,
                                       "password": "Staff2026x"})
    browser = new_browser()
    assert location(log_in(browser, login_id, "Staff2026x", cci_code)) == "/me"
    return browser


def login(web, login_id, password=PASSWORD, cci_code="1504") -> dict:
    answer = web.post("/api/v1/sessions", json={"cci_code": cci_code, "login_id": login_id,
                                                "password": password})
    assert answer.status_code == 201, answer.text
    return bearer(answer.json()["token"])


@dataclass
class Applicants:
    trade_number: str
    admin: dict
    user: dict
    user_id: str
    sub: dict
    sub_id: str
    staff: dict
    other_staff: dict


def applicants(web, smtp_sink, rpc_client, db_session) -> Applicants:
    """An approved registration of Saitama (1504) with one signer, made straight through
    registration's rules and identity's RPC (the wizard and approval through the API are
    tested on their own, tests/api/test_approval.py): a few RPCs instead of the whole
    journey, so the issuance tests spend their time on issuance. `smtp_sink` is not read."""
    staff = staff_headers(web, rpc_client)
    trade_number = approved(rpc_client, db_session("registration"))
    accounts = web.get(f"/api/v1/staff/registrations/{trade_number}/accounts",
                       headers=staff).json()["accounts"]
    admin_id = next(a["login_id"] for a in accounts if a["kind"] == "admin")
    user_id = next(a["login_id"] for a in accounts if a["kind"] == "user")
    identity = db_session("identity")
    identity.execute(update(Account).where(Account.login_id.in_([admin_id, user_id])).values(
        password_hash=hash_password(PASSWORD), must_change_password=False,
        email_verified_at=utcnow()))
    identity.commit()
    user = login(web, user_id)
    created = web.post("/api/v1/sub-ids", headers=user, json={
        "name": "サブ 一郎", "password": PASSWORD, "email": "sub@sakura.example.jp"})
    assert created.status_code == 201, created.text
    sub_id = created.json()["login_id"]
    identity.execute(update(Account).where(Account.login_id == sub_id).values(
        password_hash=hash_password(PASSWORD), activated_at=utcnow()))
    identity.commit()
    rpc_client.identity.add_chamber({"cci_code": "1301", "name_ja": "東京商工会議所",
                                     "name_en": "Tokyo CCI"})
    rpc_client.identity.add_staff({"cci_code": "1301", "login_id": "tokyo01",
                                   "password": "Staff2026x"})
    other = login(web, "tokyo01", "Staff2026x", cci_code="1301")
    return Applicants(trade_number, login(web, admin_id), user, user_id, login(web, sub_id),
                      sub_id, staff, other)


def approved(rpc_client, session) -> str:
    """REG-8 through registration's own rules, identity's real accounts and a real stored
    signature (box 9 prints it); the registration certificate is not rendered."""
    from services.registration import domain
    from tests.helpers.registration import company, signer, start
    from tests.helpers.scans import frame, paper, scanned, sign

    application, _ = start(session)
    domain.save_company(session, application, company())
    added = domain.add_signer(session, application, signer(1, **SIGNERS[0]))
    added.signature_file_id = rpc_client.documents.store_signature(
        base64.b64encode(scanned(sign(frame(paper())))).decode("ascii"))["file_id"]
    domain.submit(session, application)
    registration = domain.approve(
        session, application, "R-9", rpc_client.identity.get_chamber("1504"),
        today=japan_today(), create_accounts=rpc_client.identity.create_registration_accounts,
        render_certificate=lambda payload: {"file_id": "0" * 64})
    session.commit()
    return registration.trade_registration_number


def attach(web, headers, application_id, kind, data, filename="invoice.pdf",
           content_type="application/pdf"):
    return web.post(f"/api/v1/applications/{application_id}/attachments", headers=headers,
                    data={"kind": kind}, files={"file": (filename, data, content_type)})


def submitted_co(web, headers, consignee: str = "ABC Imports Ltd.") -> str:
    """A co_japan of two goods lines with its commercial invoice, submitted through the API
    (ISS-6: submission needs the invoice); returns the application's id."""
    body = co_japan(goods=2)
    body["consignee"]["name"] = consignee
    created = web.post("/api/v1/applications", headers=headers, json=body)
    assert created.status_code == 201, created.text
    application_id = created.json()["application_id"]
    invoice = attach(web, headers, application_id, "commercial_invoice", pdf_file())
    assert invoice.status_code == 201, invoice.text
    sent = web.post(f"/api/v1/applications/{application_id}/submission", headers=headers)
    assert sent.status_code == 200, sent.text
    return application_id


def mark_paid(db_session, application_id: str) -> None:
    """The certified application paid, through issuance's own handler of payment's
    `payment_succeeded` (ISS-8, ISS-12: printable for the chamber's window from payment), for
    the tests of printing and verification; card payment itself is tests/api/test_payment.py's."""
    from services.issuance import payments

    issuance = db_session("issuance")
    application = issuance.get(Application, application_id)
    payments.mark_paid(issuance, {
        "cci_code": application.cci_code, "application_ids": [application_id],
        "login_id": application.applicant_login_id, "receipt_no": "1504-R999999",
        "paid_at": utcnow().isoformat()})
    issuance.commit()
