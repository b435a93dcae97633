"""A registration ready to apply for certificates, through the API: the approved company's
signer (user ID) logged in, a sub ID of it, the admin, and chamber staff of Saitama and of
another chamber."""
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import update

from services.identity.domain import hash_password
from services.identity.models import Account
from services.issuance.models import Application
from tests.api.registration_flow import approved_with_admin
from tests.helpers.issuance import co_japan, pdf_file
from tradecert.clock import japan_today
from tradecert.db import utcnow

PASSWORD = "Passw0rd1"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


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
    trade_number, staff, admin = approved_with_admin(web, smtp_sink, rpc_client)
    user_id = web.get("/api/v1/signers", headers=admin).json()[0]["login_id"]
    identity = db_session("identity")
    identity.execute(update(Account).where(Account.login_id == user_id).values(
        password_hash=hash_password(PASSWORD), email_verified_at=utcnow()))
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
    return Applicants(trade_number, admin, user, user_id, login(web, sub_id), sub_id, staff,
                      other)


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


def mark_paid(db_session, application_id: str, print_days: int = 14) -> None:
    """The certified application paid, as payment marks it (ISS-8, ISS-12: printable for 14
    days from payment). Written in issuance's database until the tests pay through payment."""
    issuance = db_session("issuance")
    issuance.execute(update(Application).where(Application.id == application_id).values(
        status="paid", paid_at=utcnow(), print_until=japan_today() + timedelta(days=print_days)))
    issuance.commit()
