"""Card payments' rules, free of Nameko (ISS-8, ISS-11; API.md "Payment"): who sees which
payment, one payment per application at a time, the receipt numbers, settling a payment
exactly once whichever news of it comes first (the confirmation's answer, the webhook, the
reconciliation), refunds never more than was paid, the month's statement.

Stripe is asked through the StripeApi handed in (services/payment/dependencies.py); where the
local server is more lenient than Stripe (idempotency keys, over-refunds), the rule is kept
here."""
import contextlib
import csv
import io
import math
import uuid
from datetime import date, datetime, timedelta

import stripe
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.payment.exceptions import (
    ApplicationAlreadyPaying,
    CardDeclined,
    PaymentNotFound,
    PaymentNotOpen,
    PaymentNotRefundable,
    PaymentProviderUnavailable,
    WebhookInvalid,
)
from services.payment.interfaces import SERVICE
from services.payment.models import Payment, PaymentLine, ReceiptCounter, StripeEvent
from tradecert import outbox
from tradecert.clock import JAPAN
from tradecert.db import one_or_raise

PAGE_SIZE = 50
ACTIVE = ("open", "succeeded")  # an application is in at most one such payment
#: What Stripe's PaymentIntent says, as our answer to a confirmation.
PENDING = ("requires_action", "processing")


def new_id() -> str:
    return uuid.uuid4().hex


# --- who sees what ------------------------------------------------------------------------------

def visible(caller: dict):
    """ISS-11: a user ID sees its company's payments, a sub ID only its own."""
    query = select(Payment).where(
        Payment.cci_code == caller["cci_code"],
        Payment.trade_registration_number == caller["trade_registration_number"])
    if caller["kind"] == "sub":
        query = query.where(Payment.login_id == caller["login_id"])
    return query


def find(session: Session, caller: dict, payment_id: str, lock: bool = False) -> Payment:
    return one_or_raise(session, visible(caller).where(Payment.id == payment_id),
                        PaymentNotFound(message="no such payment"), lock=lock)


def staff_find(session: Session, caller: dict, payment_id: str, lock: bool = False) -> Payment:
    """Staff see their own chamber's payments only (ID-9)."""
    query = select(Payment).where(Payment.cci_code == caller["cci_code"],
                                  Payment.id == payment_id)
    return one_or_raise(session, query, PaymentNotFound(message="no such payment"), lock=lock)


def lock(session: Session, payment_id: str) -> Payment | None:
    return session.scalar(select(Payment).where(Payment.id == payment_id).with_for_update()
                          .execution_options(populate_existing=True))


def by_idempotency_key(session: Session, caller: dict, key: str) -> Payment | None:
    return session.scalar(select(Payment).where(
        Payment.cci_code == caller["cci_code"], Payment.login_id == caller["login_id"],
        Payment.idempotency_key == key))


def lines(session: Session, payment: Payment) -> list[PaymentLine]:
    return lines_of(session, [payment])[payment.id]


def lines_of(session: Session, payments: list[Payment]) -> dict[str, list[PaymentLine]]:
    """The lines of several payments in one query (a list page, a statement), by payment."""
    found: dict[str, list[PaymentLine]] = {payment.id: [] for payment in payments}
    if found:
        for line in session.scalars(select(PaymentLine).where(
                PaymentLine.payment_id.in_(list(found))).order_by(PaymentLine.position)):
            found[line.payment_id].append(line)
    return found


# --- a new payment ------------------------------------------------------------------------------

def create(session: Session, caller: dict, payable: list[dict], idempotency_key: str | None,
           now: datetime) -> Payment:
    """A payment of `payable` (issuance's answer: each application's fee, fixed when it was
    certified), `open`. API.md: an application already paid or in an open payment → 409
    naming it; the same Idempotency-Key at the same moment → IntegrityError (the caller
    answers with the other's payment)."""
    taken = set(session.scalars(select(PaymentLine.application_id).where(
        PaymentLine.active, PaymentLine.application_id.in_([p["application_id"]
                                                            for p in payable]))))
    if taken:
        raise already_paying(payable, taken)
    payment = Payment(id=new_id(), cci_code=caller["cci_code"],
                      trade_registration_number=caller["trade_registration_number"],
                      login_id=caller["login_id"], login_kind=caller["kind"], kind="card",
                      status="open", amount_jpy=sum(p["fee_jpy"] for p in payable),
                      idempotency_key=idempotency_key, created_at=now)
    session.add(payment)
    session.flush()
    for position, item in enumerate(payable):
        session.add(PaymentLine(payment_id=payment.id, position=position,
                                application_id=item["application_id"],
                                certificate_no=item["certificate_no"],
                                certificate_type=item["certificate_type"],
                                fee_jpy=item["fee_jpy"]))
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        # another payment took one of them since we looked: the same answer
        raise already_paying(payable, {p["application_id"] for p in payable}) from None
    return payment


def already_paying(payable: list[dict], taken: set) -> ApplicationAlreadyPaying:
    fields = {f"application_ids.{n}": ["application_in_payment"]
              for n, item in enumerate(payable) if item["application_id"] in taken}
    return ApplicationAlreadyPaying(message="already paid or in an open payment",
                                    fields=fields)


def attach_intent(payment: Payment, intent: dict) -> None:
    payment.stripe_payment_intent = intent["id"]
    payment.client_secret = intent["client_secret"]


# --- the card -----------------------------------------------------------------------------------

def confirm(session: Session, payment: Payment, payment_method: str, api, now: datetime) -> dict:
    """Put the card on the payment's intent and confirm it (the row is locked by the caller).
    Answers {status: succeeded | requires_action | processing} (with the client secret for
    Stripe.js's 3-D Secure step); a decline raises CardDeclined and the payment stays open
    for another card. An intent that can take no other card after a decline (the local
    server's) is cancelled and the payment goes on with a new one."""
    if payment.status == "succeeded":
        return {"status": "succeeded"}
    if payment.status != "open":
        raise PaymentNotOpen(message="this payment takes no card",
                             params={"status": payment.status})
    try:
        intent = api.retrieve(payment.stripe_payment_intent)
        if intent["status"] in ("requires_action", "processing", "succeeded") and \
                intent.get("payment_method") == payment_method:
            return answer(session, payment, intent, now)  # e.g. back from 3-D Secure
        if intent["status"] != "succeeded":
            intent = api.set_payment_method(intent["id"], payment_method)
        if intent["status"] == "requires_payment_method":
            cancel_quietly(api, intent["id"])
            payment.attempt += 1
            intent = api.create_intent(payment.id, payment.amount_jpy, payment.attempt,
                                       payment_method)
            attach_intent(payment, intent)
        if intent["status"] == "requires_confirmation":
            intent = api.confirm(intent["id"])
    except stripe.CardError as declined:
        decline_code = declined.code or "card_declined"
        publish(session, payment, "payment_failed", code=decline_code)
        raise CardDeclined(message="the card was declined",
                           params={"decline_code": decline_code}) from None
    except stripe.StripeError as failed:
        raise PaymentProviderUnavailable(message=f"Stripe: {failed.user_message or failed}") \
            from None
    return answer(session, payment, intent, now)


def answer(session: Session, payment: Payment, intent: dict, now: datetime) -> dict:
    if intent["status"] == "succeeded":
        settle(session, payment, intent, now)
        return {"status": "succeeded"}
    if intent["status"] in PENDING:
        return {"status": intent["status"], "client_secret": intent["client_secret"]}
    raise CardDeclined(message="the card was not charged", params={"decline_code": "declined"})


def cancel_quietly(api, intent_id: str) -> None:
    # already cancelled or never chargeable: nothing to undo
    with contextlib.suppress(stripe.StripeError):
        api.cancel(intent_id)


def settle(session: Session, payment: Payment, intent: dict, now: datetime) -> bool:
    """ISS-8: Stripe says `intent` succeeded. The first news of it (the confirmation's
    answer, the webhook or the reconciliation; the payment's row is locked) marks the
    payment succeeded, gives it the chamber's next receipt number and tells issuance
    (payment_succeeded); any later one changes nothing. An intent that is not the
    payment's, or charged another amount, is not believed."""
    if payment.status != "open" or not matches(payment, intent):
        return False
    payment.status, payment.paid_at = "succeeded", now
    payment.receipt_no = next_receipt_no(session, payment.cci_code)
    publish(session, payment, "payment_succeeded", paid_at=now.isoformat(),
            receipt_no=payment.receipt_no)
    return True


def matches(payment: Payment, intent: dict) -> bool:
    metadata = intent.get("metadata") or {}
    return (metadata.get("payment_id") == payment.id
            and intent.get("amount") == payment.amount_jpy
            and str(intent.get("currency", "")).lower() == "jpy"
            and intent.get("status") == "succeeded")


def next_receipt_no(session: Session, cci_code: str) -> str:
    """`1504-R000001`: the chamber's sequence. One upsert in the settling transaction: the
    counter row stays locked until it commits, so a rolled-back one leaves no gap."""
    statement = insert(ReceiptCounter).values(cci_code=cci_code, last=1).on_conflict_do_update(
        index_elements=["cci_code"], set_={"last": ReceiptCounter.last + 1}
    ).returning(ReceiptCounter.last)
    return f"{cci_code}-R{session.execute(statement).scalar_one():06d}"


def fail(session: Session, payment: Payment) -> None:
    """The intent was cancelled at Stripe: the payment failed and its applications are free
    for another one."""
    payment.status = "failed"
    session.execute(update(PaymentLine).where(PaymentLine.payment_id == payment.id)
                    .values(active=False))


# --- Stripe's webhook and the reconciliation ----------------------------------------------------

def verified_event(api, payload: str, signature_header: str | None) -> dict:
    """The event, or WebhookInvalid (400) for a bad, missing or old signature or a body that
    is not an event: nothing is stored then."""
    try:
        event = api.event(payload, signature_header)
    except (stripe.SignatureVerificationError, ValueError):
        raise WebhookInvalid(message="the Stripe-Signature does not match") from None
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or \
            not isinstance(event.get("type"), str):
        raise WebhookInvalid(message="not a Stripe event")
    return event


def first_time(session: Session, event: dict) -> bool:
    """Remember the event id; False when it was acted on already (Stripe sends events at
    least once)."""
    inserted = session.execute(
        insert(StripeEvent).values(event_id=event["id"][:255], event_type=event["type"][:100])
        .on_conflict_do_nothing().returning(StripeEvent.event_id)).first()
    return inserted is not None


def on_event(session: Session, event: dict, now: datetime) -> str:
    """Act on one event (its id claimed in the same transaction): what was done."""
    intent = (event.get("data") or {}).get("object") or {}
    if not isinstance(intent, dict) or intent.get("object") != "payment_intent":
        return "ignored"
    payment_id = (intent.get("metadata") or {}).get("payment_id")
    payment = lock(session, payment_id) if isinstance(payment_id, str) else None
    if payment is None:
        return "unknown_payment"
    if event["type"] == "payment_intent.succeeded":
        return "settled" if settle(session, payment, intent, now) else "already_settled"
    if event["type"] == "payment_intent.payment_failed" and payment.status == "open" and \
            intent.get("id") == payment.stripe_payment_intent:
        error = intent.get("last_payment_error") or {}
        publish(session, payment, "payment_failed", code=error.get("code") or "payment_failed")
        return "failed"
    return "ignored"


def open_count(session: Session) -> int:
    """Payments started and neither charged nor given up (issue 12's gauge, by the index
    `ix_payments_open`). Growing: webhooks are not arriving and reconciliation lags."""
    return session.scalar(select(func.count()).select_from(Payment)
                          .where(Payment.status == "open"))


def due_for_reconciliation(session: Session, before: datetime, limit: int = 100) -> list[str]:
    return list(session.scalars(select(Payment.id).where(
        Payment.status == "open", Payment.created_at < before,
        Payment.stripe_payment_intent.is_not(None)).order_by(Payment.created_at).limit(limit)))


def reconcile(session: Session, payment_id: str, api, now: datetime) -> str:
    """An open payment whose webhook has not come: ask Stripe. Safe to run any number of
    times, and alongside the webhook (the row is locked)."""
    payment = lock(session, payment_id)
    if payment is None or payment.status != "open":
        return "settled_before"
    intent = api.retrieve(payment.stripe_payment_intent)
    if intent["status"] == "succeeded":
        return "settled" if settle(session, payment, intent, now) else "mismatch"
    if intent["status"] == "canceled":
        fail(session, payment)
        return "failed"
    return "open"


# --- refunds ------------------------------------------------------------------------------------

def refund(session: Session, payment: Payment, caller: dict, reason: str, api,
           now: datetime) -> None:
    """Staff refund a succeeded payment, once, the whole amount; never more than was paid
    (the local server would accept more: the rule is kept here). The row is locked."""
    remaining = payment.amount_jpy - payment.refunded_jpy
    if payment.status != "succeeded" or payment.refunded_at is not None or remaining <= 0:
        raise PaymentNotRefundable(message="only a paid payment, once",
                                   params={"status": payment.status})
    try:
        refunded = api.refund(payment.id, payment.stripe_payment_intent, remaining)
    except stripe.StripeError as failed:
        raise PaymentProviderUnavailable(message=f"Stripe: {failed.user_message or failed}") \
            from None
    payment.status, payment.refunded_jpy, payment.refunded_at = "refunded", remaining, now
    payment.refund_reason, payment.refunded_by = reason, caller["login_id"]
    payment.stripe_refund = refunded.get("id")
    publish(session, payment, "payment_refunded", refunded_jpy=remaining, reason=reason,
            by_login_id=caller["login_id"])


# --- events -------------------------------------------------------------------------------------

def publish(session: Session, payment: Payment, event_type: str, **facts) -> None:
    outbox.record(session, SERVICE, event_type, {
        "cci_code": payment.cci_code, "payment_id": payment.id,
        "trade_registration_number": payment.trade_registration_number,
        "login_id": payment.login_id, "amount_jpy": payment.amount_jpy,
        "application_ids": [line.application_id for line in lines(session, payment)],
        **facts})


# --- what the API shows -------------------------------------------------------------------------

def view(session: Session, payment: Payment,
         its_lines: list[PaymentLine] | None = None) -> dict:
    """The payment as its owner sees it; `its_lines` when the caller has read them already."""
    its_lines = lines(session, payment) if its_lines is None else its_lines
    return {"payment_id": payment.id, "status": payment.status,
            "amount_jpy": payment.amount_jpy,
            "lines": [{"application_id": line.application_id, "fee_jpy": line.fee_jpy,
                       "certificate_no": line.certificate_no,
                       "certificate_type": line.certificate_type}
                      for line in its_lines],
            "paid_at": payment.paid_at, "receipt_no": payment.receipt_no,
            "refunded_jpy": payment.refunded_jpy, "refunded_at": payment.refunded_at,
            "created_at": payment.created_at}


def staff_view(session: Session, payment: Payment,
               its_lines: list[PaymentLine] | None = None) -> dict:
    return {**view(session, payment, its_lines),
            "trade_registration_number": payment.trade_registration_number,
            "login_id": payment.login_id, "refund_reason": payment.refund_reason,
            "refunded_by": payment.refunded_by}


def listing(session: Session, paged: tuple[list[Payment], int, int], describe) -> dict:
    """{items, page, pages} of a page of payments (`page_of`'s answer), each described by
    `describe(session, payment, its_lines)`; the page's lines read in one query."""
    rows, page, pages = paged
    by_payment = lines_of(session, rows)
    return {"items": [describe(session, row, by_payment[row.id]) for row in rows],
            "page": page, "pages": pages}


def staff_list(session: Session, caller: dict, page: int) -> tuple[list[Payment], int, int]:
    """The chamber's payments, newest first."""
    return page_of(session, select(Payment).where(Payment.cci_code == caller["cci_code"]), page)


def own_list(session: Session, caller: dict, page: int) -> tuple[list[Payment], int, int]:
    """ISS-11: the payments the caller sees (a user ID its company's, a sub ID its own),
    newest first."""
    return page_of(session, visible(caller), page)


def page_of(session: Session, query, page: int) -> tuple[list[Payment], int, int]:
    """(rows, page, pages) of a payments query, newest first, PAGE_SIZE a page."""
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = session.scalars(query.order_by(Payment.created_at.desc(), Payment.id)
                           .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))
    return list(rows), page, pages


# --- the month's statement (利用明細) ------------------------------------------------------------

def month_bounds(month: str) -> tuple[datetime, datetime]:
    """The month on Japan's calendar, as aware datetimes [start, end)."""
    year, number = (int(part) for part in month.split("-"))
    start = datetime(year, number, 1, tzinfo=JAPAN)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


def month_payments(session: Session, caller: dict, month: str) -> list[Payment]:
    """ISS-8: the month's paid payments of the registration (a sub ID's own), by payment
    time; refunded ones stay listed with what was refunded."""
    start, end = month_bounds(month)
    return list(session.scalars(visible(caller).where(
        Payment.status.in_(("succeeded", "refunded")), Payment.paid_at >= start,
        Payment.paid_at < end).order_by(Payment.paid_at, Payment.receipt_no)))


def statement_rows(session: Session, payments: list[Payment]) -> list[dict]:
    by_payment = lines_of(session, payments)
    return [{"paid_at": payment.paid_at, "receipt_no": payment.receipt_no,
             "amount_jpy": payment.amount_jpy, "refunded_jpy": payment.refunded_jpy,
             "lines": [{"certificate_no": line.certificate_no,
                        "certificate_type": line.certificate_type, "fee_jpy": line.fee_jpy}
                       for line in by_payment[payment.id]]} for payment in payments]


CSV_HEADER = ("date", "receipt_no", "certificate_numbers", "amount_jpy", "refunded_jpy")


def statement_csv(rows: list[dict]) -> str:
    """The statement as CSV: the payment day (Japan), the receipt number, the certificates
    paid for (space-separated), the amount and what was refunded, then the month's total."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in rows:
        writer.writerow((paid_day(row["paid_at"]).isoformat(), row["receipt_no"],
                         " ".join(line["certificate_no"] for line in row["lines"]),
                         row["amount_jpy"], row["refunded_jpy"]))
    writer.writerow(("total", "", "", sum(r["amount_jpy"] for r in rows),
                     sum(r["refunded_jpy"] for r in rows)))
    return out.getvalue()


def total_jpy(rows: list[dict]) -> int:
    return sum(row["amount_jpy"] - row["refunded_jpy"] for row in rows)


def paid_day(paid_at: datetime) -> date:
    return paid_at.astimezone(JAPAN).date()
