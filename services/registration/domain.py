"""registration's rules, free of Nameko (REG-1 … REG-10). Other services are passed in as
callables, so the rules are tested without a broker."""
import hashlib
import re
import secrets
import unicodedata
import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.documents.interfaces import (  # REG-7: said in the view; REG-4.4: as printed
    MAX_SIGNATURE_SCAN_BYTES,
    company_name_ja,
)
from services.registration.exceptions import (
    AgentsHaveNoSigners,
    AgreementRequired,
    AlreadyApproved,
    ApplicationApproved,
    ApplicationIncomplete,
    ApplicationNotEditable,
    ApplicationNotFound,
    ApplicationTokenInvalid,
    InvitationExpired,
    InvitationNotFound,
    RegistrationNotFound,
    RenewalNotOpen,
    SignerNotFound,
    TooManyInvitations,
)
from services.registration.interfaces import SERVICE  # registers the events recorded here
from services.registration.models import (
    Application,
    ApplicationToken,
    ChangeRequest,
    Counter,
    Invitation,
    RateLimit,
    Registration,
    Renewal,
    Signer,
)
from services.registration.schemas import APPLICANT_TYPES, MAX_EXTRA_ADDRESSES
from tradecert import outbox, ratelimit
from tradecert.db import one_or_raise, utcnow
from tradecert.errors import ValidationFailed
from tradecert.ratelimit import Limit

INVITATION_VALID = timedelta(days=60)  # REG-2
INVITATIONS_PER_ADDRESS = Limit("registration_invitations_per_address", 10, 3600)
DRAFT_KEPT = timedelta(days=60)  # REG-10
DRAFT_WARNING = timedelta(days=10)
SIGNERS_WITHOUT_REASON = 15  # REG-10: from the 16th signer a reason is required
EDITABLE = ("draft", "submitted", "returned")  # REG-7: until approval
RENEWAL_OPENS = timedelta(days=30)  # REG-9
REMINDERS = ((30, "reminder_30_sent_at"), (10, "reminder_10_sent_at"))  # REG-9


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def next_number(session: Session, name: str) -> int:
    """The next value of a named counter, made at its first use. One statement, so two
    first uses at once cannot both insert; the row stays locked until the caller commits,
    so commit soon: never hold it across a call to another service."""
    return session.execute(
        insert(Counter).values(name=name, value=1)
        .on_conflict_do_update(index_elements=[Counter.name],
                               set_={"value": Counter.value + 1})
        .returning(Counter.value)).scalar_one()


# --- REG-2, REG-3: invitation and consent --------------------------------------------------------

def invite(session: Session, chamber: dict, data: dict,
           client_address: str | None = None) -> Invitation:
    """REG-2: the guidance mailed to any address; so a client address gets at most
    LIMITS.registration_invitations_per_address of them (10 an hour; issue 9)."""
    if data["agree_rules"] is not True:
        raise AgreementRequired(message="agree to both rules first",
                                fields={"agree_rules": ["agreement_required"]})
    ratelimit.hit(session, RateLimit, INVITATIONS_PER_ADDRESS, client_address,
                  TooManyInvitations)
    token = secrets.token_urlsafe(32)
    invitation = Invitation(cci_code=chamber["cci_code"], email=data["email"],
                            token_hash=_hash(token), expires_at=utcnow() + INVITATION_VALID)
    session.add(invitation)
    session.flush()
    outbox.record(session, SERVICE, "invitation_created", {
        "cci_code": chamber["cci_code"], "email": data["email"], "invitation_token": token,
        "valid_until": invitation.expires_at.date().isoformat()})
    return invitation


def open_invitation(session: Session, token) -> Invitation:
    """The invitation a mailed link holds (REG-2: 60 days), checked when the link is opened
    and again at the consent."""
    invitation = session.scalar(select(Invitation).where(
        Invitation.token_hash == _hash(token))) if isinstance(token, str) and token else None
    if invitation is None:
        raise InvitationNotFound(message="unknown invitation link")
    if invitation.expires_at < utcnow():
        raise InvitationExpired(message="the invitation link has expired; start again")
    return invitation


def start_application(session: Session, data: dict) -> tuple[Application, str, bool]:
    """The consent page (REG-3): a draft for the invitation, or the same one again with a
    fresh token. Returns (application, application token, created)."""
    missing = {name: ["agreement_required"] for name in ("agree_privacy", "agree_terms")
               if data[name] is not True}
    if missing:
        raise AgreementRequired(message="agree to the privacy policy and the terms",
                                fields=missing)
    invitation = open_invitation(session, data["invitation_token"])
    application = session.scalar(select(Application).where(
        Application.invitation_id == invitation.id))
    created = application is None
    if created:
        now = utcnow()
        number = next_number(session, f"application-{invitation.cci_code}-{now.year}")
        application = Application(
            application_number=f"R{invitation.cci_code}-{now.year}-{number:05d}",
            cci_code=invitation.cci_code, invitation_id=invitation.id, email=invitation.email,
            status="draft", agreed_privacy_at=now, agreed_terms_at=now, updated_at=now)
        session.add(application)
        session.flush()
    return application, new_token(session, application), created


def new_token(session: Session, application: Application) -> str:
    token = secrets.token_urlsafe(32)
    session.add(ApplicationToken(token_hash=_hash(token), application_id=application.id))
    session.flush()
    return token


def by_token(session: Session, application_number: str, token: str | None) -> Application:
    """The application its token opens; another application's token opens nothing."""
    application = session.scalar(
        select(Application).join(ApplicationToken)
        .where(ApplicationToken.token_hash == _hash(token or ""),
               Application.application_number == application_number))
    if application is None:
        raise ApplicationTokenInvalid(message="this token does not open this application")
    if application.status == "approved":
        # API.md: the token is the credential "until approval"; the admin ID takes over.
        raise ApplicationApproved(message="this application is approved: log in with the "
                                          "admin ID", params={"cci_code": application.cci_code})
    return application


def editable(application: Application) -> Application:
    if application.status not in EDITABLE:
        raise ApplicationNotEditable(message=f"the application is {application.status}")
    return application


def touch(application: Application) -> None:
    """REG-7: every edit moves the updated date-time printed on the forms."""
    application.updated_at = utcnow()


# --- REG-4 … REG-6: the company, the signers, the submission ---------------------------------

def save_company(session: Session, application: Application, company: dict) -> None:
    """REG-4.9: saved as entered (the schema checked every rule)."""
    editable(application)
    application.company = company
    if company["registration_type"] == "agent":  # REG-5: agents register no signers
        for signer in signers_of(session, application):
            session.delete(signer)
    touch(application)


def is_agent(application: Application) -> bool:
    return bool(application.company) and application.company["registration_type"] == "agent"


def _owned_by(owner: Application | ChangeRequest):
    """The signers of an application (REG-5) or those a change request adds."""
    if isinstance(owner, ChangeRequest):
        return Signer.change_request_id == owner.id
    return Signer.application_id == owner.id


def signers_of(session: Session, owner: Application | ChangeRequest) -> list[Signer]:
    return session.scalars(select(Signer).where(_owned_by(owner)).order_by(Signer.id)).all()


def add_signer(session: Session, application: Application, data: dict) -> Signer:
    editable(application)
    if is_agent(application):
        raise AgentsHaveNoSigners(message="agents do not register signers")
    duplicate_of(session, application, data)
    count = session.scalar(select(func.count()).where(Signer.application_id == application.id))
    if reason_required(count) and not data.get("reason"):
        raise ValidationFailed(code="reason_required",
                               message="a written reason is needed from the 16th signer",
                               fields={"reason": ["reason_required_from_16th_signer"]})
    signer = Signer(signer_id=str(uuid.uuid4()), application_id=application.id,
                    **{k: data[k] for k in ("name_ja", "name_en", "title_en", "email")},
                    reason=data.get("reason"))
    session.add(signer)
    touch(application)
    session.flush()
    return signer


def signer_key(name_ja: str, email: str | None) -> tuple[str, str]:
    """REG-5: who counts as the same signer: the same name and e-mail address, spacing and
    letter case aside (issue 9)."""
    return " ".join(unicodedata.normalize("NFKC", name_ja).split()), (email or "").casefold()


def duplicate_of(session: Session, application: Application, data: dict) -> None:
    """REG-5: a signer is entered once. The same one again is refused, naming both fields."""
    new = signer_key(data["name_ja"], data["email"])
    if any(signer_key(s.name_ja, s.email) == new for s in signers_of(session, application)):
        raise ValidationFailed(code="duplicate_signer",
                               message="this signer is entered already",
                               fields={"name_ja": ["duplicate_signer"],
                                       "email": ["duplicate_signer"]})


def reason_required(signer_count: int) -> bool:
    """REG-10: the next signer after `signer_count` others needs a written reason."""
    return signer_count >= SIGNERS_WITHOUT_REASON


def find_signer(session: Session, owner: Application | ChangeRequest,
                signer_id: str) -> Signer:
    signer = session.scalar(select(Signer).where(_owned_by(owner),
                                                 Signer.signer_id == signer_id))
    if signer is None:
        raise SignerNotFound(message=f"no signer {signer_id}")
    return signer


def remove_signer(session: Session, application: Application, signer_id: str) -> None:
    editable(application)
    session.delete(find_signer(session, application, signer_id))
    touch(application)


def missing_for_submission(application: Application, signers: list[Signer]) -> dict:
    """REG-6: what must be entered before submitting: the company; applicants at least one
    signer. Field path -> message keys (empty when complete)."""
    if not application.company:
        return {"company": ["required"]}
    if registers_signers(application) and not signers:
        return {"signers": ["at_least_one_signer"]}
    return {}


def registers_signers(application: Application) -> bool:
    """REG-5: applicants register signers, agents none (before the company is entered,
    the applicant may still add them)."""
    return not application.company or application.company["registration_type"] in \
        APPLICANT_TYPES


def contact_signer_missing(application: Application, signers: list[Signer]) -> bool:
    """REG-4.7: a contact who also signs must be entered as a signer too."""
    contact = (application.company or {}).get("contact") or {}
    return registers_signers(application) and bool(contact.get("is_signer")) and \
        contact.get("email") not in {s.email for s in signers}


def submit(session: Session, application: Application) -> None:
    """REG-6 → submitted: the company entered; applicants with at least one signer."""
    editable(application)
    missing = missing_for_submission(application, signers_of(session, application))
    if missing:
        raise ApplicationIncomplete(message="the application is not complete", fields=missing)
    application.status = "submitted"
    application.submitted_at = utcnow()
    application.returned_reason = None
    touch(application)


def view(session: Session, application: Application) -> dict:
    """The application as entered, and what the rules say about it now (which forms exist,
    what is missing, whether the next signer needs a reason), so that pages show the
    service's answer instead of keeping copies of its rules."""
    signers = signers_of(session, application)
    return {
        "application_number": application.application_number,
        "cci_code": application.cci_code, "email": application.email,
        "status": application.status, "company": application.company,
        "signers": [signer_view(s) for s in signers],
        "created_at": application.created_at, "updated_at": application.updated_at,
        "submitted_at": application.submitted_at,
        "returned_reason": application.returned_reason,
        # reserved on the application at approval (REG-8); shown once it is approved
        "trade_registration_number": application.trade_registration_number
        if application.status == "approved" else None,
        "forms": forms_of(application),
        "registers_signers": registers_signers(application),
        "signer_reason_required": registers_signers(application)
        and reason_required(len(signers)),
        "contact_signer_missing": contact_signer_missing(application, signers),
        "missing": list(missing_for_submission(application, signers)),
        "max_extra_addresses": MAX_EXTRA_ADDRESSES,
        "max_signature_scan_bytes": MAX_SIGNATURE_SCAN_BYTES,
    }


def signer_view(signer: Signer) -> dict:
    return {"signer_id": signer.signer_id, "name_ja": signer.name_ja, "name_en": signer.name_en,
            "title_en": signer.title_en, "email": signer.email, "reason": signer.reason,
            "signature_registered": signer.signature_file_id is not None}


# --- REG-7: the forms --------------------------------------------------------------------

FORMS = {"pledge": "pledge", "business-description": "business-description",
         "signature-registration": "signature-registration"}


def forms_of(application: Application) -> list[str]:
    """REG-7: applicants print three forms, agents the pledge and the business description;
    none before the company is entered."""
    if not application.company:
        return []
    return [form for form in FORMS
            if form != "signature-registration" or registers_signers(application)]


def form_payload(session: Session, application: Application, chamber: dict, form: str) -> dict:
    """What documents prints a form from: the application number, the updated date-time
    and the data as entered."""
    if not application.company:
        raise ApplicationIncomplete(message="enter the company first",
                                    fields={"company": ["required"]})
    if form == "signature-registration" and is_agent(application):
        raise AgentsHaveNoSigners(message="agents have no signature registration form")
    return form_document(application.application_number, application.updated_at, chamber,
                         application.company, signers_of(session, application))


def form_document(number: str, updated_at: datetime, chamber: dict, company: dict,
                  signers: list) -> dict:
    """The payload of documents' registration forms (REG-7): `number` is printed and put in
    the QR code (an application's, or a change request's), with the updated date-time;
    `signers` are Signer rows or dicts with the same keys."""
    def value(signer, key):
        return signer[key] if isinstance(signer, dict) else getattr(signer, key)

    return {
        "application_number": number,
        "updated_at": updated_at.isoformat(),
        "chamber": {k: chamber[k] for k in ("cci_code", "name_ja", "name_en")},
        "company": company,
        "signers": [{k: value(s, k) for k in ("name_ja", "name_en", "title_en", "email")}
                    for s in signers],
    }


# --- chamber staff (REG-8) ------------------------------------------------------------------

def staff_queue(session: Session, cci_code: str, status: str | None) -> list[dict]:
    query = select(Application).where(Application.cci_code == cci_code) \
        .order_by(Application.submitted_at.nulls_last(), Application.id)
    if status:
        query = query.where(Application.status == status)
    return [summary(a) for a in session.scalars(query)]


#: What staff type into the search: a whole number, or its last digits (issue 9).
NUMBER_TAIL = re.compile(r"[0-9-]{1,20}")
SEARCH_LIMIT = 50


def staff_search(session: Session, cci_code: str, text: str) -> list[dict]:
    """Applications of the chamber whose application number or trade registration number
    is `text`, or ends with it when it is digits ("12" finds R1504-2026-00012 and
    1504-000012): staff read the last digits off a form or a phone call (issue 9)."""
    text = text.strip().upper()
    numbers = (Application.application_number, Application.trade_registration_number)
    if NUMBER_TAIL.fullmatch(text):
        match = or_(*(column.endswith(text, autoescape=True) for column in numbers))
    else:
        match = or_(*(column == text for column in numbers))
    query = select(Application).where(Application.cci_code == cci_code, match) \
        .order_by(Application.id.desc()).limit(SEARCH_LIMIT)
    return [summary(a) for a in session.scalars(query)]


def summary(a: Application) -> dict:
    return {"application_number": a.application_number, "status": a.status,
            "name_ja": (a.company or {}).get("name_ja"),
            "registration_type": (a.company or {}).get("registration_type"),
            "trade_registration_number": a.trade_registration_number,
            "submitted_at": a.submitted_at, "updated_at": a.updated_at}


def in_chamber(session: Session, caller: dict, application_number: str, *,
               lock: bool = False) -> Application:
    """Staff see their own chamber's applications; any other is not found (ID-9). `lock`
    holds the row until the transaction ends and reads it afresh (approval, REG-8)."""
    return one_or_raise(session, select(Application).where(
        Application.application_number == application_number,
        Application.cci_code == caller["cci_code"]),
        ApplicationNotFound(message=f"no application {application_number}"), lock=lock)


def return_application(session: Session, application: Application, reason: str) -> None:
    """Back to the applicant with a reason, mailed with a link to correct it."""
    if application.status != "submitted":
        raise ApplicationNotEditable(message="only a submitted application can be returned")
    application.status, application.returned_reason = "returned", reason
    touch(application)
    outbox.record(session, SERVICE, "registration_returned", {
        "cci_code": application.cci_code, "application_number": application.application_number,
        "reason": reason, "application_token": new_token(session, application)})


def start_approval(session: Session, application: Application,
                   receipt_no: str) -> Registration | None:
    """REG-8, the first step of approval, committed on its own before anyone else is asked:
    the application's trade registration number, taken once. A failed approval leaves it
    reserved and the next attempt (or a concurrent second one) reuses it, so no number is
    lost or given twice. Returns the registration when the application is approved already
    with this receipt (a repeat: the same result); another receipt is refused."""
    if application.status == "approved":
        registration = session.scalar(select(Registration).where(
            Registration.application_id == application.id))
        if registration.registration_fee_receipt_no != receipt_no:
            raise AlreadyApproved(
                message="this application is approved already",
                params={"trade_registration_number": registration.trade_registration_number})
        return registration
    if application.status != "submitted":
        raise ApplicationNotEditable(message="only a submitted application can be approved")
    require_signatures(session, application)
    if application.trade_registration_number is None:
        serial = next_number(session, f"trade-{application.cci_code}")
        application.trade_registration_number = f"{application.cci_code}-{serial:06d}"
    return None


def require_signatures(session: Session, owner: Application | ChangeRequest) -> None:
    """REG-7, REG-8: every signer's scanned signature is registered before approval."""
    unsigned = {f"signers.{s.signer_id}.signature": ["signature_missing"]
                for s in signers_of(session, owner) if s.signature_file_id is None}
    if unsigned:
        raise ApplicationIncomplete(message="upload every signer's signature first",
                                    fields=unsigned)


def approve(session: Session, application: Application, receipt_no: str, chamber: dict, *,
            today: date, create_accounts, render_certificate) -> Registration:
    """REG-8: the trade registration number, 2 years of validity (REG-9), the admin and user
    IDs (identity), the trade registration certificate with the admin's initial password.
    Each step may fail and be repeated: the number was committed by `start_approval`,
    identity gives the same accounts again for it, and the certificate is rendered again.
    The caller holds the application's row lock, so a concurrent approval waits here and then
    gets the same result."""
    done = start_approval(session, application, receipt_no)
    if done is not None:
        return done
    number = application.trade_registration_number
    signers = signers_of(session, application)
    valid_until = add_years(today, chamber["registration_validity_years"]) - timedelta(days=1)
    company, contact = application.company, application.company["contact"]
    accounts = create_accounts({
        "cci_code": application.cci_code, "trade_registration_number": number,
        "company": company_name(company),
        "contact": {"name": contact["name_ja"], "email": contact["email"]},
        "signers": [{"signer_id": s.signer_id, "name_ja": s.name_ja, "name_en": s.name_en,
                     "title_en": s.title_en, "email": s.email,
                     "signature_file_id": s.signature_file_id} for s in signers]})
    registration = Registration(
        cci_code=application.cci_code, trade_registration_number=number,
        application_id=application.id, company=company, registration_fee_receipt_no=receipt_no,
        admin_login_id=accounts["admin"]["login_id"], valid_from=today, valid_until=valid_until)
    registration.certificate_file_id = render_certificate(certificate_payload(
        registration, chamber, accounts["admin"]["login_id"],
        accounts["admin"]["initial_password"], today))["file_id"]
    session.add(registration)
    application.status = "approved"
    touch(application)
    session.flush()
    outbox.record(session, SERVICE, "registration_approved", {
        "cci_code": application.cci_code, "application_number": application.application_number,
        "trade_registration_number": number,
        "valid_until": valid_until.isoformat(), "admin_login_id": registration.admin_login_id})
    return registration


def application_contact(session: Session, application_number: str) -> dict:
    """Where mails about an application go: the applicant's address (the invitation's)."""
    application = session.scalar(select(Application).where(
        Application.application_number == application_number))
    if application is None:
        raise ApplicationNotFound(message=f"no application {application_number}")
    return {"application_number": application.application_number,
            "cci_code": application.cci_code, "email": application.email,
            "company_name_ja": (application.company or {}).get("name_ja", ""),
            "registration_type": (application.company or {}).get("registration_type")}


def registration_contact(session: Session, cci_code: str, number: str) -> dict:
    """Where mails about a registration go: its contact person (REG-4.7)."""
    registration = registration_in(session, cci_code, number)
    return {"trade_registration_number": registration.trade_registration_number,
            "cci_code": registration.cci_code,
            "email": registration.company["contact"]["email"],
            "company_name_ja": registration.company["name_ja"]}


def exporter(session: Session, cci_code: str, number: str, today: date) -> dict:
    """What box 1 of a certificate of origin prints and what issuance checks (ISS-3, REG-9):
    the names as the trade registration certificate prints them, the English addresses as
    registered (REG-4.5, REG-4.6: the current one, then each extra one), membership for the
    fee, and the validity on `today` (Japan's). Another chamber's is not found (ID-9)."""
    registration = registration_in(session, cci_code, number)
    company = registration.company
    return {"trade_registration_number": registration.trade_registration_number,
            "name_en": company_name(company)["name_en"],
            "name_ja": company_name_ja(company),
            "address_en_lines": [company["current_address_en"],
                                 *(extra["address_en"]
                                   for extra in company.get("extra_addresses") or [])],
            "country": "JAPAN",
            "membership": "member" if company["membership"] == "member" else "non_member",
            "registration_type": company["registration_type"],
            "valid": is_valid(registration, today),
            "valid_until": registration.valid_until.isoformat()}


def company_name(company: dict) -> dict:
    return {k: company.get(k) for k in ("name_ja", "name_en", "legal_entity_type",
                                        "legal_entity_type_other", "legal_entity_position")}


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def certificate_payload(registration: Registration, chamber: dict, admin_login_id: str,
                        password: str | None, today: date) -> dict:
    """The trade registration certificate (REG-8) of a registration as it stands, with the
    admin ID and a password (the initial one, or staff's new one: issue 9), or none (issued
    again after a change request: the admin's password has been changed since)."""
    return {"chamber": {k: chamber[k] for k in ("cci_code", "name_ja", "name_en")},
            "trade_registration_number": registration.trade_registration_number,
            "company": company_name(registration.company),
            "valid_from": registration.valid_from.isoformat(),
            "valid_until": registration.valid_until.isoformat(),
            "admin_login_id": admin_login_id, "initial_password": password,
            "issued_on": today.isoformat()}


def admin_password_reissued(session: Session, registration: Registration, certificate: dict,
                            issued: dict, caller: dict) -> None:
    """Issue 9: the certificate printing the new admin password is the registration's now;
    the event (also the record of who did it) puts the password in effect in identity."""
    registration.certificate_file_id = certificate["file_id"]
    registration.admin_login_id = issued["admin_login_id"]
    session.flush()
    outbox.record(session, SERVICE, "admin_password_reissued", {
        "cci_code": registration.cci_code,
        "trade_registration_number": registration.trade_registration_number,
        "valid_until": registration.valid_until.isoformat(),
        "admin_login_id": issued["admin_login_id"], "ref": issued["ref"],
        "by_login_id": caller["login_id"], "certificate_file_id": certificate["file_id"]})


def registration_in(session: Session, cci_code: str, number: str, *,
                    lock: bool = False) -> Registration:
    """A registration of the chamber; any other is not found (ID-9). `lock` holds its row
    until the transaction ends and reads it afresh (renewal, REG-9)."""
    return one_or_raise(session, select(Registration).where(
        Registration.cci_code == cci_code, Registration.trade_registration_number == number),
        RegistrationNotFound(message=f"no trade registration {number}"), lock=lock)


def registration_by_id(session: Session, registration_id: int) -> Registration:
    return session.get(Registration, registration_id)


# --- REG-9, REG-10: validity, renewal, old drafts ------------------------------------------

def validity_status(registration: Registration, today: date) -> str:
    """REG-9: "expired" after `valid_until`; "expiring" inside the window in which the daily
    job reminds the contact (30 days) and renewal is open; "valid" before it."""
    if not is_valid(registration, today):
        return "expired"
    if registration.valid_until <= today + RENEWAL_OPENS:
        return "expiring"
    return "valid"


def renewed_until(valid_until: date, today: date, years: int) -> date:
    """REG-9: the end of the next period. A renewed registration's new period follows the old
    one without a gap: it starts the day after the old `valid_until` (or today, when that day
    is past: an expired registration) and lasts `years` like a first registration's (which
    ends the day before the same date `years` later). A registration valid until 29 February
    is renewed until 28 February (2028-02-29 → 2030-02-28: the period from 1 March); one
    renewed on 29 February after expiry ends as one approved that day (`add_years`)."""
    start = max(valid_until + timedelta(days=1), today)
    return add_years(start, years) - timedelta(days=1)


def open_renewal(session: Session, registration: Registration) -> Renewal | None:
    return session.scalar(select(Renewal).where(Renewal.registration_id == registration.id,
                                                Renewal.status == "requested"))


def latest_renewal(session: Session, registration: Registration) -> Renewal | None:
    """The open request, else the last renewal done."""
    return open_renewal(session, registration) or session.scalar(
        select(Renewal).where(Renewal.registration_id == registration.id)
        .order_by(Renewal.renewed_at.desc().nulls_last(), Renewal.id.desc()).limit(1))


def renewal_open(registration: Registration, today: date) -> None:
    """REG-9: renewal opens 30 days before expiry and stays open after it."""
    if validity_status(registration, today) == "valid":
        raise RenewalNotOpen(message="renewal opens 30 days before expiry",
                             params={"opens_on": (registration.valid_until
                                                  - RENEWAL_OPENS).isoformat()})


def request_renewal(session: Session, caller: dict, today: date) -> Renewal:
    """The admin asks to renew (REG-9): a request in the chamber's renewal queue. Open from 30
    days before expiry, also after it; a second request while one is open is the same one."""
    registration = registration_in(session, caller["cci_code"],
                                   caller["trade_registration_number"], lock=True)
    renewal = open_renewal(session, registration)
    if renewal is not None:
        return renewal
    renewal_open(registration, today)
    renewal = Renewal(registration_id=registration.id, status="requested",
                      requested_at=utcnow(), requested_by=caller["login_id"])
    session.add(renewal)
    session.flush()
    outbox.record(session, SERVICE, "renewal_requested", {
        "cci_code": registration.cci_code,
        "trade_registration_number": registration.trade_registration_number,
        "valid_until": registration.valid_until.isoformat()})
    return renewal


def renew(session: Session, caller: dict, number: str, receipt_no: str, years: int,
          today: date) -> Renewal:
    """The chamber renews (REG-9) on the registration fee's cash receipt, with or without the
    admin's request (at the counter): `years` (the chamber's validity) from the old
    `valid_until`, or from today when it has passed. The reminders start again for the new
    period. The same receipt again (a double click, a retry) answers the same renewal; the
    registration's row lock makes a concurrent one wait for it."""
    registration = registration_in(session, caller["cci_code"], number, lock=True)
    done = session.scalar(select(Renewal).where(
        Renewal.registration_id == registration.id, Renewal.status == "renewed",
        Renewal.registration_fee_receipt_no == receipt_no))
    if done is not None:
        return done
    renewal_open(registration, today)
    renewal = open_renewal(session, registration)
    if renewal is None:
        renewal = Renewal(registration_id=registration.id)
        session.add(renewal)
    renewal.status, renewal.registration_fee_receipt_no = "renewed", receipt_no
    renewal.previous_valid_until = registration.valid_until
    renewal.valid_until = renewed_until(registration.valid_until, today, years)
    renewal.renewed_at, renewal.renewed_by = utcnow(), caller["login_id"]
    registration.valid_until = renewal.valid_until
    registration.reminder_30_sent_at = registration.reminder_10_sent_at = None
    session.flush()
    outbox.record(session, SERVICE, "registration_renewed", {
        "cci_code": registration.cci_code,
        "trade_registration_number": registration.trade_registration_number,
        "valid_until": renewal.valid_until.isoformat(),
        "previous_valid_until": renewal.previous_valid_until.isoformat(),
        "registration_fee_receipt_no": receipt_no,
        "admin_login_id": registration.admin_login_id})
    return renewal


def renewal_view(renewal: Renewal | None) -> dict | None:
    if renewal is None:
        return None
    return {"status": renewal.status, "requested_at": renewal.requested_at,
            "requested_by": renewal.requested_by, "renewed_at": renewal.renewed_at,
            "registration_fee_receipt_no": renewal.registration_fee_receipt_no,
            "previous_valid_until": renewal.previous_valid_until,
            "valid_until": renewal.valid_until}


def renewal_queue(session: Session, cci_code: str, status: str | None,
                  today: date) -> list[dict]:
    """The chamber's renewals, oldest request first (counter renewals by when they were done)."""
    query = select(Renewal, Registration).join(Registration) \
        .where(Registration.cci_code == cci_code) \
        .order_by(func.coalesce(Renewal.requested_at, Renewal.renewed_at), Renewal.id)
    if status:
        query = query.where(Renewal.status == status)
    return [{"trade_registration_number": registration.trade_registration_number,
             "name_ja": registration.company.get("name_ja"),
             "name_en": registration.company.get("name_en"),
             "registration_valid_until": registration.valid_until,
             "validity": validity_status(registration, today), **renewal_view(renewal)}
            for renewal, registration in session.execute(query)]


def registration_view(session: Session, registration: Registration, today: date,
                      years: int, signers: list[dict]) -> dict:
    """A registration as registered (REG-8), its validity and renewal (REG-9), its signers
    (user IDs, from identity), and what a renewal today would give (`renewed_until`, for the
    chamber's confirmation)."""
    return {"trade_registration_number": registration.trade_registration_number,
            "cci_code": registration.cci_code,
            "valid_from": registration.valid_from, "valid_until": registration.valid_until,
            "status": validity_status(registration, today),
            "renewal_opens_on": registration.valid_until - RENEWAL_OPENS,
            "renewed_until": renewed_until(registration.valid_until, today, years),
            "renewal": renewal_view(latest_renewal(session, registration)),
            "company": registration.company, "admin_login_id": registration.admin_login_id,
            "signers": signers}


def is_valid(registration: Registration, today: date) -> bool:
    """After expiry no new application can start (REG-9)."""
    return registration.valid_until >= today


def send_renewal_reminders(session: Session, today: date) -> int:
    """The daily job: the contact is mailed 30 days before expiry and, still not renewed,
    10 days before (not while a renewal request is open). Each reminder is marked sent in the
    same transaction as its mail's event, so running the job twice sends nothing twice; a
    renewal clears the marks, so the new period gets its own reminders."""
    sent = 0
    requested = select(Renewal.id).where(Renewal.registration_id == Registration.id,
                                         Renewal.status == "requested").exists()
    for days, flag in REMINDERS:
        due = session.scalars(select(Registration).where(
            Registration.valid_until <= today + timedelta(days=days),
            Registration.valid_until >= today,
            getattr(Registration, flag).is_(None),
            ~requested).with_for_update(skip_locked=True))
        for registration in due:
            if days == 30 and registration.valid_until <= today + timedelta(days=10):
                registration.reminder_30_sent_at = utcnow()  # past it already: only the 10-day
                continue
            setattr(registration, flag, utcnow())
            outbox.record(session, SERVICE, "registration_expiring", {
                "cci_code": registration.cci_code, "days_left": days,
                "trade_registration_number": registration.trade_registration_number,
                "valid_until": registration.valid_until.isoformat()})
            sent += 1
    return sent


def purge_old_drafts(session: Session, now: datetime) -> tuple[int, int]:
    """REG-10: drafts are kept 60 days; 10 days before removal the applicant is mailed.
    Returns (warned, removed)."""
    warned = removed = 0
    stale = select(Application).where(Application.status == "draft")
    for application in session.scalars(stale.where(
            Application.created_at <= now - (DRAFT_KEPT - DRAFT_WARNING),
            Application.draft_reminder_sent_at.is_(None)).with_for_update(skip_locked=True)):
        application.draft_reminder_sent_at = now
        outbox.record(session, SERVICE, "draft_expiring", {
            "cci_code": application.cci_code,
            "application_number": application.application_number,
            "removed_on": (application.created_at + DRAFT_KEPT).date().isoformat()})
        warned += 1
    for application in session.scalars(stale.where(
            Application.created_at <= now - DRAFT_KEPT).with_for_update(skip_locked=True)):
        session.delete(application)
        removed += 1
    session.flush()
    return warned, removed
