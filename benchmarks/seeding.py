"""Seeding through the services' RPCs, for the benchmarks (`make bench`'s issuance,
`make load`): a registration approved with its signer, its user ID ready to apply (password
set, e-mail verified, as the API tests do) and a sub ID, and submitted applications. The
services must be running; the caller's process reaches their databases through config."""
import base64
import re
import time
from pathlib import Path

from tradecert import config

CCI_CODE = "1504"
PASSWORD = "Bench2026x"

SIGNER = {"name_ja": "山田 太郎", "name_en": "TARO YAMADA", "title_en": "EXPORT MANAGER",
          "email": "t.yamada@sakura.example.jp"}


def caller(client, login_id: str, password: str, action: str, cci_code: str = CCI_CODE) -> dict:
    """As the gateway does: a login, then identity's one authorization path."""
    token = client.identity.login({"cci_code": cci_code, "login_id": login_id,
                                   "password": password})["token"]
    return client.identity.authorize(token, action)


def mails(maildir: Path) -> list:
    from operations.mailsink import read

    return read(maildir) if (maildir / "new").exists() else []


def invitation_token(maildir: Path, email: str, timeout: float = 30) -> str:
    """The token of the invitation mailed to `email` (notify → the mail sink's Maildir)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for mail in mails(maildir):
            found = re.search(r"/registration/start\?token=(\S+)", mail.get_content())
            if found and email in mail["To"]:
                return found.group(1)
        time.sleep(0.2)
    raise RuntimeError(f"no invitation mail to {email} arrived")


def signature_scan() -> str:
    from tests.helpers.scans import frame, paper, scanned, sign

    return base64.b64encode(scanned(sign(frame(paper())))).decode("ascii")


def registration(maildir: Path, client, staff: dict, n: int) -> dict:
    """A registration invited, applied for, its signer's signature uploaded and approved
    through registration's RPCs (identity makes the IDs, documents the certificate); its user
    ID's password set and e-mail verified as the API tests do (tests/api/issuance_flow.py),
    and a sub ID of it, active. Returns both callers."""
    from sqlalchemy import select, update
    from sqlalchemy.orm import Session

    from services.documents import samples
    from services.identity.domain import hash_password
    from services.identity.models import Account, Registration
    from tradecert.db import make_engine, utcnow

    email = f"contact{n}@sakura.example.jp"
    client.registration.invite(CCI_CODE, {"email": email, "agree_rules": True})
    started = client.registration.start_application({
        "invitation_token": invitation_token(maildir, email), "agree_privacy": True,
        "agree_terms": True})
    number, token = started["application_number"], started["application_token"]
    company = samples.company("applicant")  # API.md's company body
    client.registration.save_company(number, token, {
        **company, "name_en": f"Sakura Trading {n}",
        "contact": {**company["contact"], "email": email}})
    signer = client.registration.add_signer(number, token, {
        **SIGNER, "email": f"t.yamada{n}@sakura.example.jp"})
    client.registration.submit(number, token)
    client.registration.upload_signature(staff, number, signer["signer_id"], signature_scan())
    approved = client.registration.approve(staff, number, {"registration_fee_receipt_no": "R-1"})
    trade_number = approved["trade_registration_number"]

    engine = make_engine(config.database_url("identity"))
    with Session(engine) as session, session.begin():
        registration_id = session.scalar(select(Registration.id).where(
            Registration.trade_registration_number == trade_number))
        user_id = session.scalars(update(Account).where(
            Account.registration_id == registration_id, Account.kind == "user").values(
            password_hash=hash_password(PASSWORD), email_verified_at=utcnow())
            .returning(Account.login_id)).one()
    user = caller(client, user_id, PASSWORD, "applications.apply")
    sub_id = client.identity.create_sub_id(user, {
        "name": "サブ 一郎", "password": PASSWORD,
        "email": f"sub{n}@sakura.example.jp"})["login_id"]
    with Session(engine) as session, session.begin():
        session.execute(update(Account).where(Account.login_id == sub_id).values(
            activated_at=utcnow()))
    engine.dispose()
    assert user["trade_registration_number"] == trade_number
    return {"user": user, "sub": caller(client, sub_id, PASSWORD, "applications.view")}


def submitted_applications(client, user: dict, count: int) -> list[str]:
    """co_japan applications with an invoice attached, submitted, through issuance's RPCs."""
    from tests.helpers.issuance import co_japan, pdf_file

    invoice = base64.b64encode(pdf_file()).decode("ascii")
    ids = []
    for _ in range(count):
        application_id = client.issuance.create_application(user, co_japan())["application_id"]
        client.issuance.add_attachment(user, application_id, "commercial_invoice",
                                       "invoice.pdf", invoice)
        assert client.issuance.submit(user, application_id)["status"] == "submitted"
        ids.append(application_id)
    return ids
