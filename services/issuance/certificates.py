"""Printing and public verification of issued certificates, free of Nameko (issue 11; ISS-8,
ISS-9, ISS-12, ISS-14; API.md "Printing", "Verification").

Printing: the signed PDF stored at certification is the ORIGINAL; a COPY is the same stored
payload rendered again by documents with `copy: true` (signed too). Verification answers from
the payload the certificate was rendered from, so it says what the certificate says.

Issue 12: the gateway keeps the answers it got and answers repeated lookups itself
(gateway/verifications.py); it counts the tries per address and sends the lookups it
answered to `record_lookups`, so staff still see every lookup (ISS-14). The tries per address
(ISS-9) are limited in each gateway process and counted here for all of them together
(`count_tries`, once a second), so several gateway processes still allow an address its 30
a minute, not 30 each."""
import hmac
import re
from datetime import date, datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from services.issuance.domain import require_certificate
from services.issuance.exceptions import (
    CertificateNotFound,
    CertificateNotIssued,
    CertificateNotValid,
    NoCopiesAppliedFor,
    PaymentRequired,
    PrintWindowClosed,
    TooManyVerifications,
)
from services.issuance.models import Application, RateLimit, VerificationLookup
from services.issuance.schemas import VerificationQuerySchema
from tradecert import ratelimit
from tradecert.ratelimit import Limit
from tradecert.schemas import load

#: ISS-9: more than 30 tries a minute from one address → 429 (LIMITS in config.yaml).
VERIFICATIONS_PER_ADDRESS = Limit("verifications_per_address", 30, 60)
#: How many of the latest lookups staff see beside the count.
RECENT_LOOKUPS = 5
NO_LONGER_VALID = ("revoked", "replaced")


# --- printing (ISS-8, ISS-12) ------------------------------------------------------------------

def require_printable(application: Application, copy: bool, today: date) -> None:
    """Printed once paid, until `print_until` (Japan's date), while still valid; a COPY only
    when copies were applied for."""
    if application.status in NO_LONGER_VALID:
        raise CertificateNotValid(message=f"the certificate is {application.status}",
                                  params={"status": application.status})
    require_certificate(application)
    if application.paid_at is None:
        raise PaymentRequired(message="the certificate is printed once its fee is paid",
                              params={"fee_jpy": application.fee_jpy})
    if application.print_until is not None and today > application.print_until:
        raise PrintWindowClosed(message="the printing period has ended",
                                params={"print_until": application.print_until.isoformat()})
    if copy and not application.body.get("copies"):
        raise NoCopiesAppliedFor(message="no copies were applied for",
                                 params={"copies": application.body.get("copies", 0)})


def printable(application: Application, today: date) -> dict:
    """What the applicant's page offers: {printable, copy_printable}."""
    try:
        require_printable(application, False, today)
    except (CertificateNotIssued, CertificateNotValid, PaymentRequired, PrintWindowClosed):
        return {"printable": False, "copy_printable": False}
    return {"printable": True, "copy_printable": bool(application.body.get("copies"))}


def copy_document(application: Application) -> tuple[str, dict]:
    """The kind and payload of the COPY: the certificate's own, marked COPY (ISS-8)."""
    document = application.certificate
    return document["kind"], {**document["payload"], "copy": True}


def record_printing(session: Session, application_id: str, caller: dict, copy: bool,
                    now: datetime) -> None:
    """Count the output; the first ORIGINAL's time and printer are kept (API.md: "the first
    output's time is recorded"). One UPDATE: two prints at once both count, one is first."""
    values = {"copies_printed": Application.copies_printed + 1} if copy else {
        "originals_printed": Application.originals_printed + 1,
        "first_printed_at": func.coalesce(Application.first_printed_at, now),
        "first_printed_by": func.coalesce(Application.first_printed_by, caller["login_id"])}
    session.execute(update(Application).where(Application.id == application_id)
                    .values(**values))


def printing_facts(application: Application) -> dict:
    return {"first_printed_at": application.first_printed_at,
            "first_printed_by": application.first_printed_by,
            "originals_printed": application.originals_printed or 0,
            "copies_printed": application.copies_printed or 0}


# --- verification (ISS-9, ISS-14) --------------------------------------------------------------

def count_tries(session: Session, tries: dict) -> dict:
    """ISS-9: the tries the gateway processes saw, {address: how many}, counted together in
    one statement; answers {address: seconds until its window closes} for each address over
    the limit."""
    limit = VERIFICATIONS_PER_ADDRESS.configured
    addresses = {str(address)[:100]: count for address, count in tries.items()}
    counted = ratelimit.count_many(session, RateLimit, limit, addresses)
    over = {}
    for address in addresses:
        hits, expires_at = counted.get(limit.key(address), (0, None))
        if hits > limit.count:
            over[address] = ratelimit.refusal(limit, expires_at, TooManyVerifications
                                              ).params["retry_after_s"]
    return over


def prune_counters(session: Session) -> int:
    return ratelimit.prune(session, RateLimit)


def normalized_code(value: str) -> str:
    """The access code as printed may be typed in lower case, with spaces or hyphens."""
    return re.sub(r"[\s-]", "", value).upper()


def find_issued(session: Session, query: dict) -> Application:
    """The paid certificate with this number, access code and issue date, else the one
    CertificateNotFound whatever part is wrong; the access code compared in constant time."""
    loaded = load(VerificationQuerySchema(), query)
    number = loaded["certificate_no"].strip().upper()
    candidates = session.scalars(select(Application).where(
        Application.cci_code == number[:4], Application.certificate_no == number,
        Application.paid_at.is_not(None)))
    wanted = normalized_code(loaded["access_code"]).encode()
    for application in candidates:
        stored = normalized_code(application.access_code or "").encode()
        same_code = hmac.compare_digest(stored, wanted)
        if same_code and application.issued_on == loaded["issued_on"]:
            return application
    raise CertificateNotFound(message="no certificate with that number, access code and date")


def record_lookup(session: Session, application: Application, now: datetime) -> None:
    session.execute(insert(VerificationLookup).values(application_id=application.id, at=now))


def record_lookups(session: Session, lookups: list[dict]) -> int:
    """Lookups answered by the gateway (issue 12), by certificate number, in one insert."""
    numbers = {str(lookup["certificate_no"]) for lookup in lookups}
    ids = dict(session.execute(paid_by_number(numbers)).all())
    rows = [{"application_id": ids[lookup["certificate_no"]],
             "at": datetime.fromisoformat(lookup["at"])}
            for lookup in lookups if lookup["certificate_no"] in ids]
    if rows:
        session.execute(insert(VerificationLookup), rows)
    return len(rows)


def paid_by_number(numbers: set[str]):
    """(certificate number, application id) of the paid certificates of these numbers. A
    number begins with its chamber's code: asked by both, the unique index of (cci_code,
    certificate_no) finds each, not a read of every application (issue 13)."""
    return select(Application.certificate_no, Application.id).where(
        Application.cci_code.in_(sorted({number[:4] for number in numbers})),
        Application.certificate_no.in_(sorted(numbers)), Application.paid_at.is_not(None))


def lookup_facts(session: Session, application: Application) -> dict:
    """ISS-14 for staff: how often and when the certificate was verified."""
    where = VerificationLookup.application_id == application.id
    count, first, last = session.execute(select(
        func.count(), func.min(VerificationLookup.at), func.max(VerificationLookup.at))
        .where(where)).one()
    recent = list(session.scalars(select(VerificationLookup.at).where(where).order_by(
        VerificationLookup.at.desc(), VerificationLookup.id.desc()).limit(RECENT_LOOKUPS)))
    return {"count": count, "first_at": first, "last_at": last, "recent": recent}


def answer(session: Session, application: Application) -> dict:
    """API.md's answer, from the payload the certificate was rendered from."""
    status = application.status if application.status in NO_LONGER_VALID else "valid"
    replaced_by = session.get(Application, application.replaced_by_id) \
        if application.replaced_by_id else None
    payload = application.certificate["payload"]
    chamber = payload["chamber"]
    common = {
        "valid": status == "valid", "status": status,
        "certificate_no": application.certificate_no,
        "certificate_type": application.certificate_type, "issued_on": application.issued_on,
        "chamber": {"cci_code": chamber["cci_code"], "name_en": chamber["name_en"]},
        "replaced_by": replaced_by.certificate_no if replaced_by else None,
    }
    if application.certificate["kind"] == "co":
        return {**common,
                "exporter": {"name": payload["exporter"]["name"],
                             "country": payload["exporter"]["country"]},
                "consignee": {"name": payload["consignee"]["name"],
                              "country": payload["consignee"]["country"]},
                "country_of_origin": payload["country_of_origin"],
                "destination_country": payload["transport"]["to"],
                "goods": [{"description": g["description"], "quantity": g["quantity"]}
                          for g in payload["goods"]]}
    # ISS-10: a signature certification certifies a signature on a document: the document's
    # title stands where goods would, the applicant where the exporter would.
    return {**common,
            "exporter": {"name": payload["applicant"]["name_en"], "country": None},
            "consignee": {"name": None, "country": None},
            "country_of_origin": None,
            "destination_country": application.destination_country,
            "goods": [{"description": payload["document_title"], "quantity": None}]}
