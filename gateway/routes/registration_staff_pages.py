"""The chamber staff's trade registration pages (REG-7, REG-8): the queue and the search by
application number (typed, or scanned from the forms' QR code: a hand scanner types it),
one application with everything entered and its forms, each signer's scanned signature,
returning it with a reason, and the approval with the trade registration certificate.

Each route names its ID-7 action with `@authorized("staff.review")`, like the API's staff
routes; `@staff_page` turns "not logged in" into the chamber's login page (as the account
pages do) and comes back here after the login."""
from urllib.parse import quote

from gateway import web
from gateway.auth import authorized
from gateway.forms.registration import looks_like_number, normalise_number
from gateway.http import http
from gateway.i18n import translate
from gateway.pages import (
    chosen_status,
    errors_of,
    remember,
    render,
    required,
    return_with_reason,
    scanned_signature,
    see_other,
    staff_page,
)
from tradecert.errors import Conflict, ValidationFailed

QUEUE_STATUSES = ("submitted", "returned", "draft", "approved", "all")
APPROVAL = "registration_approval"  # the last approval's result, for its result page


def staff_path(number: str, suffix: str = "") -> str:
    return f"/staff/registrations/{quote(number, safe='')}{suffix}"


class RegistrationStaffPages:
    @http("GET", "/staff/registrations", page=True)
    @staff_page
    @authorized("staff.review")
    def staff_registrations(self, request, caller):
        status = chosen_status(request, QUEUE_STATUSES)
        values, errors, alert, code, matches = {"status": status}, {}, None, 200, None
        if "number" in request.args:  # the search box: a whole number, or its last digits
            number = values["number"] = normalise_number(request.args["number"])
            if not number:
                errors, code = required(request, values, "number"), 422
            else:
                matches = self.registration.staff_search(caller, number) \
                    if looks_like_number(number) else []
                if len(matches) == 1:
                    return see_other(staff_path(matches[0]["application_number"]))
                if not matches:
                    alert, code = translate(request, "error.application_not_found"), 404
        queue = self.registration.staff_queue(caller, None if status == "all" else status)
        return render(request, "registration/staff_queue.html", status=code, account=caller,
                      queue=queue, values=values, errors=errors, alert=alert,
                      statuses=QUEUE_STATUSES, matches=matches)

    @http("GET", "/staff/registrations/<number>", page=True)
    @staff_page
    @authorized("staff.review")
    def staff_registration(self, request, caller, number):
        return self._staff_application(request, caller, number)

    @http("POST", "/staff/registrations/<number>/signers/<signer_id>/signature", page=True)
    @staff_page
    @authorized("staff.review")
    def staff_registration_signature(self, request, caller, number, signer_id):
        """REG-7: the scanned box of one signer; refused with the reason (touching the frame,
        empty, unreadable)."""
        # REG-7: the largest scan documents reads, as registration's view says
        max_bytes = self.registration.staff_application(caller, number)[
            "max_signature_scan_bytes"]
        errors = scanned_signature(request, signer_id, max_bytes, lambda scan: (
            self.registration.upload_signature(caller, number, signer_id, scan)))
        if not errors:
            return see_other(staff_path(number), "signature_registered", "signers")
        return self._staff_application(request, caller, number, status=422, errors=errors)

    @http("POST", "/staff/registrations/<number>/return", page=True)
    @staff_page
    @authorized("staff.review")
    def staff_registration_return(self, request, caller, number):
        """Back to the applicant with a reason; the service mails it with a link."""
        return return_with_reason(
            request, lambda body: self.registration.return_application(caller, number, body),
            lambda **context: self._staff_application(request, caller, number, **context),
            lambda: see_other(staff_path(number), "returned"))

    @http("POST", "/staff/registrations/<number>/approval", page=True)
    @staff_page
    @authorized("staff.review")
    def staff_registration_approve(self, request, caller, number):
        """REG-8: approve with the cash receipt number of the registration fee."""
        receipt = request.form.get("registration_fee_receipt_no", "").strip()
        values = {"registration_fee_receipt_no": receipt}
        if not receipt:
            return self._staff_application(request, caller, number, status=422, values=values,
                                           errors=required(request, values,
                                                           "registration_fee_receipt_no"))
        if request.form.get("confirm") != "yes":  # asks first (issue 9): it cannot be undone
            return self._staff_application(request, caller, number, values=values,
                                           confirm_approval=True)
        try:
            result = self.registration.approve(caller, number,
                                               {"registration_fee_receipt_no": receipt})
        except (ValidationFailed, Conflict) as exc:  # e.g. a signature not uploaded yet
            alert, errors = errors_of(request, exc)
            return self._staff_application(request, caller, number, status=exc.status,
                                           values=values, alert=alert, errors=errors)
        return remember(request, see_other(staff_path(number, "/approved")),
                        **{APPROVAL: {"application_number": number, **result}})

    @http("GET", "/staff/registrations/<number>/approved", page=True)
    @staff_page
    @authorized("staff.review")
    def staff_registration_approved(self, request, caller, number):
        """The result: the trade registration number, its validity, the admin ID, and the
        trade registration certificate (with the initial password) in the page."""
        application = self.registration.staff_application(caller, number)
        if application["status"] != "approved":
            return see_other(staff_path(number))
        result = web.load_session(request).get(APPROVAL) or {}
        if result.get("application_number") != number:
            result = {}  # another browser: the certificate says it all
        return render(request, "registration/staff_approved.html", account=caller,
                      application=application, result=result)

    def _staff_application(self, request, caller, number, status=200, **context):
        application = self.registration.staff_application(caller, number)
        forms = application["forms"]
        shown = request.args.get("form", forms[0] if forms else "")
        return render(request, "registration/staff_application.html", status=status, account=caller,
                      application=application, forms=forms,
                      shown=shown if shown in forms else (forms[0] if forms else None),
                      **context)
