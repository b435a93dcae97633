"""Payment's pages (ISS-8, ISS-11): several certified applications paid at once
(/payments/new?application_ids=...: the list, the total, a "pay" button), the checkout page at
the payment's `checkout_url` (the card taken by Stripe.js, confirmed on the server through
the API's /confirmation, 3-D Secure, a decline shown and another card tried), the result with
the receipt link; the caller's payments with their receipts and the monthly statements;
staff's list of the chamber's payments with a refund form.

Only the checkout page loads Stripe.js, from PAYMENT.stripe.js_url (the local server's
stand-in in development, https://js.stripe.com/v3/ in production): its Content-Security-
Policy adds that script's origin (and the API's, which Stripe.js calls) for this page only."""
from datetime import date
from urllib.parse import urlsplit

from gateway.auth import authorized
from gateway.http import http, page_argument
from gateway.pages import errors_of, render, see_other, session_page, staff_page
from gateway.security import PAGE_POLICY
from services.payment.interfaces import stripe_settings
from tradecert.clock import japan_today
from tradecert.errors import Conflict, NotFound, ValidationFailed


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def checkout_policy() -> str:
    """The page policy with Stripe.js's origin for scripts, frames and its API calls."""
    settings = stripe_settings()
    js, api = origin(settings["js_url"]), origin(settings["api_base"])
    extra = {"script-src": js, "frame-src": js, "connect-src": f"{js} {api}"}
    parts = []
    for part in PAGE_POLICY.split("; "):
        name = part.split(" ", 1)[0]
        parts.append(f"{part} {extra.pop(name)}" if name in extra else part)
    parts += [f"{name} 'self' {value}" for name, value in extra.items()]
    return "; ".join(parts)


def recent_months(today: date, count: int) -> list[str]:
    """`YYYY-MM` of today's month and the `count - 1` before it, newest first."""
    year, month, months = today.year, today.month, []
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months


class PaymentPages:
    @http("GET", "/payments/new", page=True)
    @session_page
    @authorized("payments.pay")
    def payment_new_page(self, request, caller):
        """The chosen applications (the list's checkboxes send `application_ids`) and their
        total; "pay" starts one payment of all of them."""
        ids = [i for i in request.args.getlist("application_ids") if i][:50]
        items = []
        for application_id in ids:
            try:
                items.append(self.issuance.get_application(caller, application_id))
            except NotFound:
                continue
        return render(request, "payment/new.html", account=caller, items=items,
                      total=sum(i.get("fee_jpy") or 0 for i in items))

    @http("POST", "/payments", page=True)
    @session_page
    @authorized("payments.pay")
    def payment_start_page(self, request, caller):
        ids = request.form.getlist("application_ids")
        try:
            started = self.payment.start_payment(caller, {"application_ids": ids},
                                                 request.form.get("idempotency_key") or None)
        except (ValidationFailed, Conflict, NotFound) as exc:
            alert, errors = errors_of(request, exc)
            return render(request, "payment/new.html", status=exc.status, account=caller,
                          items=[], total=0, alert=alert, errors=errors)
        return see_other(f"/payments/{started['payment_id']}/checkout")

    @http("GET", "/payments/<payment_id>/checkout", page=True)
    @session_page
    @authorized("payments.pay")
    def payment_checkout_page(self, request, caller, payment_id):
        payment = self.payment.get_payment(caller, payment_id)
        if payment["status"] != "open":
            return see_other(f"/payments/{payment_id}")
        response = render(request, "payment/checkout.html", account=caller, payment=payment,
                          stripe_js=stripe_settings().get("js_url"))
        response.headers["Content-Security-Policy"] = checkout_policy()
        return response

    @http("GET", "/payments", page=True)
    @session_page
    @authorized("payments.pay")
    def payments_page(self, request, caller):
        """ISS-8, ISS-11: the caller's payments a page at a time, each with its receipt, and
        the statements (利用明細) of this month and the eleven before, as PDF and CSV."""
        return render(request, "payment/list.html", account=caller,
                      payments=self.payment.list_payments(caller, page_argument(request)),
                      months=recent_months(japan_today(), 12))

    @http("GET", "/payments/<payment_id>", page=True)
    @session_page
    @authorized("payments.pay")
    def payment_result_page(self, request, caller, payment_id):
        return render(request, "payment/result.html", account=caller,
                      payment=self.payment.get_payment(caller, payment_id))

    @http("GET", "/staff/payments", page=True)
    @staff_page
    @authorized("staff.review")
    def staff_payments_page(self, request, caller):
        return render(request, "payment/staff.html", account=caller,
                      payments=self.payment.staff_payments(caller, page_argument(request)))

    @http("POST", "/staff/payments/<payment_id>/refund", page=True)
    @staff_page
    @authorized("staff.review")
    def staff_refund_page(self, request, caller, payment_id):
        try:
            self.payment.refund(caller, payment_id, {"reason": request.form.get("reason", "")})
        except (ValidationFailed, Conflict) as exc:
            alert, errors = errors_of(request, exc)
            return render(request, "payment/staff.html", status=exc.status, account=caller,
                          payments=self.payment.staff_payments(caller, 1), alert=alert,
                          errors=errors)
        return see_other("/staff/payments")
