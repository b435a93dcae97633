"""Change requests (変更申請) in the pages: the admin ID asks for a change of the registered
company and signers (the wizard's company and signer forms, gateway/forms/registration.py),
reviews it, submits it and prints the changed forms; chamber staff find it in their queue,
scan the new signers' signatures, approve it (after a confirmation) or return it with a
reason. Paths of their own (/registration/changes..., /staff/change-requests...)."""
import json
from urllib.parse import quote

from gateway.auth import authorized
from gateway.forms.registration import (
    change_request_from_form,
    change_request_values,
    company_values,
    signer_rows_of,
)
from gateway.http import http
from gateway.pages import (
    chosen_status,
    errors_of,
    render,
    return_with_reason,
    scanned_signature,
    see_other,
    session_page,
    staff_page,
    staff_search,
)
from tradecert.errors import Conflict, ValidationFailed

QUEUE_STATUSES = ("submitted", "returned", "approved", "all")


def admin_path(number: str = "") -> str:
    return "/registration/changes" + (f"/{quote(number, safe='')}" if number else "")


def staff_path(number: str, suffix: str = "") -> str:
    return f"/staff/change-requests/{quote(number, safe='')}{suffix}"


class ChangeRequestPages:
    # --- the admin ID -------------------------------------------------------------------------

    @http("GET", "/registration/changes", page=True)
    @session_page
    @authorized("registration.change")
    def changes_index_page(self, request, caller):
        return render(request, "changes/index.html", account=caller,
                      basis=self.registration.change_request_basis(caller),
                      requests=self.registration.change_requests(caller))

    @http("GET", "/registration/changes/new", page=True)
    @session_page
    @authorized("registration.change")
    def changes_new_page(self, request, caller):
        basis = self.registration.change_request_basis(caller)
        if basis["open_change_request_id"]:
            return see_other(admin_path(basis["open_change_request_id"]), "change_open")
        return self._form(request, caller, basis, company_values(basis["company"], "company."))

    @http("POST", "/registration/changes/new", page=True)
    @session_page
    @authorized("registration.change")
    def changes_review_page(self, request, caller):
        """One more row of new signers, or the review of what was entered (checked by the
        service as the submission will be; nothing is saved yet)."""
        body, values = change_request_from_form(request.form)
        basis = self.registration.change_request_basis(caller)
        if request.form.get("action") == "more":
            return self._form(request, caller, basis, values,
                              rows=max(1, signer_rows_of(request.form)) + 1)
        try:
            preview = self.registration.check_change_request(caller, body)
        except ValidationFailed as exc:
            alert, errors = errors_of(request, exc)
            return self._form(request, caller, basis, values, status=exc.status, alert=alert,
                              errors=errors)
        except Conflict:  # one open at a time
            return see_other(admin_path(basis["open_change_request_id"] or ""), "change_open")
        return render(request, "changes/review.html", account=caller, basis=basis,
                      preview=preview, body=json.dumps(body, ensure_ascii=False))

    @http("POST", "/registration/changes/submission", page=True)
    @session_page
    @authorized("registration.change")
    def changes_submit_page(self, request, caller):
        basis = self.registration.change_request_basis(caller)
        try:
            body = json.loads(request.form.get("body", ""))
            if not isinstance(body, dict):
                raise ValueError("not an object")
        except ValueError:
            return see_other("/registration/changes/new")
        if request.form.get("action") == "edit":
            return self._form(request, caller, basis, change_request_values(body))
        try:
            created = self.registration.submit_change_request(caller, body)
        except ValidationFailed as exc:  # changed meanwhile (another admin's tab)
            alert, errors = errors_of(request, exc)
            return self._form(request, caller, basis, change_request_values(body),
                              status=exc.status, alert=alert, errors=errors)
        except Conflict:
            return see_other(admin_path(basis["open_change_request_id"] or ""), "change_open")
        return see_other(admin_path(created["change_request_id"]), "change_submitted")

    @http("GET", "/registration/changes/<number>", page=True)
    @session_page
    @authorized("registration.change")
    def changes_status_page(self, request, caller, number):
        change = self.registration.change_request(caller, number)
        return render(request, "changes/status.html", account=caller, change=change,
                      pdf_base=f"/api/v1/registration/change-requests/{quote(number)}/forms/",
                      **self._shown(request, change))

    def _form(self, request, caller, basis, values, status=200, rows=None, **context):
        rows = rows or max(1, signer_rows_of(values))
        return render(request, "changes/form.html", status=status, account=caller,
                      basis=basis, values=values, rows=rows, **context)

    # --- chamber staff ------------------------------------------------------------------------

    @http("GET", "/staff/change-requests", page=True)
    @staff_page
    @authorized("staff.review")
    def staff_change_requests_page(self, request, caller):
        status = chosen_status(request, QUEUE_STATUSES)
        values = {"status": status}
        number, context = staff_search(request, values, lambda n: (
            self.registration.staff_change_request(caller, n)),
            "error.change_request_not_found")
        if number:  # the number typed, or the forms' QR code scanned
            return see_other(staff_path(number))
        return render(request, "changes/staff_queue.html", account=caller,
                      statuses=QUEUE_STATUSES, values=values, **context,
                      queue=self.registration.staff_change_requests(
                          caller, None if status == "all" else status))

    @http("GET", "/staff/change-requests/<number>", page=True)
    @staff_page
    @authorized("staff.review")
    def staff_change_request_page(self, request, caller, number):
        return self._staff_detail(request, caller, number)

    @http("POST", "/staff/change-requests/<number>/signers/<signer_id>/signature", page=True)
    @staff_page
    @authorized("staff.review")
    def staff_change_signature_page(self, request, caller, number, signer_id):
        """REG-7: a new signer's scanned box, as for registration applications."""
        change = self.registration.staff_change_request(caller, number)
        errors = scanned_signature(request, signer_id, change["max_signature_scan_bytes"],
                                   lambda scan: self.registration.upload_change_signature(
                                       caller, number, signer_id, scan))
        if not errors:
            return see_other(staff_path(number), "signature_registered", "signers")
        return self._staff_detail(request, caller, number, status=422, errors=errors)

    @http("POST", "/staff/change-requests/<number>/approval", page=True)
    @staff_page
    @authorized("staff.review")
    def staff_change_approve_page(self, request, caller, number):
        """Approval asks for a confirmation first: it is applied at once and cannot be
        undone (new IDs, removed IDs end, a new certificate)."""
        if request.form.get("confirmed") != "yes":
            return render(request, "changes/staff_confirm.html", account=caller,
                          change=self.registration.staff_change_request(caller, number))
        try:
            self.registration.approve_change_request(caller, number)
        except (ValidationFailed, Conflict) as exc:  # a signature not uploaded, returned
            alert, errors = errors_of(request, exc)
            return self._staff_detail(request, caller, number, status=exc.status,
                                      alert=alert, errors=errors)
        return see_other(staff_path(number), "change_approved")

    @http("POST", "/staff/change-requests/<number>/return", page=True)
    @staff_page
    @authorized("staff.review")
    def staff_change_return_page(self, request, caller, number):
        """Back to the admin with a reason, mailed."""
        return return_with_reason(
            request, lambda body: self.registration.return_change_request(caller, number, body),
            lambda **context: self._staff_detail(request, caller, number, **context),
            lambda: see_other(staff_path(number), "change_returned"))

    def _staff_detail(self, request, caller, number, status=200, **context):
        change = self.registration.staff_change_request(caller, number)
        return render(request, "changes/staff_detail.html", status=status, account=caller,
                      change=change, base=staff_path(number),
                      pdf_base=f"/api/v1/staff/change-requests/{quote(number)}/forms/",
                      **self._shown(request, change), **context)

    @staticmethod
    def _shown(request, change) -> dict:
        forms = change["forms"]
        shown = request.args.get("form", forms[0] if forms else "")
        return {"forms": forms, "shown": shown if shown in forms else
                (forms[0] if forms else None)}

