"""Payment (API.md "Payment"; ISS-8, ISS-11): card payments of certified applications through
Stripe, the confirmation with a PaymentMethod, Stripe's webhook, receipts and the month's
statements; staff's list of payments and refunds. Thin: parse, RPC, answer."""
import base64

from werkzeug.wrappers import Response

from gateway.auth import authorized, public
from gateway.http import http, json_body, json_response, page_argument, pdf_response
from gateway.openapi import doc
from services.payment.schemas import (
    ConfirmationResultSchema,
    ConfirmationSchema,
    PaymentListSchema,
    PaymentViewSchema,
    RefundSchema,
    StaffPaymentListSchema,
    StartPaymentSchema,
)

TAGS = ["payment"]
STAFF_TAGS = ["payment: chamber staff"]
BASE = "/api/v1/payments"
STAFF_BASE = "/api/v1/staff/payments"


class PaymentRoutes:
    @http("POST", BASE)
    @doc("Pay for certified applications (one or many) by card: one PaymentIntent in yen; "
         "the `Idempotency-Key` header makes a retry answer the same payment; an application "
         "already paid or in an open payment 409", request=StartPaymentSchema,
         response=PaymentViewSchema, status=201, errors=[401, 403, 404, 409, 422], tags=TAGS)
    @authorized("payments.pay")
    def start_payment(self, request, caller):
        return json_response(self.payment.start_payment(
            caller, json_body(request), request.headers.get("Idempotency-Key") or None), 201)

    @http("GET", BASE)
    @doc("The caller's payments (a user ID its company's, a sub ID its own), newest first, "
         "a page at a time (`?page=`)", response=PaymentListSchema, errors=[401, 403],
         tags=TAGS)
    @authorized("payments.pay")
    def list_payments(self, request, caller):
        return json_response(self.payment.list_payments(caller, page_argument(request)))

    @http("GET", BASE + "/<payment_id>")
    @doc("A payment: status, amount, lines, when paid, the receipt number",
         response=PaymentViewSchema, errors=[401, 403, 404], tags=TAGS)
    @authorized("payments.pay")
    def get_payment(self, request, caller, payment_id):
        return json_response(self.payment.get_payment(caller, payment_id))

    @http("POST", BASE + "/<payment_id>/confirmation")
    @doc("Pay with a PaymentMethod (made by Stripe.js or Stripe's API): succeeded, "
         "requires_action (3-D Secure, with the client secret) or processing; a declined "
         "card 402 card_declined, the payment stays open", request=ConfirmationSchema,
         response=ConfirmationResultSchema, errors=[401, 402, 403, 404, 409, 422], tags=TAGS)
    @authorized("payments.pay")
    def confirm_payment(self, request, caller, payment_id):
        return json_response(self.payment.confirm(caller, payment_id, json_body(request)))

    @http("GET", BASE + "/<payment_id>/receipt.pdf")
    @doc("The receipt (領収書) of a succeeded payment", errors=[401, 403, 404, 409],
         tags=TAGS)
    @authorized("payments.pay")
    def payment_receipt(self, request, caller, payment_id):
        rendered = self.payment.receipt(caller, payment_id)
        return pdf_response(self.documents.fetch(rendered["file_id"]),
                            f"receipt-{rendered['receipt_no']}.pdf")

    @http("GET", "/api/v1/statements/<month>.csv")
    @doc("The month's statement (利用明細, YYYY-MM) of the registration as CSV: date, "
         "receipt_no, certificate_numbers, amount_jpy, refunded_jpy", errors=[401, 403, 422],
         tags=TAGS)
    @authorized("payments.pay")
    def statement_csv(self, request, caller, month):
        built = self.payment.statement(caller, month, "csv")
        return Response(base64.b64decode(built["data"]), content_type=built["content_type"],
                        headers={"Content-Disposition":
                                 f'attachment; filename="{built["filename"]}"',
                                 "Cache-Control": "private, no-store"})

    @http("GET", "/api/v1/statements/<month>.pdf")
    @doc("The month's statement (利用明細, YYYY-MM) of the registration as PDF",
         errors=[401, 403, 422], tags=TAGS)
    @authorized("payments.pay")
    def statement_pdf(self, request, caller, month):
        built = self.payment.statement(caller, month, "pdf")
        return pdf_response(self.documents.fetch(built["file_id"]), built["filename"])

    @http("POST", "/api/v1/webhooks/stripe")
    @doc("Stripe's events: the `Stripe-Signature` is checked with the endpoint's secret (a "
         "bad or old one 400, nothing stored); each event acted on once",
         errors=[400], tags=TAGS)
    @public
    def stripe_webhook(self, request):
        return json_response(self.payment.webhook(request.get_data(as_text=True),
                                                  request.headers.get("Stripe-Signature")))

    # --- chamber staff --------------------------------------------------------------------

    @http("GET", STAFF_BASE)
    @doc("The chamber's payments, newest first", response=StaffPaymentListSchema,
         errors=[401, 403], tags=STAFF_TAGS)
    @authorized("staff.review")
    def staff_payments(self, request, caller):
        return json_response(self.payment.staff_payments(caller, page_argument(request)))

    @http("POST", STAFF_BASE + "/<payment_id>/refund")
    @doc("Refund a paid payment with a reason, once (a second 409), the whole amount",
         request=RefundSchema, errors=[401, 403, 404, 409, 422], tags=STAFF_TAGS)
    @authorized("staff.review")
    def refund_payment(self, request, caller, payment_id):
        return json_response(self.payment.refund(caller, payment_id, json_body(request)))
