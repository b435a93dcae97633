"""Issuance's rules, free of Nameko: an application's life from the draft to its certificate
(ISS-1 … ISS-7, ISS-10, ISS-13; API.md "Issuance"). The service asks the other services for
facts (the registration's box 1 and validity, the applicant and signer, the fee, the chamber)
and hands them in; everything decided here happens in the caller's transaction."""
import math
import secrets
import uuid
from datetime import date, datetime

from sqlalchemy import func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from services.issuance import rules
from services.issuance.exceptions import (
    ApplicationLocked,
    ApplicationNotFound,
    AttachmentNotFound,
    CertificateNotIssued,
    NotYourApplication,
    RegistrationExpired,
)
from services.issuance.interfaces import ATTACHMENT_KINDS, SERVICE, STATUSES
from services.issuance.models import (
    Application,
    Attachment,
    CertificateCounter,
    StatusChange,
)
from services.issuance.schemas import CO_TYPES, REMARK_TITLE_LABELS, TRANSPORT_LABELS
from tradecert import outbox
from tradecert.db import one_or_raise
from tradecert.errors import ValidationFailed

PAGE_SIZE = 50
EDITABLE = ("draft", "returned")  # ISS-7
BEFORE_CERTIFICATION = ("draft", "submitted", "returned")
CERTIFIED = ("certified", "paid")
#: ISS-9: the access code printed beside the QR code: 10 characters of an alphabet without
#: look-alikes (no 0/O, 1/I/L), about 50 bits.
ACCESS_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
ACCESS_CODE_LENGTH = 10
#: What a copied draft leaves behind (API.md: not its dates, attachments or numbers).
NOT_COPIED = ("invoices", "replaces")


def new_id() -> str:
    return uuid.uuid4().hex


def new_access_code() -> str:
    return "".join(secrets.choice(ACCESS_CODE_ALPHABET) for _ in range(ACCESS_CODE_LENGTH))


# --- finding an application: the caller's scope decides what exists (ISS-3, ID-9) -----------

def visible(caller: dict):
    """The applications a user or sub ID sees: its registration's; a sub ID only its own."""
    query = select(Application).where(
        Application.cci_code == caller["cci_code"],
        Application.trade_registration_number == caller["trade_registration_number"])
    if caller["kind"] == "sub":
        query = query.where(Application.applicant_login_id == caller["login_id"])
    return query


def find(session: Session, caller: dict, application_id: str, lock: bool = False):
    return one_or_raise(session, visible(caller).where(Application.id == application_id),
                        ApplicationNotFound(message="no such application"), lock=lock)


def find_own(session: Session, caller: dict, application_id: str) -> Application:
    """An application the caller may change (locked for the transaction): the applicant's own,
    or a sub ID's by the user ID that signs for it; another ID of the company sees it only
    (ISS-4 box 9: no proxy)."""
    application = find(session, caller, application_id, lock=True)
    if caller["login_id"] not in (application.applicant_login_id,
                                  application.signer_login_id):
        raise NotYourApplication(message="only its applicant changes an application",
                                 params={"applicant_login_id": application.applicant_login_id})
    return application


def staff_find(session: Session, caller: dict, application_id: str, lock: bool = False):
    """Staff see their own chamber's submitted-or-later applications; drafts are the
    applicant's alone."""
    query = select(Application).where(Application.cci_code == caller["cci_code"],
                                      Application.id == application_id,
                                      Application.submitted_at.is_not(None))
    return one_or_raise(session, query, ApplicationNotFound(message="no such application"),
                        lock=lock)


def require(application: Application, *statuses: str) -> None:
    if application.status not in statuses:
        raise ApplicationLocked(message=f"the application is {application.status}",
                                params={"status": application.status})


def require_valid(exporter: dict) -> None:
    """REG-9: the registration must be valid on Japan's today."""
    if not exporter["valid"]:
        raise RegistrationExpired(message="the trade registration has expired",
                                  params={"valid_until": exporter["valid_until"]})


# --- the applicant -----------------------------------------------------------------------------

def create(session: Session, caller: dict, applicant: dict, exporter: dict, body: dict,
           now: datetime, copy_of: Application | None = None,
           idempotency_key: str | None = None) -> Application:
    """A draft. `body` was checked (check_draft) unless it is a copy's, which keeps what the
    earlier application had and is checked when it is saved or submitted. The same
    `idempotency_key` at the same moment → IntegrityError (the caller answers with the
    other's application)."""
    require_valid(exporter)
    application = Application(
        id=new_id(), cci_code=caller["cci_code"], idempotency_key=idempotency_key,
        trade_registration_number=caller["trade_registration_number"],
        certificate_type=body["certificate_type"], status="draft",
        applicant_login_id=applicant["login_id"], applicant_kind=applicant["kind"],
        applicant_account_id=caller["account_id"],
        signer_login_id=applicant["signer_login_id"],
        signer_name=applicant["signer"]["name_en"] or applicant["signer"]["name_ja"],
        exporter_name=exporter["name_en"], body=body, updated_at=now,
        copy_of_id=copy_of.id if copy_of else None)
    _set_body(session, application, caller, body)
    session.add(application)
    session.flush()
    record(session, application, "draft", caller, now)
    return application


def by_idempotency_key(session: Session, caller: dict, key: str) -> Application | None:
    """Issue 12: the application the caller's request with this Idempotency-Key created (a
    retry after a timeout gets it again instead of a second draft)."""
    return session.scalar(select(Application).where(
        Application.cci_code == caller["cci_code"],
        Application.applicant_account_id == caller["account_id"],
        Application.idempotency_key == key))


def copied_body(earlier: Application, certificate_type: str | None) -> dict:
    """API.md `copy_from`: the earlier application's data without its dates, invoices,
    attachments or numbers; another `certificate_type` keeps what the new type has."""
    body = {k: v for k, v in earlier.body.items() if k not in NOT_COPIED}
    body["replaces"] = None
    if certificate_type:
        if (certificate_type in CO_TYPES) != (earlier.certificate_type in CO_TYPES):
            raise ValidationFailed(message="copy a certificate of origin into another only",
                                   fields={"certificate_type": ["copy_type_mismatch"]})
        body["certificate_type"] = certificate_type
    if body["certificate_type"] in CO_TYPES:
        body["invoices"] = []
        for part, name in (("declaration", "date"), ("transport", "on_or_about"),
                           ("foreign", "shipment_date")):
            if isinstance(body.get(part), dict):
                body[part] = {**body[part], name: None}
        if body["certificate_type"] == "co_japan":
            body.pop("foreign", None)
    return body


def update(session: Session, application: Application, caller: dict, body: dict,
           now: datetime) -> None:
    require(application, *EDITABLE)
    if body["certificate_type"] != application.certificate_type:
        raise ValidationFailed(message="the certificate type of an application is fixed",
                               fields={"certificate_type": ["certificate_type_fixed"]})
    _set_body(session, application, caller, body)
    application.updated_at = now


def _set_body(session: Session, application: Application, caller: dict, body: dict) -> None:
    replaces = body.get("replaces")
    if replaces:
        earlier = session.scalar(visible(caller).where(Application.id == replaces))
        if earlier is None or earlier.status not in CERTIFIED \
                or earlier.certificate_type != body["certificate_type"]:
            raise ValidationFailed(message="replaces names no certificate of yours",
                                   fields={"replaces": ["replaces_not_certified"]})
    application.body = body
    application.replaces_id = replaces or None
    if body["certificate_type"] in CO_TYPES:
        consignee = body.get("consignee") or {}
        application.consignee_name = consignee.get("name")
        application.destination_country = (body.get("transport") or {}).get("to")
    else:
        application.consignee_name = None
        application.destination_country = body.get("destination_country")


def submit(session: Session, application: Application, caller: dict, exporter: dict,
           today: date, now: datetime) -> None:
    """ISS-2, ISS-7: into the chamber's queue, with every rule of the day checked."""
    require(application, *EDITABLE)
    require_valid(exporter)
    rules.check_submission(application.body, [a.kind for a in attachments(session, application)],
                           today)
    resubmitted = application.status == "returned"
    application.status, application.submitted_at, application.updated_at = \
        "submitted", now, now
    application.exporter_name = exporter["name_en"]
    record(session, application, "submitted", caller, now)
    publish(session, application, "application_submitted", resubmitted=resubmitted)


def withdraw(session: Session, application: Application, caller: dict, now: datetime) -> None:
    require(application, *BEFORE_CERTIFICATION)
    application.status, application.updated_at = "withdrawn", now
    record(session, application, "withdrawn", caller, now)
    publish(session, application, "application_withdrawn")


def add_attachment(session: Session, application: Application, caller: dict, kind: str,
                   filename: str, stored: dict, now: datetime) -> Attachment:
    """API.md attachments. The same file (its SHA-256) as the same kind of an application
    answers the attachment it has: the natural key that makes an upload safe to repeat
    (issue 12). The application's row is locked (find_own), so two at once are one."""
    require(application, *EDITABLE)
    if kind == "signed_document" and (stored["content_type"] != "application/pdf"
                                      or stored.get("encrypted")):
        # ISS-10: the chamber stamps the certification on the document's own pages
        raise ValidationFailed(message="the signed document must be an unprotected PDF",
                               fields={"file": ["signed_document_not_pdf"]})
    same = session.scalar(select(Attachment).where(
        Attachment.application_id == application.id, Attachment.kind == kind,
        Attachment.sha256 == stored["sha256"]))
    if same is not None:  # issue 12: the same file again (a retry after a timeout): kept once
        return same
    attachment = Attachment(
        id=new_id(), application_id=application.id, kind=kind, filename=filename,
        content_type=stored["content_type"], size=stored["size"], sha256=stored["sha256"],
        file_id=stored["file_id"], pages=stored.get("pages"), created_at=now,
        created_by=caller["login_id"])
    session.add(attachment)
    application.updated_at = now
    return attachment


def check_attachment(kind: str, filename: str) -> str:
    """The part of an upload issuance checks itself; documents checks the bytes."""
    problems = {}
    if kind not in ATTACHMENT_KINDS:
        problems["kind"] = ["attachment_kind_unknown"]
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name or len(name) > 255:
        problems["file"] = ["filename_invalid"]
    if problems:
        raise ValidationFailed(message="the attachment is not accepted", fields=problems)
    return name


def attachments(session: Session, application: Application) -> list[Attachment]:
    return list(session.scalars(select(Attachment).where(
        Attachment.application_id == application.id).order_by(Attachment.created_at)))


def attachment(session: Session, application: Application, attachment_id: str) -> Attachment:
    return one_or_raise(session, select(Attachment).where(
        Attachment.application_id == application.id, Attachment.id == attachment_id),
        AttachmentNotFound(message="no such attachment"))


def delete_attachment(session: Session, application: Application, attachment_id: str,
                      now: datetime) -> None:
    require(application, *EDITABLE)
    session.delete(attachment(session, application, attachment_id))
    application.updated_at = now


def require_certificate(application: Application) -> None:
    if application.certificate_file_id is None:
        raise CertificateNotIssued(message="the application has no certificate yet",
                                   params={"status": application.status})


def certificate_file(application: Application) -> dict:
    """The certified, signed PDF as stored: {file_id, certificate_no}."""
    require_certificate(application)
    return {"file_id": application.certificate_file_id,
            "certificate_no": application.certificate_no}


# --- lists: indexed, paginated, newest first (ISS-2) -------------------------------------------

#: What a row of the applicant's list says (list_item), and the staff's queue (queue_item).
LIST_COLUMNS = (Application.id, Application.certificate_type, Application.status,
                Application.certificate_no, Application.fee_jpy, Application.paid_at,
                Application.updated_at, Application.consignee_name,
                Application.destination_country, Application.applicant_login_id,
                Application.issued_on)
QUEUE_COLUMNS = (*LIST_COLUMNS, Application.trade_registration_number,
                 Application.exporter_name, Application.signer_name, Application.submitted_at)


def page_of(session: Session, query, order, page: int,
            columns=LIST_COLUMNS) -> tuple[list, int, int]:
    """One page of the list (rows of `columns`, read as list_item and queue_item read an
    application) and the number of pages. The count reads the list's index only
    (models.Application's indexes); a page reads only the columns its entries show: never the
    entered body nor the certificate's payload, the widest columns (issue 10:
    benchmarks/issuance.py), and no ORM objects, which took a fifth of issuance's time for
    a list of 50 under `make load` (issue 12)."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = session.execute(query.with_only_columns(*columns).order_by(*order)
                           .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return rows, page, pages


def check_status(status: str | None) -> str | None:
    if status and status not in STATUSES:
        raise ValidationFailed(message="unknown status", fields={"status": ["status_unknown"]})
    return status or None


def applicant_list(session: Session, caller: dict, status: str | None, page: int):
    query = visible(caller)
    if check_status(status):
        query = query.where(Application.status == status)
    return page_of(session, query, (Application.updated_at.desc(), Application.id), page)


def staff_list(session: Session, caller: dict, status: str | None, page: int):
    """The chamber's applications; the queue (`submitted`) oldest submission first."""
    query = select(Application).where(Application.cci_code == caller["cci_code"],
                                      Application.submitted_at.is_not(None))
    if check_status(status):
        query = query.where(Application.status == status)
    order = ((Application.submitted_at, Application.id) if status == "submitted"
             else (Application.updated_at.desc(), Application.id))
    return page_of(session, query, order, page, QUEUE_COLUMNS)


# --- the chamber ------------------------------------------------------------------------------

def next_certificate_no(session: Session, cci_code: str, year: int) -> str:
    """`1504-2026-000001`: the chamber's code, the year, the year's sequence. One upsert in
    the certification's transaction: the counter row stays locked until it commits, so
    concurrent certifications take consecutive numbers and a rolled-back one leaves no gap."""
    statement = pg_insert(CertificateCounter).values(cci_code=cci_code, year=year, last=1)
    statement = statement.on_conflict_do_update(
        index_elements=["cci_code", "year"],
        set_={"last": CertificateCounter.last + 1}).returning(CertificateCounter.last)
    last = session.execute(statement).scalar_one()
    return f"{cci_code}-{year}-{last:06d}"


def certify(session: Session, application: Application, caller: dict, *, certificate_no: str,
            access_code: str, quote: dict, document: dict, file_id: str, today: date,
            now: datetime) -> Application | None:
    """ISS-2: certified, the fee fixed (ISS-11); ISS-13: the certificate it replaces is no
    longer valid. Returns the replaced application, if any."""
    require(application, "submitted")
    application.status, application.updated_at = "certified", now
    application.certificate_no, application.access_code = certificate_no, access_code
    application.issued_on, application.certified_at = today, now
    application.fee_jpy, application.membership = quote["fee_jpy"], quote["membership"]
    application.certificate, application.certificate_file_id = document, file_id
    record(session, application, "certified", caller, now)
    replaced = None
    if application.replaces_id:
        replaced = session.get(Application, application.replaces_id, with_for_update=True)
        require(replaced, *CERTIFIED)
        replaced.status, replaced.replaced_by_id, replaced.updated_at = \
            "replaced", application.id, now
        record(session, replaced, "replaced", caller, now,
               reason=f"replaced by {certificate_no}")
        publish(session, replaced, "certificate_replaced",
                certificate_no=replaced.certificate_no, replaced_by=certificate_no)
    publish(session, application, "certificate_certified", certificate_no=certificate_no,
            issued_on=today.isoformat(), fee_jpy=application.fee_jpy,
            replaces_certificate_no=replaced.certificate_no if replaced else None)
    return replaced


def return_to_applicant(session: Session, application: Application, caller: dict,
                        reason: str, now: datetime) -> None:
    """ISS-7: back to the applicant with the reason (mailed)."""
    require(application, "submitted")
    application.status, application.return_reason, application.updated_at = \
        "returned", reason, now
    record(session, application, "returned", caller, now, reason=reason)
    publish(session, application, "application_returned", reason=reason)


def revoke(session: Session, application: Application, caller: dict, reason: str,
           now: datetime) -> None:
    """ISS-14: no longer valid; verification answers `revoked`."""
    require(application, *CERTIFIED)
    application.status, application.updated_at = "revoked", now
    record(session, application, "revoked", caller, now, reason=reason)
    publish(session, application, "certificate_revoked",
            certificate_no=application.certificate_no, reason=reason)


def applicant_caller(application: Application) -> dict:
    """The applicant as identity's `applicant` asks it, to read the signer afresh at
    certification (a signer retired or locked since signs nothing)."""
    return {"account_id": application.applicant_account_id,
            "login_id": application.applicant_login_id, "kind": application.applicant_kind,
            "cci_code": application.cci_code}


# --- the certificate's document (ISS-1, ISS-4, ISS-10) -----------------------------------------

def document(application: Application, *, exporter: dict, applicant: dict, chamber: dict,
             certificate_no: str, access_code: str, today: date,
             attachments_: list[Attachment], preview: bool = False) -> tuple[str, dict]:
    """The documents service's kind and payload for the certificate."""
    body = application.body
    chamber_part = {"cci_code": chamber["cci_code"], "name_ja": chamber["name_ja"],
                    "name_en": chamber["name_en"]}
    certification = {"place": chamber.get("place_en") or chamber["name_en"],
                     "date": today.isoformat()}
    signer = applicant["signer"]
    if application.certificate_type == "signature":
        signed = [a for a in attachments_ if a.kind == "signed_document"
                  and a.content_type == "application/pdf"]
        if not signed:
            raise ValidationFailed(message="a signed document (PDF) is needed",
                                   fields={"attachments": ["signed_document_required"]})
        return "signature-stamp", {
            "certificate_no": certificate_no, "access_code": access_code,
            "chamber": chamber_part, "document_file_id": signed[-1].file_id,
            "document_kind": body["document_kind"], "document_title": body["document_title"],
            "applicant": {"name_en": exporter["name_en"],
                          "trade_registration_number": application.trade_registration_number},
            "signer": signer, "certification": certification, "preview": preview}
    goods = body.get("goods") or []
    return "co", {
        "certificate_no": certificate_no, "access_code": access_code, "preview": preview,
        "chamber": chamber_part,
        "exporter": {"name": exporter["name_en"],
                     "address_lines": exporter["address_en_lines"][:5] or [exporter["country"]],
                     "country": exporter["country"]},
        "consignee": {"name": body["consignee"]["name"],
                      "address_lines": body["consignee"]["address_lines"] or ["-"],
                      "country": body["consignee"]["country"]},
        "invoices": body.get("invoices") or [],
        "country_of_origin": country_of_origin(application.certificate_type, goods),
        "transport": {**{k: body["transport"].get(k) for k in ("from", "to", "via")},
                      "by": transport_by(body["transport"]),
                      "on_or_about": body["transport"].get("on_or_about")},
        "remarks": [{"title": REMARK_TITLE_LABELS[r["title"]], "value": r["value"]}
                    for r in body.get("remarks") or []],
        "goods": [{"marks": g["marks"], "packages": g["packages"],
                   "description": g["description"], "quantity": quantity(g["quantity"]),
                   "origin": g.get("origin") or None} for g in goods],
        "declaration": {"signer_name": signer["name_en"], "signer_title": signer.get("title_en"),
                        "place": body["declaration"]["place"],
                        "date": body["declaration"]["date"],
                        "signature_file_id": applicant["signature_file_id"]},
        "certification": certification}


def country_of_origin(certificate_type: str, goods: list[dict]) -> str:
    """ISS-4 box 4: JAPAN, or the full foreign country names (each item's, once, in order)."""
    if certificate_type == "co_japan":
        return rules.JAPAN
    names = []
    for item in goods:
        origin = rules.normalized_country(item.get("origin"))
        if origin and origin not in names:
            names.append(origin)
    return ", ".join(names)


def transport_by(transport: dict) -> str:
    label = TRANSPORT_LABELS[transport["by"]]
    if transport.get("vessel_or_flight"):
        return f"{label} ({transport['vessel_or_flight']})"
    return label


def quantity(value: dict) -> str:
    """ISS-4 box 8 as printed: `1,200 PCS`, `12.5 KG`."""
    whole, _, fraction = value["value"].partition(".")
    number = f"{int(whole):,}" + (f".{fraction}" if fraction else "")
    return f"{number} {value['unit'].upper()}"


# --- history and events -----------------------------------------------------------------------

def record(session: Session, application: Application, status: str, caller: dict,
           at: datetime, reason: str | None = None) -> None:
    """Every change of state: who, when, why (issue 10)."""
    session.execute(insert(StatusChange).values(
        application_id=application.id, status=status, at=at, by_login_id=caller["login_id"],
        by_kind=caller["kind"], reason=reason))


def history(session: Session, application: Application) -> list[StatusChange]:
    return list(session.scalars(select(StatusChange).where(
        StatusChange.application_id == application.id).order_by(StatusChange.id)))


def publish(session: Session, application: Application, event_type: str, **facts) -> None:
    outbox.record(session, SERVICE, event_type, {
        "cci_code": application.cci_code, "application_id": application.id,
        "trade_registration_number": application.trade_registration_number,
        "login_id": application.applicant_login_id,
        "certificate_type": application.certificate_type,
        "consignee_name": application.consignee_name,
        "destination_country": application.destination_country, **facts})


# --- what the API shows -----------------------------------------------------------------------

def view(session: Session, application: Application) -> dict:
    """API.md: everything entered, plus status, history, attachments and the certificate."""
    replaced_by = session.get(Application, application.replaced_by_id) \
        if application.replaced_by_id else None
    replaces = session.get(Application, application.replaces_id) \
        if application.replaces_id else None
    return {
        **application.body, "application_id": application.id,
        "certificate_type": application.certificate_type, "status": application.status,
        "trade_registration_number": application.trade_registration_number,
        "applicant_login_id": application.applicant_login_id,
        "signer_login_id": application.signer_login_id, "signer_name": application.signer_name,
        "exporter_name": application.exporter_name,
        "status_history": [{"status": h.status, "at": h.at, "by": h.by_login_id,
                            "reason": h.reason} for h in history(session, application)],
        "attachments": attachments(session, application),
        "certificate_no": application.certificate_no, "issued_on": application.issued_on,
        "fee_jpy": application.fee_jpy, "paid": application.paid_at is not None,
        "return_reason": application.return_reason if application.status == "returned"
        else None,
        "print_until": application.print_until, "created_at": application.created_at,
        "updated_at": application.updated_at, "submitted_at": application.submitted_at,
        "replaces_certificate_no": replaces.certificate_no if replaces else None,
        "replaced_by": replaced_by.certificate_no if replaced_by else None,
        "editable": application.status in EDITABLE,
    }


def iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def list_item(application) -> dict:
    """An application (or a row of LIST_COLUMNS) as ListItemSchema dumps it. Written out
    here, not dumped: marshmallow took 2 of issuance's 5 ms for a page of 50 under `make
    load` (issue 12); tests/unit/test_issuance_lists.py checks it against the schema."""
    return {"application_id": application.id,
            "certificate_type": application.certificate_type, "status": application.status,
            "certificate_no": application.certificate_no, "fee_jpy": application.fee_jpy,
            "paid": application.paid_at is not None, "updated_at": iso(application.updated_at),
            "consignee_name": application.consignee_name,
            "destination_country": application.destination_country,
            "applicant_login_id": application.applicant_login_id,
            "issued_on": iso(application.issued_on)}


def queue_item(application) -> dict:
    """An application (or a row of QUEUE_COLUMNS) as StaffQueueItemSchema dumps it."""
    return {**list_item(application),
            "trade_registration_number": application.trade_registration_number,
            "exporter_name": application.exporter_name,
            "signer_name": application.signer_name,
            "submitted_at": iso(application.submitted_at)}
