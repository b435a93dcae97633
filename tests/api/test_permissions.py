"""The permission matrix (ID-7, ID-9), generated from identity's table: every API route that
needs a login × {anonymous, admin, user, sub, staff} × {own, other company, other chamber}.
Nobody sees another company's or another chamber's objects: those answer 404."""
import base64
import re
import uuid

import pytest
from sqlalchemy import select, update

from gateway.auth import APPLICATION, PUBLIC
from services.identity.models import Account
from services.identity.permissions import PERMISSIONS
from services.issuance.models import Application
from tests.api.world import PASSWORD, chamber, login, make_ready, register
from tests.helpers.issuance import co_japan, pdf_file
from tests.helpers.routes import login_routes, routes
from tradecert.db import utcnow

ROLES = ("anonymous", "admin", "user", "sub", "staff")
OWNERS = ("own", "other_company", "other_chamber")


def test_every_route_declares_public_or_an_id_7_action():
    undeclared = [(m, u) for m, u, action in routes() if action is None]
    unknown = [(m, u, a) for m, u, a in routes()
               if a not in PERMISSIONS and a not in (PUBLIC, APPLICATION)]
    assert undeclared == [] and unknown == []
    api_public = {(m, u) for m, u, a in routes() if a == PUBLIC and u.startswith("/api/")}
    assert api_public == {("GET", "/api/v1/chambers/<cci_code>"), ("POST", "/api/v1/sessions"),
                          ("POST", "/api/v1/sub-id-activations"),
                          ("POST", "/api/v1/chambers/<cci_code>/registration-invitations"),
                          ("POST", "/api/v1/registration-applications"),
                          ("POST", "/api/v1/webhooks/stripe"),  # Stripe's signature (issue 11)
                          ("GET", "/api/v1/verification"),  # ISS-9: anyone verifies
                          ("GET", "/api/v1/echo")}  # issue 12: make load's ceiling, no data
    # before approval an application's own token is its credential (API.md)
    assert all(u.startswith("/api/v1/registration-applications/")
               for m, u, a in routes() if a == APPLICATION)


BODIES = {
    ("PUT", "/api/v1/me/password"): {"current_password": PASSWORD, "new_password": PASSWORD},
    ("POST", "/api/v1/me/email-verification"): {},
    ("POST", "/api/v1/me/email-verification/confirm"): {"code": "123456"},
    ("PUT", "/api/v1/signers/<login_id>/password"): {"new_password": PASSWORD},
    ("PUT", "/api/v1/sub-ids/<login_id>/password"): {"new_password": PASSWORD},
    ("POST", "/api/v1/sub-ids"): {"name": "新 サブ", "password": PASSWORD,
                                  "email": "new@example.jp"},
    ("PATCH", "/api/v1/sub-ids/<login_id>"): {"phone": "048-111-2222"},
    ("POST", "/api/v1/staff/registration-applications/<number>/approval"): {
        "registration_fee_receipt_no": "R-1"},
    ("POST", "/api/v1/staff/registration-applications/<number>/return"): {"reason": "不備"},
    ("POST", "/api/v1/staff/registrations/<number>/renewal"): {
        "registration_fee_receipt_no": "R-2"},
    ("POST", "/api/v1/registration/change-requests"): {"signers_removed": ["U0000000"]},
    ("POST", "/api/v1/staff/change-requests/<change_request_id>/return"): {"reason": "不備"},
    ("POST", "/api/v1/applications"): co_japan(),
    ("PUT", "/api/v1/applications/<application_id>"): co_japan(),
    ("POST", "/api/v1/staff/applications/<application_id>/return"): {"reason": "不備"},
    ("POST", "/api/v1/staff/applications/<application_id>/revocation"): {"reason": "誤り"},
    ("POST", "/api/v1/payments"): {"application_ids": ["0" * 32]},
    ("POST", "/api/v1/payments/<payment_id>/confirmation"): {"payment_method": "pm_card_visa"},
    ("POST", "/api/v1/staff/payments/<payment_id>/refund"): {"reason": "二重払い"},
    ("POST", "/api/v1/sub-ids/<login_id>/notification"): {
        "target_trade_registration_number": "{number}", "target_email": "h@example.jp",
        "subject": "【貿易関係証明発給システム】サブID付与のお知らせ", "body": "本文"},
}


def _scan() -> bytes:
    from tests.helpers.scans import frame, paper, scanned, sign

    return scanned(sign(frame(paper())))


SCAN = _scan()
INVOICE = pdf_file()


class World:
    def __init__(self, rpc, db):
        self.rpc, self.db = rpc, db
        self.tokens = {}
        chamber(rpc, "1504", "さいたま")
        chamber(rpc, "1301", "東京")
        self.companies = {
            "own": make_ready(db, register(rpc, "1504", "1504-000100")[0], rpc),
            "other_company": make_ready(db, register(rpc, "1504", "1504-000200")[0], rpc),
            "other_chamber": make_ready(db, register(rpc, "1301", "1301-000300")[0], rpc),
        }
        for cci_code in ("1504", "1301"):
            rpc.identity.add_staff({"cci_code": cci_code, "login_id": f"staff{cci_code}",
                                    "password": PASSWORD})
        # A submitted trade registration application in each chamber, its signature uploaded,
        # for the staff routes; and an approved one, for the registration's own routes.
        self.applications = {"own": self.application("1504"),
                             "other_chamber": self.application("1301")}
        self.registrations = {"own": self.approved("1504"),
                              "other_chamber": self.approved("1301")}
        # A change request of each approved registration, adding a signer whose signature
        # staff have scanned: for the change request routes.
        self.change_requests = {owner: self.change_request(owner)
                                for owner in ("own", "other_chamber")}
        # A submitted issuance application of each company, by its sub ID (so that its user
        # ID, the signer, sees and changes it too: ISS-3), with an invoice attached.
        self.invoice = self.rpc.documents.store_attachment(
            base64.b64encode(pdf_file()).decode("ascii"), "invoice.pdf")
        self.issuance = {owner: self.issuance_application(company)
                         for owner, company in self.companies.items()}

    def staff(self, cci_code):
        return self.rpc.identity.authorize(login(self.rpc, cci_code, f"staff{cci_code}"),
                                           "staff.review")

    def application(self, cci_code, tag="matrix"):
        import base64
        import hashlib
        from datetime import timedelta

        from services.registration.models import Invitation
        from tests.api.registration_data import SIGNERS, company

        token = f"invitation-{cci_code}-for-the-{tag}"
        session = self.db("registration")
        session.add(Invitation(cci_code=cci_code, email="a@example.jp",
                               token_hash=hashlib.sha256(token.encode()).hexdigest(),
                               expires_at=utcnow() + timedelta(days=60)))
        session.commit()
        started = self.rpc.registration.start_application(
            {"invitation_token": token, "agree_privacy": True, "agree_terms": True})
        number, app_token = started["application_number"], started["application_token"]
        self.rpc.registration.save_company(number, app_token, company())
        signer = self.rpc.registration.add_signer(number, app_token, SIGNERS[0])
        self.rpc.registration.submit(number, app_token)
        self.rpc.registration.upload_signature(self.staff(cci_code), number, signer["signer_id"],
                                               base64.b64encode(SCAN).decode("ascii"))
        return {"number": number, "signer_id": signer["signer_id"]}

    def approved(self, cci_code):
        number = self.application(cci_code, "approved")["number"]
        result = self.rpc.registration.approve(self.staff(cci_code), number,
                                               {"registration_fee_receipt_no": "R-0"})
        return {"number": result["trade_registration_number"]}

    def change_request(self, owner):
        import base64

        from tests.api.registration_data import SIGNERS

        registration = self.registrations[owner]
        cci_code = registration["number"][:4]
        admin = {"cci_code": cci_code, "login_id": "A0000000",
                 "trade_registration_number": registration["number"]}
        created = self.rpc.registration.submit_change_request(admin, {"signers_added": [
            {**SIGNERS[1], "email": "another@example.jp"}]})
        number, signer_id = created["change_request_id"], \
            created["signers_added"][0]["signer_id"]
        self.rpc.registration.upload_change_signature(self.staff(cci_code), number, signer_id,
                                                      base64.b64encode(SCAN).decode("ascii"))
        return {"number": number, "signer_id": signer_id}

    def issuance_application(self, company) -> dict:
        from services.issuance.models import Application, Attachment

        application_id, attachment_id = uuid.uuid4().hex, uuid.uuid4().hex
        session = self.db("issuance")
        now = utcnow()
        session.add(Application(
            id=application_id, cci_code=company.cci_code,
            trade_registration_number=company.trade_registration_number,
            certificate_type="co_japan", status="submitted", applicant_login_id=company.sub,
            applicant_kind="sub", applicant_account_id=0, signer_login_id=company.user,
            exporter_name="COMPANY", signer_name="SIGNER", body=co_japan(),
            updated_at=now, submitted_at=now))
        session.flush()
        session.add(Attachment(id=attachment_id, application_id=application_id,
                               kind="commercial_invoice", filename="invoice.pdf",
                               content_type="application/pdf", size=self.invoice["size"],
                               sha256=self.invoice["sha256"], file_id=self.invoice["file_id"],
                               created_at=now, created_by=company.sub))
        session.commit()
        return {"application_id": application_id, "attachment_id": attachment_id}

    def token(self, role, fresh=False):
        """A session of `role`'s ID, kept between requests (a login costs an argon2 hash);
        `fresh` after a 401: the case before ended it (a logout, a lock, a deleted sub ID)."""
        if fresh or role not in self.tokens:
            own = self.companies["own"]
            login_id = f"staff{own.cci_code}" if role == "staff" else getattr(own, role)
            self.tokens[role] = login(self.rpc, own.cci_code, login_id)
        return self.tokens[role]

    def path(self, url, owner):
        """The URL with its parameters filled in with `owner`'s objects."""
        company = self.companies[owner]
        objects = self.registrations if url.startswith("/api/v1/staff/registrations/") \
            else self.applications
        application = objects.get(owner, objects["own"])
        change = "<change_request_id>" in url
        if change:
            application = self.change_requests[owner]
        login_id = company.sub if url.startswith("/api/v1/sub-ids/") else company.user
        issued = self.issuance[owner]
        return (url.replace("<login_id>", login_id)
                .replace("<application_id>", issued["application_id"])
                .replace("<attachment_id>", issued["attachment_id"])
                .replace("<number>", application["number"])
                .replace("<change_request_id>", application["number"])
                .replace("<signer_id>", application.get("signer_id", ""))
                .replace("<form>", "signature-registration" if change else "pledge"))

    def restore(self):
        """Undo what the last request changed, so every case starts alike: sub IDs that were
        deleted come back, reset ones are notified and active again."""
        session = self.db("identity")
        for company in self.companies.values():
            user = session.scalar(select(Account).where(Account.login_id == company.user,
                                                        Account.cci_code == company.cci_code))
            sub = session.scalar(select(Account).where(Account.login_id == company.sub,
                                                       Account.cci_code == company.cci_code))
            if sub is None:
                caller = self.rpc.identity.authorize(login(self.rpc, company.cci_code,
                                                           company.user), "me.view")
                deleted, company.sub = company.sub, self.rpc.identity.create_sub_id(caller, {
                    "name": "サブ", "password": PASSWORD, "email": "s@example.jp"})["login_id"]
                self.db("issuance").execute(update(Application).where(
                    Application.applicant_login_id == deleted).values(
                    applicant_login_id=company.sub))
            session.execute(update(Account).where(Account.login_id == company.sub,
                                                  Account.cci_code == company.cci_code)
                            .values(notified_at=utcnow(), activated_at=utcnow()))
            assert user is not None
        session.execute(update(Account).values(locked_at=None, locked_by=None))  # issue 9
        session.commit()
        issuance = self.db("issuance")  # a withdrawal or a return is undone
        issuance.execute(update(Application).values(status="submitted"))
        issuance.commit()


def owners(url):
    """Objects of IDs belong to a company; staff's objects to a chamber."""
    if url.startswith("/api/v1/staff/") and "<login_id>" in url:
        return ("own", "other_chamber")  # any company's IDs of the staff's own chamber
    if "<login_id>" in url:
        return OWNERS
    if "<application_id>" in url:  # a company's applications; staff's of their chamber
        return ("own", "other_chamber") if url.startswith("/api/v1/staff/") else OWNERS
    if "<number>" in url or "<change_request_id>" in url:
        return ("own", "other_chamber")
    return ("own",)


# The exact answer of every allowed case on the caller's own objects, so a 500 (or any other
# surprise) fails the matrix. Routes are tried in sorted order, each case after the last one.
ALLOWED = {
    ("DELETE", "/api/v1/sessions/current"): 204,
    ("DELETE", "/api/v1/sub-ids/<login_id>"): 204,
    ("GET", "/api/v1/me"): 200,
    # the matrix's companies are made in identity alone, with no registration behind them
    ("GET", "/api/v1/registration"): 404,
    ("GET", "/api/v1/signers"): 200,
    ("GET", "/api/v1/signers/<login_id>/registration-certificate.pdf"): 200,
    # the matrix's companies are made in identity alone: no registration, no change request
    ("GET", "/api/v1/registration/change-requests"): 404,
    ("GET", "/api/v1/registration/change-requests/<change_request_id>"): 404,
    ("GET", "/api/v1/registration/change-requests/<change_request_id>/forms/<form>.pdf"): 404,
    ("GET", "/api/v1/staff/change-requests"): 200,
    ("GET", "/api/v1/staff/change-requests/<change_request_id>"): 200,
    ("GET", "/api/v1/staff/change-requests/<change_request_id>/forms/<form>.pdf"): 200,
    ("GET", "/api/v1/staff/change-requests/<change_request_id>/signers/<signer_id>/signature.png"):
        200,
    ("GET", "/api/v1/staff/registration-applications"): 200,
    ("GET", "/api/v1/staff/registration-applications/<number>"): 200,
    ("GET", "/api/v1/staff/registration-applications/<number>/forms/<form>.pdf"): 200,
    ("GET", "/api/v1/staff/registration-applications/<number>/signers/<signer_id>/signature.png"):
        200,
    ("GET", "/api/v1/staff/registrations/<number>/accounts"): 200,
    ("GET", "/api/v1/staff/registrations/<number>/certificate.pdf"): 200,
    ("GET", "/api/v1/staff/renewals"): 200,
    ("GET", "/api/v1/sub-ids"): 200,
    ("PATCH", "/api/v1/sub-ids/<login_id>"): 200,
    ("POST", "/api/v1/me/email-verification"): 202,
    # the matrix cannot read the mailed code: a wrong one is refused, field-named
    ("POST", "/api/v1/me/email-verification/confirm"): 422,
    # the matrix's companies are made in identity alone, with no registration behind them
    ("POST", "/api/v1/registration/renewal"): 404,
    ("POST", "/api/v1/registration/change-requests"): 404,
    ("POST", "/api/v1/staff/accounts/<login_id>/lock"): 200,     # issue 9
    ("POST", "/api/v1/staff/accounts/<login_id>/unlock"): 200,
    ("POST", "/api/v1/staff/change-requests/<change_request_id>/approval"): 200,
    # tried after the approval: an approved change request is returned no more
    ("POST", "/api/v1/staff/change-requests/<change_request_id>/return"): 409,
    ("POST", "/api/v1/staff/registration-applications/<number>/approval"): 201,
    # tried after the approval: an approved application is returned no more
    ("POST", "/api/v1/staff/registration-applications/<number>/return"): 409,
    ("POST", "/api/v1/staff/registrations/<number>/admin-password"): 200,  # issue 9
    # approved today: renewal opens 30 days before the end (REG-9)
    ("POST", "/api/v1/staff/registrations/<number>/renewal"): 409,
    ("POST", "/api/v1/sub-ids"): 201,
    ("POST", "/api/v1/sub-ids/<login_id>/notification"): 202,
    # the matrix keeps every ID's password: the same one again is refused, field-named (ID-2)
    ("PUT", "/api/v1/me/password"): 422,
    ("PUT", "/api/v1/signers/<login_id>/password"): 204,
    ("PUT", "/api/v1/staff/change-requests/<change_request_id>/signers/<signer_id>/signature"):
        409,  # tried after the approval: the change is applied, its signatures final
    ("PUT", "/api/v1/staff/registration-applications/<number>/signers/<signer_id>/signature"):
        409,  # tried after the approval too: the signatures of an approved one are final
    ("PUT", "/api/v1/sub-ids/<login_id>/password"): 204,
    # issuance (issue 10): each company's application is submitted, by its sub ID. What
    # asks registration for the company (box 1, membership, validity) finds none (404).
    ("GET", "/api/v1/applications"): 200,
    ("POST", "/api/v1/applications"): 404,
    ("GET", "/api/v1/fees/quote"): 404,
    ("GET", "/api/v1/applications/<application_id>"): 200,
    ("PUT", "/api/v1/applications/<application_id>"): 409,  # submitted: not editable
    ("POST", "/api/v1/applications/<application_id>/submission"): 404,
    ("POST", "/api/v1/applications/<application_id>/withdrawal"): 200,
    ("POST", "/api/v1/applications/<application_id>/attachments"): 409,
    ("GET", "/api/v1/applications/<application_id>/attachments/<attachment_id>"): 200,
    ("DELETE", "/api/v1/applications/<application_id>/attachments/<attachment_id>"): 409,
    ("GET", "/api/v1/applications/<application_id>/preview.pdf"): 404,
    # issue 11: submitted, so no certificate to print yet
    ("GET", "/api/v1/applications/<application_id>/certificate.pdf"): 409,
    ("GET", "/api/v1/staff/applications"): 200,
    ("GET", "/api/v1/staff/applications/<application_id>"): 404,
    ("GET", "/api/v1/staff/applications/<application_id>/attachments/<attachment_id>"): 200,
    ("GET", "/api/v1/staff/applications/<application_id>/signature.png"): 404,
    ("GET", "/api/v1/staff/applications/<application_id>/certificate.pdf"): 409,
    ("POST", "/api/v1/staff/applications/<application_id>/certification"): 404,
    ("POST", "/api/v1/staff/applications/<application_id>/return"): 200,
    ("POST", "/api/v1/staff/applications/<application_id>/revocation"): 409,  # not certified
    # payment (issue 11): no application of the matrix is certified, no payment exists (the
    # URL's <payment_id> is no payment's id), and "<month>" is no month
    ("POST", "/api/v1/payments"): 404,
    ("GET", "/api/v1/payments"): 200,
    ("GET", "/api/v1/payments/<payment_id>"): 404,
    ("POST", "/api/v1/payments/<payment_id>/confirmation"): 404,
    ("GET", "/api/v1/payments/<payment_id>/receipt.pdf"): 404,
    ("GET", "/api/v1/statements/<month>.csv"): 422,
    ("GET", "/api/v1/statements/<month>.pdf"): 422,
    ("GET", "/api/v1/staff/payments"): 200,
    ("POST", "/api/v1/staff/payments/<payment_id>/refund"): 404,
}


def send(web, world, method, url, path, body, role, fresh=False):
    headers = {} if role == "anonymous" else {
        "Authorization": f"Bearer {world.token(role, fresh)}"}
    if url.endswith("/signature"):  # the scanned image itself is the body
        return web.request(method, path, data=SCAN,
                           headers={**headers, "Content-Type": "image/png"})
    if url.endswith("/attachments"):  # a multipart upload
        return web.request(method, path, headers=headers, data={"kind": "other"},
                           files={"file": ("a.pdf", INVOICE, "application/pdf")})
    return web.request(method, path, json=body, headers=headers)


def expected(method, action, role, owner, url):
    if role == "anonymous":
        return 401
    if role not in PERMISSIONS[action]:
        return 403
    if owner != "own":
        return 404  # never reveal another company's or another chamber's objects
    return ALLOWED[(method, url)]


def test_every_route_that_needs_a_login_has_its_allowed_answer():
    assert {(m, u) for m, u, _ in login_routes()} == set(ALLOWED)


@pytest.mark.timeout(400)  # ~500 requests: about a minute alone, longer on a busy machine
def test_permission_matrix(web, rpc_client, db_session):
    world = World(rpc_client, db_session)
    checked = 0
    for method, url, action in login_routes():
        for role in ROLES:
            for owner in owners(url):
                path = world.path(url, owner)
                body = BODIES.get((method, url))
                if body and "target_trade_registration_number" in body:
                    body = {**body, "target_trade_registration_number":
                            world.companies["own"].trade_registration_number}
                response = send(web, world, method, url, path, body, role)
                if response.status_code == 401 and role != "anonymous":
                    # the kept session had ended (nothing was done): log in again
                    response = send(web, world, method, url, path, body, role, fresh=True)
                want = expected(method, action, role, owner, url)
                case = f"{method} {url} as {role} on {owner}: {response.status_code} " \
                       f"{response.text[:200]}"
                assert response.status_code == want, case
                if owner == "own" and role in PERMISSIONS[action]:
                    # staff see every company of their own chamber (ID-9), no other's
                    strangers = ("other_chamber",) if role == "staff" else (
                        "other_company", "other_chamber")
                    leaked = [c for name, c in world.companies.items() if name in strangers
                              for login_id in (c.admin, c.user, c.sub)
                              if re.search(re.escape(login_id), response.text)]
                    assert leaked == [], case
                world.restore()
                checked += 1
    assert checked > 100


@pytest.mark.parametrize("action", sorted(PERMISSIONS))
def test_every_action_in_the_table_names_known_kinds(action):
    assert PERMISSIONS[action] <= {"admin", "user", "sub", "staff"}
