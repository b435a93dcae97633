"""A registration after approval (REG-9): the admin's and the signers' page 「登録内容/署名者確認」
(the company as registered, the validity, the renewal, the signers) with the admin's renewal
request, and the chamber staff's renewal queue and renewal form (the registration fee's cash
receipt number, then a confirmation that shows the new end of validity).

Each route names its ID-7 action with `@authorized`, like the API's; the pages show what
registration answers (`status`, `renewal_opens_on`, `renewed_until`) instead of copying its
date rules."""
from urllib.parse import quote

from gateway.auth import authorized
from gateway.forms import stripped
from gateway.http import http
from gateway.pages import (
    errors_of,
    render,
    required,
    see_other,
    session_page,
    staff_page,
    staff_search,
)
from tradecert.errors import Conflict, ValidationFailed

RENEWAL_STATUSES = ("requested", "renewed", "all")
RENEW_FIELDS = ("registration_fee_receipt_no",)


def renewal_path(number: str) -> str:
    return f"/staff/renewals/{quote(number, safe='')}"


def receipt_of(request) -> tuple[dict, dict]:
    """The renewal form: the registration fee's receipt number, required."""
    values = stripped(request.form, *RENEW_FIELDS)
    return values, required(request, values, *RENEW_FIELDS)


class RenewalPages:
    # --- admin and user IDs -------------------------------------------------------------------

    @http("GET", "/me/registration", page=True)
    @session_page
    @authorized("registration.view")
    def registration_page(self, request, caller):
        return self._registration(request, caller)

    @http("POST", "/me/registration/renewal", page=True)
    @session_page
    @authorized("registration.renew")
    def registration_renewal_submit(self, request, caller):
        """REG-9: the request goes to the chamber's renewal queue."""
        try:
            self.registration.request_renewal(caller)
        except Conflict as exc:  # not open yet
            alert, _ = errors_of(request, exc)
            return self._registration(request, caller, status=exc.status, alert=alert)
        return see_other("/me/registration", "renewal_requested")

    def _registration(self, request, caller, status=200, **context):
        return render(request, "renewal/registration.html", status=status, account=caller,
                      registration=self.registration.registration_view(caller), **context)

    # --- chamber staff ------------------------------------------------------------------------

    @http("GET", "/staff/renewals", page=True)
    @staff_page
    @authorized("staff.review")
    def staff_renewals_page(self, request, caller):
        """The queue (own chamber, oldest request first) and the search by trade registration
        number, for a renewal at the counter without a request."""
        status = request.args.get("status", "requested")
        status = status if status in RENEWAL_STATUSES else "requested"
        values = {"status": status}
        number, context = staff_search(
            request, values, lambda n: self.registration.staff_registration(caller, n),
            "error.registration_not_found")
        if number:
            return see_other(renewal_path(number))
        queue = self.registration.staff_renewals(caller, None if status == "all" else status)
        return render(request, "renewal/staff_queue.html", account=caller, queue=queue,
                      values=values, statuses=RENEWAL_STATUSES, **context)

    @http("GET", "/staff/renewals/<number>", page=True)
    @staff_page
    @authorized("staff.review")
    def staff_renewal_page(self, request, caller, number):
        return self._staff_renewal(request, caller, number)

    @http("POST", "/staff/renewals/<number>/confirm", page=True)
    @staff_page
    @authorized("staff.review")
    def staff_renewal_confirm(self, request, caller, number):
        """The confirmation: the receipt number and the new end of validity, before renewing."""
        values, errors = receipt_of(request)
        return self._staff_renewal(request, caller, number, status=422 if errors else 200,
                                   values=values, errors=errors, confirming=not errors)

    @http("POST", "/staff/renewals/<number>", page=True)
    @staff_page
    @authorized("staff.review")
    def staff_renewal_submit(self, request, caller, number):
        """REG-9: renew; the admin is mailed."""
        values, errors = receipt_of(request)
        if not errors:
            try:
                self.registration.renew(caller, number, values)
            except (ValidationFailed, Conflict) as exc:
                alert, errors = errors_of(request, exc)
                return self._staff_renewal(request, caller, number, status=exc.status,
                                           values=values, alert=alert, errors=errors)
            return see_other(renewal_path(number), "renewed")
        return self._staff_renewal(request, caller, number, status=422, values=values,
                                   errors=errors)

    def _staff_renewal(self, request, caller, number, status=200, **context):
        return render(request, "renewal/staff_renewal.html", status=status, account=caller,
                      registration=self.registration.staff_registration(caller, number),
                      **context)
