"""Companies and IDs for the API tests: the own registration, another company in the same
chamber, and a company in another chamber, each with an admin, a signer (user) and a sub ID,
all ready to work (password changed, e-mail verified, sub ID activated), and staff."""
from dataclasses import dataclass, field

from sqlalchemy import update

from services.identity.models import Account
from tradecert.db import utcnow

PASSWORD = "Passw0rd1"


@dataclass
class Company:
    cci_code: str
    trade_registration_number: str
    admin: str = ""
    user: str = ""
    sub: str = ""
    users: list[str] = field(default_factory=list)


def chamber(rpc, cci_code, name):
    rpc.identity.add_chamber({"cci_code": cci_code, "name_ja": name, "name_en": f"{name} CCI"})


def signature_file_id(rpc) -> str:
    """A registered signature (REG-7), as staff would upload it, through documents."""
    import base64

    from tests.helpers.scans import frame, paper, scanned, sign

    scan = base64.b64encode(scanned(sign(frame(paper())))).decode()
    return rpc.documents.store_signature(scan)["file_id"]


def register(rpc, cci_code, number, signers=1) -> tuple[Company, dict]:
    signature = signature_file_id(rpc)
    created = rpc.identity.create_registration_accounts({
        "cci_code": cci_code, "trade_registration_number": number,
        "company": {"name_ja": f"会社{number}", "name_en": f"COMPANY {number}"},
        "contact": {"name": "連絡 太郎", "email": f"contact-{number}@example.jp"},
        "signers": [{"signer_id": f"s{n}", "name_ja": f"署名 {n}", "name_en": f"SIGNER {n}",
                     "title_en": "MANAGER", "email": f"signer{n}-{number}@example.jp",
                     "signature_file_id": signature}
                    for n in range(1, signers + 1)]})
    company = Company(cci_code, number, admin=created["admin"]["login_id"],
                      users=[u["login_id"] for u in created["users"]])
    company.user = company.users[0]
    return company, created


def make_ready(db, company: Company, rpc) -> Company:
    """Skip the first-login steps (tested on their own) for the matrix."""
    from services.identity.domain import hash_password

    session = db("identity")
    session.execute(update(Account).where(Account.login_id.in_([company.admin, *company.users]),
                                          Account.cci_code == company.cci_code)
                    .values(password_hash=hash_password(PASSWORD), must_change_password=False,
                            email_verified_at=utcnow()))
    session.commit()
    caller = rpc.identity.authorize(login(rpc, company.cci_code, company.user), "me.view")
    company.sub = rpc.identity.create_sub_id(caller, {
        "name": "サブ 一郎", "password": PASSWORD, "email": "sub@example.jp"})["login_id"]
    session.execute(update(Account).where(Account.login_id == company.sub,
                                          Account.cci_code == company.cci_code)
                    .values(notified_at=utcnow(), activated_at=utcnow()))
    session.commit()
    return company


def login(rpc, cci_code, login_id, password=PASSWORD) -> str:
    return rpc.identity.login({"cci_code": cci_code, "login_id": login_id,
                               "password": password})["token"]
