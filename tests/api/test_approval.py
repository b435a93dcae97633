"""Approval (REG-8) through the gateway: no step can half-fail. A failed render, a double
click, a retry: each leaves a state from which the next approval succeeds, and the chamber's
trade registration numbers stay in order, none lost, none given twice."""
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from services.documents import domain as documents_domain
from services.identity import accounts
from services.identity.models import Account
from services.identity.models import Registration as IdentityRegistration
from services.registration.models import Registration
from tests.api.registration_data import SIGNERS, company
from tests.api.registration_flow import (
    admin_password_on_certificate,
    staff_headers,
    submitted_application,
)
from tests.api.world import signature_file_id
from tests.conftest import wait_for
from tradecert.errors import Conflict

RECEIPT = {"registration_fee_receipt_no": "R-001"}


def approval(number: str) -> str:
    return f"/api/v1/staff/registration-applications/{number}/approval"


def identity_numbers(db_session) -> list[str]:
    return sorted(db_session("identity").scalars(
        select(IdentityRegistration.trade_registration_number)))


def test_a_failed_render_leaves_an_approval_that_succeeds_next_time(
        smtp_sink, saitama, web, rpc_client, db_session, monkeypatch):
    staff = staff_headers(web, rpc_client)
    first = submitted_application(web, smtp_sink, staff, 0, "first@example.jp")
    second = submitted_application(web, smtp_sink, staff, 1, "second@example.jp")

    # the certificate's render fails once, after identity has made the IDs
    produce, failed = documents_domain.produce, []

    def fails_once(session, *, kind, **kwargs):
        if kind == "registration-certificate" and not failed:
            failed.append(kind)
            raise RuntimeError("the renderer fell over")
        return produce(session, kind=kind, **kwargs)

    monkeypatch.setattr(documents_domain, "produce", fails_once)
    broken = web.post(approval(first), headers=staff, json=RECEIPT)
    assert failed and broken.status_code == 500
    assert identity_numbers(db_session) == ["1504-000001"]  # identity kept its IDs
    assert web.get(f"/api/v1/staff/registration-applications/{first}",
                   headers=staff).json()["status"] == "submitted"

    # the next attempt: the same number, the same IDs, and a certificate that works
    retried = web.post(approval(first), headers=staff, json=RECEIPT)
    assert retried.status_code == 201, retried.text
    assert retried.json()["trade_registration_number"] == "1504-000001"
    admin_id, password = admin_password_on_certificate(web, staff, "1504-000001")
    assert admin_id == retried.json()["admin_login_id"]
    login = web.post("/api/v1/sessions", json={"cci_code": "1504", "login_id": admin_id,
                                               "password": password})
    assert login.status_code == 201, login.text
    # the certificate exists: identity no longer keeps the admin's password, and its IDs
    # are handed out (no repeat gives them again)
    wait_for(lambda: db_session("identity").scalar(select(Account.initial_password_sealed)
                                                   .where(Account.login_id == admin_id)) is None,
             message="the admin's sealed password dropped")
    repeat = web.post(approval(first), headers=staff, json=RECEIPT)
    assert repeat.status_code == 201 and repeat.json() == retried.json()

    # the next application in the chamber takes the next number
    following = web.post(approval(second), headers=staff, json=RECEIPT)
    assert following.status_code == 201, following.text
    assert following.json()["trade_registration_number"] == "1504-000002"
    assert identity_numbers(db_session) == ["1504-000001", "1504-000002"]


def test_three_approvals_at_once_make_one_registration(smtp_sink, saitama, web, rpc_client,
                                                       db_session, new_browser):
    staff = staff_headers(web, rpc_client)
    first = submitted_application(web, smtp_sink, staff, 0, "first@example.jp",
                                  signers=SIGNERS)
    second = submitted_application(web, smtp_sink, staff, 1, "second@example.jp")

    # a double (triple) click: three browsers' requests at the same moment
    browsers = [new_browser() for _ in range(3)]
    with ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(
            lambda browser: browser.post(approval(first), headers=staff, json=RECEIPT),
            browsers))
    assert all(a.status_code in (201, 409) for a in answers), [a.text for a in answers]
    results = {a.text for a in answers if a.status_code == 201}
    assert len(results) == 1  # every success is the same approval
    assert answers[0].json()["trade_registration_number"] == "1504-000001"
    registration = db_session("registration")
    assert registration.query(Registration).count() == 1
    identity = db_session("identity")
    assert identity_numbers(db_session) == ["1504-000001"]
    assert identity.query(Account).filter(Account.kind.in_(("admin", "user"))).count() == 3

    # the same approval again answers the same; another receipt is refused, clearly
    again = web.post(approval(first), headers=staff, json=RECEIPT)
    assert again.status_code == 201 and again.text in results
    other = web.post(approval(first), headers=staff,
                     json={"registration_fee_receipt_no": "R-999"})
    assert other.status_code == 409 and other.json()["error"]["code"] == "already_approved"

    following = web.post(approval(second), headers=staff, json=RECEIPT)
    assert following.status_code == 201, following.text
    assert following.json()["trade_registration_number"] == "1504-000002"


def test_a_name_of_150_characters_is_approved(smtp_sink, saitama, web, rpc_client,
                                              db_session):
    """Defect 3: registration and identity take a person's name to the same length."""
    long_name = "山" * 150
    contact = {**company()["contact"], "name_ja": long_name}
    staff = staff_headers(web, rpc_client)
    number = submitted_application(
        web, smtp_sink, staff, company_data=company(contact=contact),
        signers=[{**SIGNERS[0], "name_ja": long_name, "name_en": "Y" * 150,
                  "title_en": "T" * 150}])
    approved = web.post(approval(number), headers=staff, json=RECEIPT)
    assert approved.status_code == 201, approved.text
    names = db_session("identity").scalars(select(Account.name).where(
        Account.kind.in_(("admin", "user")))).all()
    assert names == [long_name, long_name]


def test_identity_gives_the_same_ids_again_until_the_certificate_exists(saitama, rpc_client,
                                                                        db_session):
    signature = signature_file_id(rpc_client)

    def signer(n):
        return {"signer_id": f"s{n}", "name_ja": f"署名 {n}", "name_en": f"SIGNER {n}",
                "title_en": "MANAGER", "email": f"s{n}@example.jp",
                "signature_file_id": signature}

    data = {"cci_code": "1504", "trade_registration_number": "1504-000042",
            "company": {"name_ja": "会社", "name_en": "COMPANY"},
            "contact": {"name": "連絡 太郎", "email": "contact@example.jp"},
            "signers": [signer(1), signer(2)]}
    first = rpc_client.identity.create_registration_accounts(data)
    assert rpc_client.identity.create_registration_accounts(data) == first

    # a signer removed and another added meanwhile (the application was returned, edited)
    changed = rpc_client.identity.create_registration_accounts(
        {**data, "signers": [signer(2), signer(3)]})
    assert changed["admin"] == first["admin"]
    assert changed["users"][0] == first["users"][1]
    assert changed["users"][1]["signer_id"] == "s3"
    users = db_session("identity").scalars(select(Account.login_id).where(
        Account.kind == "user")).all()
    assert sorted(users) == sorted(u["login_id"] for u in changed["users"])

    # once the certificate exists the IDs are handed out: a repeat is refused
    with db_session("identity") as session:
        accounts.certificate_issued(session, "1504", "1504-000042")
        session.commit()
    with pytest.raises(Conflict) as refused:
        rpc_client.identity.create_registration_accounts(data)
    assert refused.value.code == "registration_exists"
