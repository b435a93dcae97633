"""Issuance's side of payment (ISS-8, ISS-11, ISS-12), free of Nameko: which applications the
caller may pay for, and marking them paid when payment says so (the print window starts)."""
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.issuance.domain import record, visible
from services.issuance.exceptions import ApplicationNotFound, ApplicationNotPayable
from services.issuance.models import Application
from tradecert import config
from tradecert.clock import JAPAN

DEFAULT_PRINT_WINDOW_DAYS = 14  # ISS-12


def payable(session: Session, caller: dict, application_ids: list[str]) -> list[dict]:
    """ISS-11: the caller's certified, unpaid applications, in the order asked, each with
    the fee fixed at certification. A user ID's of its company, a sub ID's of its own
    (`visible`); any other → ApplicationNotFound, one not certified or paid already →
    ApplicationNotPayable, each naming `application_ids.N`."""
    found = {a.id: a for a in session.scalars(
        visible(caller).where(Application.id.in_(application_ids)))}
    missing = {f"application_ids.{n}": ["application_not_found"]
               for n, application_id in enumerate(application_ids)
               if application_id not in found}
    if missing:
        raise ApplicationNotFound(message="no such application", fields=missing)
    not_payable = {f"application_ids.{n}": ["application_not_payable"]
                   for n, application_id in enumerate(application_ids)
                   if found[application_id].status != "certified"
                   or found[application_id].paid_at is not None}
    if not_payable:
        raise ApplicationNotPayable(message="only certified, unpaid applications",
                                    fields=not_payable)
    return [{"application_id": a.id, "fee_jpy": a.fee_jpy, "certificate_no": a.certificate_no,
             "certificate_type": a.certificate_type}
            for a in (found[application_id] for application_id in application_ids)]


def print_window_days(cci_code: str) -> int:
    """ISS-12: the chamber's print window (ISSUANCE.print_window_days_by_chamber), else
    ISSUANCE.print_window_days, else 14."""
    settings = config.section("ISSUANCE")
    by_chamber = settings.get("print_window_days_by_chamber") or {}
    days = by_chamber.get(cci_code, by_chamber.get(int(cci_code)) if cci_code.isdigit()
                          else None)
    return int(days if days is not None else
               settings.get("print_window_days", DEFAULT_PRINT_WINDOW_DAYS))


def print_until(cci_code: str, paid_at: datetime) -> date:
    """The last day the certificate may be printed: the paid day in Japan + the window."""
    return paid_at.astimezone(JAPAN).date() + timedelta(days=print_window_days(cci_code))


def mark_paid(session: Session, data: dict) -> list[str]:
    """payment_succeeded: every application in it paid (status `paid` when it is still
    certified; a revoked one keeps its status but is paid), its print window fixed, a
    "paid" row in its history. An application already paid is left as it is."""
    paid_at = datetime.fromisoformat(data["paid_at"])
    payer = {"login_id": data["login_id"], "kind": "payment"}
    marked = []
    for application in session.scalars(
            select(Application).where(Application.id.in_(data["application_ids"]),
                                      Application.cci_code == data["cci_code"])
            .with_for_update()):
        if application.paid_at is not None:
            continue
        application.paid_at = paid_at
        application.print_until = print_until(application.cci_code, paid_at)
        if application.status == "certified":
            application.status = "paid"
        application.updated_at = paid_at
        record(session, application, "paid", payer, paid_at,
               reason=f"receipt {data['receipt_no']}")
        marked.append(application.id)
    return marked
