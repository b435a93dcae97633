"""The chamber staff's trade registration pages (REG-7, REG-8): the queue and the search by
application number (typed, or scanned from the forms' QR code: a hand scanner types it),
one application with everything entered and its forms, each signer's scanned signature,
returning it with a reason, and the approval with the trade registration certificate.

Each route names its ID-7 action with `@authorized("staff.review")`, like the API's staff
routes; `@staff_page` turns "not logged in" into the chamber's login page (as the account
pages do) and comes back here after the login."""
import base64
import functools
import re
import unicodedata
from urllib.parse import quote

from werkzeug.utils import redirect

from gateway import web
from gateway.auth import authorized
from gateway.http import http
from gateway.routes.account_pages import see_other, session_page
from gateway.routes.registration import MAX_SCAN_BYTES
from gateway.routes.registration_pages import errors_of, forms_of, render, required, translate
from tradecert.errors import Conflict, NotFound, Unauthorized, ValidationFailed

QUEUE_STATUSES = ("submitted", "returned", "draft", "approved", "all")
APPROVAL = "registration_approval"  # the last approval's result, for its result page
# What scanners give (REG-7); the documents service reads the image itself and says why
# it refuses one, this only spares it what is plainly no image.
IMAGE_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")
NUMBER_PATTERN = re.compile(r"^[A-Z0-9-]{1,40}$")


def normalise_number(text: str) -> str:
    """An application number as typed or scanned: full-width characters from a Japanese
    keyboard (or a scanner behind an IME) and stray spaces still find it."""
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", text)).upper()


def staff_path(number: str, suffix: str = "") -> str:
    return f"/staff/registrations/{quote(number, safe='')}{suffix}"


def staff_page(fn):
    """`session_page` (a 401 goes to the chamber's login page with the reason); when this
    browser has never logged in, to the login page of the only chamber there is, else a
    choice of chambers."""
    inner = session_page(fn)

    @functools.wraps(fn)  # keeps `.action` for the route table
    def route(self, request, **kwargs):
        try:
            return inner(self, request, **kwargs)
        except Unauthorized:
            back = request.full_path.rstrip("?") if request.method == "GET" \
                else "/staff/registrations"
            chambers = self.identity.list_chambers()
            if len(chambers) == 1:
                return see_other(f"/c/{chambers[0]['cci_code']}/login", "unauthorized",
                                 next=back)
            return render(request, "staff_login.html", status=401, chambers=chambers,
                          back=back)

    return route


class RegistrationStaffPages:
    @http("GET", "/staff/registrations", page=True)
    @staff_page
    @authorized("staff.review")
    def staff_registrations(self, request, caller):
        status = request.args.get("status", "submitted")
        status = status if status in QUEUE_STATUSES else "submitted"
        values, errors, alert, code = {"status": status}, {}, None, 200
        if "number" in request.args:  # the search box
            number = values["number"] = normalise_number(request.args["number"])
            if not number:
                errors, code = required(request, "number"), 422
            else:
                try:
                    if not NUMBER_PATTERN.match(number):
                        raise NotFound(message="not an application number")
                    self.registration.staff_application(caller, number)
                except NotFound:
                    alert, code = translate(request, "error.application_not_found"), 404
                else:
                    return see_other(staff_path(number))
        queue = self.registration.staff_queue(caller, None if status == "all" else status)
        return render(request, "staff_queue.html", status=code, account=caller, queue=queue,
                      values=values, errors=errors, alert=alert, statuses=QUEUE_STATUSES)

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
        upload = request.files.get("signature")
        data = upload.read(MAX_SCAN_BYTES + 1) if upload else b""
        field = f"signers.{signer_id}.signature"
        if not data:
            errors = {field: [translate(request, "Choose the scanned image of the signature "
                                                 "box.")]}
        elif not data.startswith(IMAGE_SIGNATURES):
            errors = {field: [translate(request, "signature_image_type")]}
        elif len(data) > MAX_SCAN_BYTES:
            errors = {field: [translate(request, "signature_image_too_large")]}
        else:
            try:
                self.registration.upload_signature(caller, number, signer_id,
                                                   base64.b64encode(data).decode("ascii"))
            except ValidationFailed as exc:
                alert, fields = errors_of(request, exc)
                errors = {field: fields.get("signature") or [alert]}
            else:
                return redirect(staff_path(number, "?notice=signature_registered#signers"),
                                code=303)
        return self._staff_application(request, caller, number, status=422, errors=errors)

    @http("POST", "/staff/registrations/<number>/return", page=True)
    @staff_page
    @authorized("staff.review")
    def staff_registration_return(self, request, caller, number):
        """Back to the applicant with a reason; the service mails it with a link."""
        reason = request.form.get("reason", "").strip()
        values = {"reason": reason}
        if not reason:
            return self._staff_application(request, caller, number, status=422, values=values,
                                           errors=required(request, "reason"))
        try:
            self.registration.return_application(caller, number, {"reason": reason})
        except (ValidationFailed, Conflict) as exc:
            alert, errors = errors_of(request, exc)
            return self._staff_application(request, caller, number, status=exc.status,
                                           values=values, alert=alert, errors=errors)
        return see_other(staff_path(number), "returned")

    @http("POST", "/staff/registrations/<number>/approval", page=True)
    @staff_page
    @authorized("staff.review")
    def staff_registration_approve(self, request, caller, number):
        """REG-8: approve with the cash receipt number of the registration fee."""
        receipt = request.form.get("registration_fee_receipt_no", "").strip()
        values = {"registration_fee_receipt_no": receipt}
        if not receipt:
            return self._staff_application(request, caller, number, status=422, values=values,
                                           errors=required(request, "registration_fee_receipt_no"))
        try:
            result = self.registration.approve(caller, number,
                                               {"registration_fee_receipt_no": receipt})
        except (ValidationFailed, Conflict) as exc:  # e.g. a signature not uploaded yet
            alert, errors = errors_of(request, exc)
            return self._staff_application(request, caller, number, status=exc.status,
                                           values=values, alert=alert, errors=errors)
        session = web.load_session(request)
        session.update({APPROVAL: {"application_number": number, **result}, "changed": True})
        response = see_other(staff_path(number, "/approved"))
        web.save_session(response, session)
        return response

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
        return render(request, "staff_approved.html", account=caller, application=application,
                      result=result)

    def _staff_application(self, request, caller, number, status=200, **context):
        application = self.registration.staff_application(caller, number)
        forms = forms_of(application) if application["company"] else ()
        shown = request.args.get("form", forms[0] if forms else "")
        return render(request, "staff_application.html", status=status, account=caller,
                      application=application, forms=forms,
                      shown=shown if shown in forms else (forms[0] if forms else None),
                      **context)
