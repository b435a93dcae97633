"""Change requests (変更申請) of an approved trade registration: the admin ID asks to change
the company (REG-4) and the signers (REG-5); the chamber scans the new signers' signatures
(REG-7) and approves it, which applies it at once. The rules are the wizard's (domain.py,
schemas.py), checked on the registration as it would be after the change. Free of Nameko:
identity and documents are passed in as callables."""
import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.documents.interfaces import MAX_SIGNATURE_SCAN_BYTES  # REG-7: said in the view
from services.registration import domain
from services.registration.exceptions import (
    ChangeRequestClosed,
    ChangeRequestNotFound,
    ChangeRequestOpen,
    FormNotFound,
    RegistrationNotFound,
)
from services.registration.interfaces import SERVICE  # registers the events recorded here
from services.registration.models import ChangeRequest, Registration, Signer
from services.registration.schemas import APPLICANT_TYPES, MAX_EXTRA_ADDRESSES, CompanySchema
from tradecert import outbox
from tradecert.db import one_or_raise, utcnow
from tradecert.errors import ValidationFailed

OPEN = "submitted"
SIGNER_KEYS = ("name_ja", "name_en", "title_en", "email")


def _registration(session: Session, caller: dict, *, lock: bool = False) -> Registration:
    query = select(Registration).where(
        Registration.cci_code == caller["cci_code"],
        Registration.trade_registration_number == caller["trade_registration_number"])
    if lock:  # one open change request at a time: two at once wait for each other here
        query = query.with_for_update()
    registration = session.scalar(query)
    if registration is None:
        raise RegistrationNotFound(message="no trade registration for this ID")
    return registration


def registration_type(company: dict) -> str:
    return company["registration_type"]


def check(registration: Registration, data: dict, current: list[dict]) -> dict:
    """The change as it would be applied: {company (None when unchanged), added, removed
    (the current signers' entries)}. Every broken rule in one field-named 422, as the wizard
    answers: REG-4 (CompanySchema, loaded already), REG-5 (agents have no signers, an
    applicant keeps at least one), REG-10 (a reason from the 16th signer of the resulting
    set), removed IDs that are no current signer, a duplicate signer, an empty request."""
    company = data["company"]
    if company is not None:
        company = CompanySchema().dump(company)  # as the wizard saves it (REG-4.9)
        if company == registration.company:
            company = None
    errors: dict[str, list[str]] = {}
    by_login = {s["login_id"]: s for s in current}
    removed_ids: list[str] = []
    for index, login_id in enumerate(data["signers_removed"]):
        if login_id not in by_login:
            errors[f"signers_removed.{index}"] = ["signer_not_found"]
        elif login_id not in removed_ids:
            removed_ids.append(login_id)
    added = data["signers_added"]
    agent = registration_type(company or registration.company) not in APPLICANT_TYPES
    if agent:
        # REG-5: agents register no signers; turning agent ends every signer's user ID, as
        # the wizard removes the signers of an application that becomes an agent's.
        removed_ids = list(by_login)
        if added:
            errors["signers_added"] = ["agents_have_no_signers"]
    remaining = [s for s in current if s["login_id"] not in removed_ids]
    if not agent and not remaining and not added:
        errors["signers_removed"] = ["at_least_one_signer"]  # REG-6: an applicant signs
    seen = {domain.signer_key(s["name_ja"], s.get("email")) for s in remaining}
    for index, signer in enumerate(added):
        if domain.reason_required(len(remaining) + index) and not signer.get("reason"):
            errors[f"signers_added.{index}.reason"] = ["reason_required_from_16th_signer"]
        key = domain.signer_key(signer["name_ja"], signer["email"])
        if key in seen:
            errors[f"signers_added.{index}.email"] = ["duplicate_signer"]
        seen.add(key)
    if company is None and not added and not removed_ids and not errors:
        errors["change_request"] = ["nothing_to_change"]
    if errors:
        code = "change_request_empty" if "change_request" in errors else "validation_failed"
        raise ValidationFailed(code=code, message="the change request is refused",
                               fields=errors)
    return {"company": company, "added": added,
            "removed": [{k: by_login[i].get(k) for k in ("login_id", "name_ja", "name_en",
                                                        "title_en")} for i in removed_ids]}


def open_request(session: Session, registration: Registration) -> ChangeRequest | None:
    return session.scalar(select(ChangeRequest).where(
        ChangeRequest.registration_id == registration.id, ChangeRequest.status == OPEN))


def refuse_second(session: Session, registration: Registration) -> None:
    """One open change request at a time."""
    open_one = open_request(session, registration)
    if open_one is not None:
        raise ChangeRequestOpen(message="a change request is open already",
                                params={"change_request_id": open_one.change_request_number})


def preview(session: Session, caller: dict, data: dict, current: list[dict]) -> dict:
    """What submitting would ask for, refused as submitting would refuse it; nothing is
    written (the pages' review step)."""
    registration = _registration(session, caller)
    refuse_second(session, registration)
    change = check(registration, data, current)
    return {"company": change["company"], "company_before": registration.company,
            "signers_added": change["added"], "signers_removed": change["removed"]}


def basis(session: Session, caller: dict, current: list[dict]) -> dict:
    """What a change starts from: the registered company and signers, the open change
    request if any, and the rules' numbers the form needs (REG-4.6, REG-10)."""
    registration = _registration(session, caller)
    open_one = open_request(session, registration)
    return {"trade_registration_number": registration.trade_registration_number,
            "company": registration.company, "signers": current,
            "open_change_request_id": open_one.change_request_number if open_one else None,
            "max_extra_addresses": MAX_EXTRA_ADDRESSES,
            # REG-10: the first new signer (0-based) that needs a reason, none removed
            "reason_required_from": max(0, domain.SIGNERS_WITHOUT_REASON - len(current))}


def of_registration(session: Session, caller: dict) -> list[dict]:
    """The admin's change requests, newest first."""
    registration = _registration(session, caller)
    return [summary(session, r, registration) for r in session.scalars(
        select(ChangeRequest).where(ChangeRequest.registration_id == registration.id)
        .order_by(ChangeRequest.id.desc()))]


def submit(session: Session, caller: dict, data: dict, current: list[dict]) -> ChangeRequest:
    """The admin's change request, submitted at once (the forms are printed from it)."""
    registration = _registration(session, caller, lock=True)
    refuse_second(session, registration)
    change = check(registration, data, current)
    now = utcnow()
    serial = domain.next_number(session, f"change-{registration.cci_code}-{now.year}")
    request = ChangeRequest(
        change_request_number=f"C{registration.cci_code}-{now.year}-{serial:05d}",
        cci_code=registration.cci_code, registration_id=registration.id, status=OPEN,
        requested_by=caller["login_id"], company=change["company"],
        signers_removed=change["removed"], updated_at=now)
    session.add(request)
    session.flush()
    for signer in change["added"]:
        session.add(Signer(signer_id=str(uuid.uuid4()), change_request_id=request.id,
                           reason=signer.get("reason"), **{k: signer[k] for k in SIGNER_KEYS}))
    session.flush()
    return request


def of_admin(session: Session, caller: dict, number: str) -> ChangeRequest:
    """The admin sees its own registration's change requests; any other is not found."""
    registration = _registration(session, caller)
    request = session.scalar(select(ChangeRequest).where(
        ChangeRequest.change_request_number == number,
        ChangeRequest.registration_id == registration.id))
    if request is None:
        raise ChangeRequestNotFound(message=f"no change request {number}")
    return request


def in_chamber(session: Session, caller: dict, number: str, *,
               lock: bool = False) -> ChangeRequest:
    """Staff see their own chamber's change requests; any other is not found (ID-9)."""
    return one_or_raise(session, select(ChangeRequest).where(
        ChangeRequest.change_request_number == number,
        ChangeRequest.cci_code == caller["cci_code"]),
        ChangeRequestNotFound(message=f"no change request {number}"), lock=lock)


def is_open(request: ChangeRequest) -> ChangeRequest:
    if request.status != OPEN:
        raise ChangeRequestClosed(message=f"the change request is {request.status}")
    return request


def forms_of(session: Session, request: ChangeRequest) -> list[str]:
    """REG-7 for a change: the business description when the company changes, the signature
    registration when signers are added (agents add none)."""
    forms = ["business-description"] if request.company else []
    if domain.signers_of(session, request):
        forms.append("signature-registration")
    return forms


def view(session: Session, request: ChangeRequest) -> dict:
    registration = session.get(Registration, request.registration_id)
    logins = {u["signer_id"]: u["login_id"] for u in request.signers_added_ids or []}
    return {
        "change_request_id": request.change_request_number, "cci_code": request.cci_code,
        "trade_registration_number": registration.trade_registration_number,
        "status": request.status, "company": request.company,
        "company_before": registration.company,
        "signers_added": [{**domain.signer_view(s), "login_id": logins.get(s.signer_id)}
                          for s in domain.signers_of(session, request)],
        "signers_removed": request.signers_removed, "requested_by": request.requested_by,
        "created_at": request.created_at, "updated_at": request.updated_at,
        "decided_at": request.decided_at, "returned_reason": request.returned_reason,
        "forms": forms_of(session, request),
        "max_signature_scan_bytes": MAX_SIGNATURE_SCAN_BYTES,
    }


def form_payload(session: Session, request: ChangeRequest, chamber: dict, form: str,
                 current: list[dict]) -> dict:
    """The form as documents prints the wizard's (domain.form_document), with the change
    request's number in the header and its QR code. The business description lists the
    signers as they will be after the change; the signature registration the new ones."""
    if form not in forms_of(session, request):
        raise FormNotFound(message=f"this change request has no form {form}")
    registration = session.get(Registration, request.registration_id)
    added = domain.signers_of(session, request)
    if form == "signature-registration":
        company, signers = request.company or registration.company, added
    else:
        removed = {s["login_id"] for s in request.signers_removed}
        company = request.company
        signers = [] if registration_type(company) not in APPLICANT_TYPES else [
            *[s for s in current if s["login_id"] not in removed], *added]
    return domain.form_document(request.change_request_number, request.updated_at, chamber,
                                company, signers)


def staff_queue(session: Session, cci_code: str, status: str | None) -> list[dict]:
    query = select(ChangeRequest, Registration).join(
        Registration, Registration.id == ChangeRequest.registration_id).where(
        ChangeRequest.cci_code == cci_code).order_by(ChangeRequest.id)
    if status:
        query = query.where(ChangeRequest.status == status)
    return [summary(session, r, g) for r, g in session.execute(query)]


def summary(session: Session, request: ChangeRequest, registration: Registration) -> dict:
    return {"change_request_id": request.change_request_number,
            "trade_registration_number": registration.trade_registration_number,
            "status": request.status,
            "name_ja": (request.company or registration.company)["name_ja"],
            "changes_company": request.company is not None,
            "signers_added": len(domain.signers_of(session, request)),
            "signers_removed": len(request.signers_removed),
            "created_at": request.created_at, "updated_at": request.updated_at}


def return_request(session: Session, request: ChangeRequest, reason: str) -> None:
    """Back to the admin with a reason (mailed); a new change request may then be made."""
    is_open(request)
    request.status, request.returned_reason = "returned", reason
    request.updated_at = request.decided_at = utcnow()
    registration = session.get(Registration, request.registration_id)
    outbox.record(session, SERVICE, "change_request_returned", {
        "cci_code": request.cci_code, "change_request_id": request.change_request_number,
        "trade_registration_number": registration.trade_registration_number,
        "valid_until": registration.valid_until.isoformat(), "reason": reason,
        "signers_added": len(domain.signers_of(session, request)),
        "registration_type": registration_type(request.company or registration.company)})


def approve(session: Session, request: ChangeRequest, chamber: dict, *, today: date,
            apply_accounts, render_certificate) -> ChangeRequest:
    """Applied at once and never half-done, as REG-8's approval: the caller holds the change
    request's row lock; identity's part is idempotent on the change request (the same user
    IDs for its signers, removed IDs stay retired) and the certificate renders the same file
    for the same content, so after a failure at any step the next approval completes it;
    the registration, the status and the event are committed last, together. A repeat of an
    approved one answers it again."""
    if request.status == "approved":
        return request
    is_open(request)
    domain.require_signatures(session, request)
    registration = session.scalar(select(Registration).where(
        Registration.id == request.registration_id).with_for_update())
    company = request.company or registration.company
    added = domain.signers_of(session, request)
    accounts = apply_accounts({
        "cci_code": registration.cci_code,
        "trade_registration_number": registration.trade_registration_number,
        "change_request_id": request.change_request_number,
        "company": domain.company_name(company),
        "contact": {"name": company["contact"]["name_ja"], "email": company["contact"]["email"]},
        "signers_added": [{"signer_id": s.signer_id, **{k: getattr(s, k) for k in SIGNER_KEYS},
                           "signature_file_id": s.signature_file_id} for s in added],
        "signers_removed": [s["login_id"] for s in request.signers_removed]})
    # The trade registration certificate again, with the new content. The admin's password
    # is not printed again: it was on the first certificate and has been changed since.
    registration.company = company
    certificate = render_certificate(domain.certificate_payload(
        registration, chamber, registration.admin_login_id, None, today))
    registration.certificate_file_id = certificate["file_id"]
    request.status = "approved"
    request.signers_added_ids = accounts["users"]
    request.updated_at = request.decided_at = utcnow()
    session.flush()
    outbox.record(session, SERVICE, "registration_changed", {
        "cci_code": registration.cci_code, "change_request_id": request.change_request_number,
        "trade_registration_number": registration.trade_registration_number,
        "valid_until": registration.valid_until.isoformat(),
        "users": accounts["users"], "signers_removed": len(request.signers_removed)})
    return request
