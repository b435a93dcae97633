import base64
from datetime import timedelta

from nameko.timer import timer
from sqlalchemy.exc import IntegrityError

from services.payment import domain, payments
from services.payment.dependencies import (
    PAYMENTS_OPEN,
    Database,
    DefaultFees,
    LogContext,
    Metrics,
    OutboxRelay,
    Stripe,
)
from services.payment.exceptions import CardDeclined, PaymentNotPaid
from services.payment.schemas import (
    ConfirmationResultSchema,
    ConfirmationSchema,
    FeeChangeSchema,
    FeeScheduleSchema,
    IdempotencyKeySchema,
    PaymentListSchema,
    PaymentViewSchema,
    QuoteResultSchema,
    QuoteSchema,
    RefundSchema,
    StaffPaymentListSchema,
    StartPaymentSchema,
    StatementRequestSchema,
)
from tradecert import config
from tradecert.clock import JAPAN, now
from tradecert.entrypoints import HealthCheck, rpc
from tradecert.logs import get_logger
from tradecert.rpc import ServiceRpc
from tradecert.schemas import load

log = get_logger(__name__)


class PaymentService(HealthCheck):
    """Fee schedules per chamber (ISS-6, ISS-11); card payments through Stripe, receipts and
    the month's statements (ISS-8)."""

    name = "payment"

    db = Database()
    outbox = OutboxRelay()
    log_context = LogContext()
    metrics = Metrics(PAYMENTS_OPEN)
    default_fees = DefaultFees()
    stripe = Stripe()
    identity = ServiceRpc("identity")
    issuance = ServiceRpc("issuance")
    registration = ServiceRpc("registration")
    documents = ServiceRpc("documents")

    # --- fees (ISS-11) -------------------------------------------------------------------

    @rpc
    def fees(self, cci_code: str) -> dict:
        data = load(FeeChangeSchema(only=("cci_code",)), {"cci_code": cci_code})
        return FeeScheduleSchema().dump(
            domain.fees(self.db.session, data["cci_code"], self.default_fees))

    @rpc
    def quote(self, cci_code: str, certificate_type: str, membership: str,
              copies: int) -> dict:
        data = load(QuoteSchema(), {"cci_code": cci_code, "certificate_type": certificate_type,
                                    "membership": membership, "copies": copies})
        schedule = domain.fees(self.db.session, data.pop("cci_code"), self.default_fees)
        return QuoteResultSchema().dump(domain.quote(schedule, **data))

    @rpc
    def set_fees(self, cci_code: str, payload: dict, by_login_id: str) -> dict:
        change = load(FeeChangeSchema(), {"cci_code": cci_code, "by_login_id": by_login_id})
        fees = load(FeeScheduleSchema(), payload)
        self.identity.get_chamber(change["cci_code"])  # ChamberNotFound for an unknown one
        with self.db.transaction() as session:
            schedule = domain.set_fees(session, change["cci_code"], fees,
                                       change["by_login_id"], self.default_fees)
        return FeeScheduleSchema().dump(schedule)

    # --- card payments (ISS-8, ISS-11) ---------------------------------------------------

    @rpc
    def start_payment(self, caller: dict, payload: dict,
                      idempotency_key: str | None = None) -> dict:
        data = load(StartPaymentSchema(), payload)
        key = load(IdempotencyKeySchema(), {"idempotency_key": idempotency_key})[
            "idempotency_key"]
        if key and (earlier := payments.by_idempotency_key(self.db.session, caller, key)):
            return self._started(self.db.session, earlier)
        payable = self.issuance.payable(caller, data["application_ids"])
        try:
            with self.db.transaction() as session:
                payment = payments.create(session, caller, payable, key, now())
                payments.attach_intent(payment, self.stripe.create_intent(
                    payment.id, payment.amount_jpy, payment.attempt))
                return self._started(session, payment)
        except IntegrityError:  # the same key at the same moment: the other's payment
            earlier = key and payments.by_idempotency_key(self.db.session, caller, key)
            if not earlier:
                raise
            return self._started(self.db.session, earlier)

    @rpc
    def get_payment(self, caller: dict, payment_id: str) -> dict:
        session = self.db.session
        payment = payments.find(session, caller, payment_id)
        view = payments.view(session, payment)
        if payment.status == "open":
            view.update(self._how_to_pay(payment))
        return PaymentViewSchema().dump(view)

    @rpc
    def list_payments(self, caller: dict, page: int = 1) -> dict:
        session = self.db.session
        return PaymentListSchema().dump(payments.listing(
            session, payments.own_list(session, caller, int(page)), payments.view))

    @rpc
    def confirm(self, caller: dict, payment_id: str, payload: dict) -> dict:
        payment_method = load(ConfirmationSchema(), payload)["payment_method"]
        # a decline is answered 402, and what it changed (a new intent, the event) is kept
        with self.db.transaction(commit_on=(CardDeclined,)) as session:
            payment = payments.find(session, caller, payment_id, lock=True)
            return ConfirmationResultSchema().dump(
                payments.confirm(session, payment, payment_method, self.stripe, now()))

    @rpc
    def webhook(self, payload_text: str, signature_header: str | None) -> dict:
        event = payments.verified_event(self.stripe, payload_text, signature_header)
        with self.db.transaction() as session:
            if not payments.first_time(session, event):
                return {"received": True, "outcome": "duplicate"}
            outcome = payments.on_event(session, event, now())
        log.info("stripe_event", event_id=event["id"], event_type=event["type"],
                 outcome=outcome)
        return {"received": True, "outcome": outcome}

    @timer(interval=30)
    def reconcile_timer(self):
        self.reconcile()

    @rpc
    def reconcile(self, older_than_s: int | None = None) -> dict:
        """Open payments older than PAYMENT.reconcile_after_s are asked from Stripe (a
        webhook may never come): {payment_id: outcome}."""
        after = older_than_s if older_than_s is not None else \
            int(config.section("PAYMENT").get("reconcile_after_s", 120))
        outcomes = {}
        for payment_id in payments.due_for_reconciliation(
                self.db.session, now() - timedelta(seconds=after)):
            with self.db.transaction() as session:
                outcomes[payment_id] = payments.reconcile(session, payment_id, self.stripe,
                                                          now())
        return outcomes

    @rpc
    def receipt(self, caller: dict, payment_id: str) -> dict:
        session = self.db.session
        payment = payments.find(session, caller, payment_id)
        if payment.receipt_no is None:
            raise PaymentNotPaid(message="no receipt before the payment succeeded")
        chamber = self.identity.get_chamber(payment.cci_code)
        payer = self.registration.exporter(payment.cci_code, payment.trade_registration_number)
        view = payments.view(session, payment)
        document = {
            "receipt_no": payment.receipt_no,
            "chamber": {k: chamber[k] for k in ("cci_code", "name_ja", "name_en")},
            "issued_on": payments.paid_day(payment.paid_at).isoformat(),
            "payer": {"name_ja": payer["name_ja"], "name_en": payer["name_en"],
                      "trade_registration_number": payment.trade_registration_number},
            "amount_jpy": payment.amount_jpy,
            "lines": [{k: line[k] for k in ("certificate_no", "certificate_type", "fee_jpy")}
                      for line in view["lines"]],
            "paid_at": payment.paid_at.astimezone(JAPAN).isoformat(),
            "payment_id": payment.id}
        return {"file_id": self.documents.render("receipt", document)["file_id"],
                "receipt_no": payment.receipt_no}

    @rpc
    def statement(self, caller: dict, month: str, fmt: str) -> dict:
        """ISS-8: the month's 利用明細 of the registration (a sub ID's own payments): CSV
        built here, {filename, content_type, data (base64)}; PDF rendered by documents,
        {filename, file_id}."""
        request = load(StatementRequestSchema(), {"month": month, "fmt": fmt})
        session = self.db.session
        rows = payments.statement_rows(
            session, payments.month_payments(session, caller, request["month"]))
        filename = f"statement-{request['month']}.{request['fmt']}"
        if request["fmt"] == "csv":
            data = ("\ufeff" + payments.statement_csv(rows)).encode("utf-8")  # Excel: BOM
            return {"filename": filename, "content_type": "text/csv; charset=utf-8",
                    "data": base64.b64encode(data).decode("ascii")}
        chamber = self.identity.get_chamber(caller["cci_code"])
        registration = self.registration.exporter(caller["cci_code"],
                                                  caller["trade_registration_number"])
        document = {
            "chamber": {k: chamber[k] for k in ("cci_code", "name_ja", "name_en")},
            "month": request["month"],
            "registration": {"name_ja": registration["name_ja"],
                             "trade_registration_number": caller["trade_registration_number"]},
            "payments": [{**row, "paid_at": row["paid_at"].astimezone(JAPAN).isoformat()}
                         for row in rows],
            "total_jpy": payments.total_jpy(rows)}
        return {"filename": filename,
                "file_id": self.documents.render("statement", document)["file_id"]}

    @rpc
    def staff_payments(self, caller: dict, page: int = 1) -> dict:
        session = self.db.session
        return StaffPaymentListSchema().dump(payments.listing(
            session, payments.staff_list(session, caller, int(page)), payments.staff_view))

    @rpc
    def refund(self, caller: dict, payment_id: str, payload: dict) -> dict:
        reason = load(RefundSchema(), payload)["reason"]
        with self.db.transaction() as session:
            payment = payments.staff_find(session, caller, payment_id, lock=True)
            payments.refund(session, payment, caller, reason, self.stripe, now())
            return {"status": payment.status, "refunded_jpy": payment.refunded_jpy}

    # --- helpers --------------------------------------------------------------------------

    def _how_to_pay(self, payment) -> dict:
        public_url = str(config.section("GATEWAY").get("public_url") or "").rstrip("/")
        return {"client_secret": payment.client_secret,
                "publishable_key": self.stripe.publishable_key,
                "checkout_url": f"{public_url}/payments/{payment.id}/checkout"}

    def _started(self, session, payment) -> dict:
        view = payments.view(session, payment)
        view.update(self._how_to_pay(payment))
        return PaymentViewSchema().dump(view)
