"""The chamber staff's issuance pages (ISS-2, ISS-7, ISS-13): the queue of their own chamber's
applications (submitted ones oldest first, a status filter, pages of the service's size), and
the review page: the application box by box beside its attachments and the signer's registered
signature, its status history, and what staff do with it: certify (after a confirmation: the
certificate number, issue date and fee, and the signed PDF), return it with a reason, revoke a
certificate with a reason (after a confirmation).

The pages ask issuance's staff RPCs, as the JSON API does (gateway/routes/issuance.py); the
files (attachments, the signature image, the certified PDF) open from the API's staff routes,
which take the page's session as well as a Bearer token (gateway/auth.py `credential_of`).
A refusal (409: certified meanwhile, the signer's ID no longer works, the registration has
expired) is shown on the page, not as an error page. Each route names its ID-7 action with
`@authorized("staff.review")`, as the API's staff routes do."""
from urllib.parse import quote

from gateway.auth import authorized
from gateway.http import http, page_argument
from gateway.i18n import translate
from gateway.pages import (
    chosen_status,
    errors_of,
    render,
    required,
    see_other,
    staff_page,
)
from services.issuance.interfaces import STATUSES
from services.issuance.schemas import REMARK_TITLE_LABELS, TRANSPORT_LABELS
from tradecert.errors import Conflict, ValidationFailed

# Staff never see drafts (the applicant's alone until submitted): every other status, and all.
QUEUE_STATUSES = (*(status for status in STATUSES if status != "draft"), "all")
API_BASE = "/api/v1/staff/applications"
# What a refusal means to staff on the review page (the API's texts speak to applicants); any
# other refusal is shown as the service's error says it.
STAFF_REFUSALS = {
    "application_locked": "This application has changed meanwhile (another member of staff "
                          "dealt with it, or the applicant withdrew it): nothing was done. "
                          "Here it is as it is now.",
    "registration_expired": "The trade registration has expired: it cannot be certified "
                            "until the registration is renewed.",
    "signer_unavailable": "The signer's ID no longer works (removed from the registration, "
                          "or locked): nothing can be certified with this signer.",
}


def review_path(application_id: str, suffix: str = "") -> str:
    return f"/staff/applications/{quote(application_id, safe='')}{suffix}"


def refusal_of(request, exc) -> tuple[str, dict]:
    """A service's refusal as the review page's alert (in staff's words where it has them)
    and each field's messages."""
    alert, errors = errors_of(request, exc)
    if exc.code in STAFF_REFUSALS:
        alert = translate(request, STAFF_REFUSALS[exc.code])
    return alert, errors


class IssuanceStaffPages:
    @http("GET", "/staff/applications", page=True)
    @staff_page
    @authorized("staff.review")
    def staff_issuance_queue_page(self, request, caller):
        """ISS-2: the chamber's applications; `submitted` (the queue) oldest first."""
        status = chosen_status(request, QUEUE_STATUSES)
        queue = self.issuance.staff_applications(
            caller, None if status == "all" else status, page_argument(request))
        return render(request, "issuance/staff_queue.html", account=caller, queue=queue,
                      statuses=QUEUE_STATUSES, values={"status": status})

    @http("GET", "/staff/applications/<application_id>", page=True)
    @staff_page
    @authorized("staff.review")
    def staff_issuance_review_page(self, request, caller, application_id):
        return self._review(request, caller, application_id)

    @http("POST", "/staff/applications/<application_id>/certification", page=True)
    @staff_page
    @authorized("staff.review")
    def staff_issuance_certify_page(self, request, caller, application_id):
        """ISS-2: asks first (a number is taken and the certificate signed: only a revocation
        undoes it), then certifies; the page shows the number, date, fee and PDF."""
        if request.form.get("confirmed") != "yes":
            return self._review(request, caller, application_id, confirm_certification=True)
        try:
            self.issuance.certify(caller, application_id)
        except (ValidationFailed, Conflict) as exc:  # signer unavailable, expired, returned
            alert, errors = refusal_of(request, exc)
            return self._review(request, caller, application_id, status=exc.status,
                                alert=alert, errors=errors)
        return see_other(review_path(application_id), "issuance_certified", "certificate")

    @http("POST", "/staff/applications/<application_id>/return", page=True)
    @staff_page
    @authorized("staff.review")
    def staff_issuance_return_page(self, request, caller, application_id):
        """ISS-7: back to the applicant with a reason (required), mailed."""
        reason = request.form.get("reason", "").strip()
        values = {"reason": reason}
        if not reason:
            return self._review(request, caller, application_id, status=422, values=values,
                                errors=required(request, values, "reason"))
        try:
            self.issuance.return_application(caller, application_id, {"reason": reason})
        except (ValidationFailed, Conflict) as exc:  # certified or returned meanwhile
            alert, errors = refusal_of(request, exc)
            return self._review(request, caller, application_id, status=exc.status,
                                values=values, alert=alert, errors=errors)
        return see_other(review_path(application_id), "returned")

    @http("POST", "/staff/applications/<application_id>/revocation", page=True)
    @staff_page
    @authorized("staff.review")
    def staff_issuance_revoke_page(self, request, caller, application_id):
        """A certified or paid certificate revoked with a reason (mailed), after a
        confirmation that repeats the reason."""
        reason = request.form.get("reason", "").strip()
        values = {"reason": reason}
        if not reason:
            return self._review(request, caller, application_id, status=422, values=values,
                                errors=required(request, values, "reason"))
        if request.form.get("confirmed") != "yes":
            return self._review(request, caller, application_id, values=values,
                                confirm_revocation=True)
        try:
            self.issuance.revoke(caller, application_id, {"reason": reason})
        except (ValidationFailed, Conflict) as exc:
            alert, errors = refusal_of(request, exc)
            return self._review(request, caller, application_id, status=exc.status,
                                values=values, alert=alert, errors=errors)
        return see_other(review_path(application_id), "issuance_revoked")

    def _review(self, request, caller, application_id, status=200, **context):
        application = self.issuance.staff_application(caller, application_id)
        attachments = application["attachments"]
        chosen = request.args.get("attachment", "")
        shown = next((a for a in attachments if a["attachment_id"] == chosen),
                     attachments[0] if attachments else None)
        return render(request, "issuance/staff_review.html", status=status, account=caller,
                      application=application, shown=shown, base=review_path(application_id),
                      api_base=f"{API_BASE}/{quote(application_id, safe='')}",
                      remark_titles=REMARK_TITLE_LABELS, transport_labels=TRANSPORT_LABELS,
                      **context)
