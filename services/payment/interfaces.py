"""payment's contract: the RPC methods others may call (`ServiceRpc("payment")`) and the events
it publishes (ARCHITECTURE: services/payment/; API.md "Payment").

Card payments (ISS-8, ISS-11): `caller` is the context identity's `authorize` gave the
gateway; a user ID pays and sees any of its company's applications and payments, a sub ID
only its own; staff see their own chamber's. One Stripe PaymentIntent in yen per payment.

Fees (ISS-6, ISS-11; API.md "Payment"): yen, tax included, `{co, signature, copy}` each
`{member, non_member}` (services/payment/schemas.py FeeScheduleSchema). A chamber that has
set none charges config.yaml's PAYMENT.default_fees_jpy."""
from typing import Protocol

from marshmallow import Schema, fields

from tradecert import config, outbox
from tradecert.schemas import CCI_CODE

SERVICE = "payment"

#: The RPCs that take seconds by design (they render PDFs through documents): callers wait
#: RPC.slow_timeout_s for them (the gateway GATEWAY.rpc_slow_timeout_s), for any other
#: RPC.timeout_s (issue 12).
SLOW_CALLS = frozenset({"receipt", "statement"})


def stripe_settings() -> dict:
    """config.yaml's PAYMENT.stripe, for payment and for the gateway's checkout page: the API
    base (the local server in development and tests: API.md "Local Stripe"), the keys, the
    webhook's signing secret, and Stripe.js's URL (the local server's stand-in under its
    API base unless set: production sets https://js.stripe.com/v3/)."""
    settings = config.section("PAYMENT").get("stripe") or {}
    base = str(settings.get("api_base") or "http://127.0.0.1:8420").rstrip("/")
    return {"api_base": base,
            "secret_key": str(settings.get("secret_key") or "sk_test_local"),
            "publishable_key": str(settings.get("publishable_key") or "pk_test_local"),
            "webhook_secret": str(settings.get("webhook_secret") or "whsec_local"),
            "js_url": str(settings.get("js_url") or f"{base}/js.stripe.com/v3/")}


class PaymentRpc(Protocol):
    """Every RPC of `payment` (services/payment/service.py implements each)."""

    def fees(self, cci_code: str) -> dict:
        """ISS-11: the chamber's fee schedule, FeeScheduleSchema: {co: {member, non_member},
        signature: {...}, copy: {...}} (ints, yen, tax included; `copy` is per extra copy);
        the configured default when the chamber has set none. Whether the chamber exists is
        identity's to say (get_chamber): any well-formed code is answered. Raises
        ValidationFailed (`cci_code`)."""

    def quote(self, cci_code: str, certificate_type: str, membership: str,
              copies: int) -> dict:
        """ISS-6, API.md: the fee of one application at today's schedule, QuoteResultSchema:
        {fee_jpy, certificate_jpy, copy_jpy, copies, membership}, fee_jpy = certificate_jpy
        + copies × copy_jpy. `certificate_type`: co_japan | co_foreign (the "co" fee) |
        signature; `membership`: member | non_member (the registration's); `copies`: 0 … 5
        extra copies (ISS-12). The caller keeps the fee it fixes (issuance, when certified):
        a later change of the schedule does not alter it. Raises ValidationFailed naming
        each bad argument (`certificate_type_unknown`, `copies_range`, ...)."""

    def set_fees(self, cci_code: str, payload: dict, by_login_id: str) -> dict:
        """ISS-11: replace the chamber's schedule with FeeScheduleSchema `payload` (all six
        amounts required, whole yen 0 … 1,000,000) and record the change (by_login_id, when,
        before and after) in its history; returns the new schedule as `fees` answers it.
        Raises ChamberNotFound (identity's, 404), ValidationFailed naming each field."""

    def start_payment(self, caller: dict, payload: dict,
                      idempotency_key: str | None = None) -> dict:
        """StartPaymentSchema {application_ids} (certified, unpaid, the caller's: issuance's
        `payable`) → PaymentViewSchema {payment_id, status: open, amount_jpy (the sum of the
        fees fixed at certification), lines, client_secret, publishable_key, checkout_url}.
        The same `idempotency_key` from the same ID answers the same payment. Raises
        ApplicationNotFound (404), ApplicationNotPayable / ApplicationAlreadyPaying (409,
        `application_ids.N`), ValidationFailed."""

    def get_payment(self, caller: dict, payment_id: str) -> dict:
        """PaymentViewSchema {status, amount_jpy, lines, paid_at, receipt_no, ...}; how to
        pay while open. Raises PaymentNotFound."""

    def list_payments(self, caller: dict, page: int = 1) -> dict:
        """ISS-11: the payments the caller sees (a user ID its company's, a sub ID its own),
        newest first: PaymentListSchema {items, page, pages}."""

    def confirm(self, caller: dict, payment_id: str, payload: dict) -> dict:
        """ConfirmationSchema {payment_method} → {status: succeeded | requires_action |
        processing, client_secret?}. Raises CardDeclined (402; the payment stays open;
        `payment_failed` published), PaymentNotOpen (409), PaymentNotFound."""

    def webhook(self, payload_text: str, signature_header: str | None) -> dict:
        """Stripe's event, its signature checked with PAYMENT.stripe.webhook_secret; each
        event id acted on once; `payment_intent.succeeded` settles its payment once.
        {received: true, outcome}. Raises WebhookInvalid (400; nothing stored)."""

    def reconcile(self, older_than_s: int | None = None) -> dict:
        """Open payments older than that asked from Stripe and settled (also a timer):
        {payment_id: outcome}."""

    def receipt(self, caller: dict, payment_id: str) -> dict:
        """The receipt (領収書) PDF rendered by documents (kind `receipt`): {file_id,
        receipt_no}. Raises PaymentNotPaid (409), PaymentNotFound."""

    def statement(self, caller: dict, month: str, fmt: str) -> dict:
        """The month's (YYYY-MM, Japan) statement (利用明細) of the registration: `csv`
        {filename, content_type, data (base64)}, `pdf` {filename, file_id} (documents kind
        `statement`). Raises ValidationFailed (`month`, `fmt`)."""

    def staff_payments(self, caller: dict, page: int = 1) -> dict:
        """The staff's chamber's payments, newest first: StaffPaymentListSchema."""

    def refund(self, caller: dict, payment_id: str, payload: dict) -> dict:
        """RefundSchema {reason} → {status: refunded, refunded_jpy}: the whole amount, once
        (`payment_refunded` published). Raises PaymentNotRefundable (409), PaymentNotFound."""

    def health(self) -> dict:
        """{service, status: ok} when the database answers."""

    def echo(self) -> dict:
        """{service, ok: true} at once, touching nothing: the RPC round trip alone."""


class PaymentEvent(Schema):
    """Every payment event (ISS-8, ISS-11): whose payment, for notify to ask identity's
    account_contact (`login_id`: the paying user or sub ID) and issuance to mark its
    applications."""

    cci_code = fields.String(required=True, validate=CCI_CODE)
    payment_id = fields.String(required=True)
    trade_registration_number = fields.String(required=True)
    login_id = fields.String(required=True)
    amount_jpy = fields.Integer(required=True)
    application_ids = fields.List(fields.String(), required=True)


class PaymentSucceeded(PaymentEvent):
    """`payment_succeeded`: charged once; issuance marks every application in it `paid`
    (its print window starts at `paid_at`); the receipt `receipt_no` exists."""

    paid_at = fields.AwareDateTime(required=True)
    receipt_no = fields.String(required=True)


class PaymentFailed(PaymentEvent):
    """`payment_failed`: the card was declined or the payment failed (`code`, Stripe's
    decline code or error code); the payment stays open for another card."""

    code = fields.String(required=True)


class PaymentRefunded(PaymentEvent):
    """`payment_refunded`: staff (`by_login_id`) refunded `refunded_jpy` for `reason`."""

    refunded_jpy = fields.Integer(required=True)
    reason = fields.String(required=True)
    by_login_id = fields.String(required=True)


EVENTS = {
    "payment_succeeded": PaymentSucceeded,
    "payment_failed": PaymentFailed,
    "payment_refunded": PaymentRefunded,
}

outbox.register_events(SERVICE, EVENTS)
