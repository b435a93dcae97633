"""registration's domain objects for unit tests: a chamber as identity gives it, a company and
signers as the schemas load them, an invitation, a started, submitted and approved
application, with identity and documents as plain callables."""
import hashlib
from datetime import date

from sqlalchemy import select

from services.registration import domain
from services.registration.models import Application, Invitation, Registration
from services.registration.schemas import CompanySchema, SignerSchema
from tradecert.outbox import OutboxEvent

CHAMBER = {"cci_code": "1504", "name_ja": "さいたま商工会議所",
           "name_en": "The Saitama Chamber of Commerce and Industry",
           "registration_fee_jpy": {"member": 5500, "non_member": 11000},
           "registration_validity_years": 2}
TODAY = date(2026, 12, 1)


def company(registration_type: str = "applicant", **changes) -> dict:
    """API.md's company body, loaded by the registration schema (REG-4)."""
    body = {
        "registration_type": registration_type, "membership": "member",
        "business_form": "corporation", "legal_entity_type": "kabushiki_kaisha",
        "legal_entity_position": "after", "name_ja": "さくら貿易",
        "name_en": "SAKURA TRADING CO., LTD.",
        "registered_address": {"postal_code": "330-0854",
                               "address_ja": "さいたま市大宮区桜木町1-2-3"},
        "current_address": {"same_as_registered": True},
        "current_address_en": "1-2-3 Sakuragicho, Omiya-ku, Saitama 330-0854, Japan",
        "contact": {"same_as_current_address": True, "name_ja": "鈴木 一郎",
                    "phone": "048-641-0000", "email": "i.suzuki@sakura.example.jp"},
        "second_hand_dealer": False, "industry": "wholesale",
        "main_products": ["general_machinery"],
    }
    body.update(changes)
    return CompanySchema().load(body)


def signer(n: int = 1, **changes) -> dict:
    return SignerSchema().load({"name_ja": f"署名者 {n}", "name_en": f"SIGNER {n}",
                                "title_en": "EXPORT MANAGER",
                                "email": f"signer{n}@sakura.example.jp", **changes})


def invite(session, cci_code: str = "1504") -> tuple[Invitation, str]:
    """An invitation and a token that opens it. The token itself travels only in the mail,
    so the test gives the invitation one it knows."""
    invitation = domain.invite(session, {**CHAMBER, "cci_code": cci_code},
                                 {"email": "apply@sakura.example.jp", "agree_rules": True})
    token = f"test-token-{invitation.id}"
    invitation.token_hash = hashlib.sha256(token.encode()).hexdigest()
    session.flush()
    return invitation, token


def start(session, cci_code: str = "1504") -> tuple[Application, str]:
    _, token = invite(session, cci_code)
    application, app_token, _ = domain.start_application(session, {
        "invitation_token": token, "agree_privacy": True, "agree_terms": True})
    return application, app_token


def events(session, event_type: str) -> list[dict]:
    """The events of that type recorded in the outbox (their data)."""
    session.flush()
    return [e.payload["data"] for e in session.scalars(
        select(OutboxEvent).where(OutboxEvent.event_type == event_type).order_by(OutboxEvent.id))]


def submitted(session, signers: int = 1, signed: bool = True,
              registration_type: str = "applicant") -> Application:
    application, _ = start(session)
    domain.save_company(session, application, company(registration_type))
    for n in range(1, signers + 1):
        added = domain.add_signer(session, application, signer(n))
        if signed:
            added.signature_file_id = f"{n:064x}"
    domain.submit(session, application)
    return application


def approve(session, application, today: date = TODAY, **chamber) -> Registration:
    """REG-8 with identity and documents as plain callables. Only the rule outcomes are
    checked (number, validity, status), not how the other services are asked."""
    def create_accounts(data):
        return {"admin": {"login_id": "A0000001", "initial_password": "Pw12345678"},
                "users": [{"signer_id": s["signer_id"], "login_id": f"U{i:07d}"}
                          for i, s in enumerate(data["signers"])]}

    return domain.approve(session, application, "R-001", {**CHAMBER, **chamber}, today=today,
                          create_accounts=create_accounts,
                          render_certificate=lambda payload: {"file_id": "f" * 64})
