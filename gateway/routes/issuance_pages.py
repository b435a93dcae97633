"""Applying for certificates in the pages (ISS-1 … ISS-7, ISS-10): 「発給申請状況一覧」 (the
user's or sub ID's applications), the form of each certificate type (a certificate of
origin of Japanese or foreign goods, a signature certification), an application's page with
its attachments, preview, submission, withdrawal and copy into a new one.

Every rule is issuance's: the form is turned into API.md's body (gateway/forms/issuance.py)
and sent to the same RPCs the API calls; a 422 comes back as messages beside each field, with
what was typed kept. Which choices a field offers comes from the service's schema."""
from urllib.parse import quote

from gateway.auth import authorized
from gateway.forms.issuance import (
    ADD_ACTIONS,
    application_from_form,
    application_values,
    copies_of,
    new_values,
    rows_of,
)
from gateway.http import PayloadTooLarge, http, pdf_response, uploaded_file
from gateway.pages import (
    chosen_status,
    errors_of,
    idempotency_key,
    render,
    see_other,
    sent_idempotency_key,
    session_page,
)
from services.issuance.interfaces import ATTACHMENT_KINDS, MAX_ATTACHMENT_BYTES, STATUSES
from services.issuance.schemas import (
    CERTIFICATE_TYPES,
    CO_TYPES,
    DOCUMENT_KINDS,
    FOREIGN_BASES,
    GOODS_CATEGORIES,
    MAX_COPIES,
    REMARK_TITLES,
    TRANSPORT_MODES,
    UNITS,
)
from tradecert.errors import Conflict, NotFound, Unavailable, ValidationFailed

LIST_STATUSES = ("all", *STATUSES)
#: The rows a section shows at least (one to type in; no invoice at all prints NIL).
MIN_ROWS = {"goods": 1, "invoices": 1, "remarks": 1}


def application_path(application_id: str, suffix: str = "") -> str:
    return f"/applications/{quote(application_id, safe='')}{suffix}"


def api_path(application_id: str, suffix: str = "") -> str:
    """The API's address of the same application: its files open with the page's cookie."""
    return f"/api/v1/applications/{quote(application_id, safe='')}{suffix}"


def list_page(request) -> int:
    value = request.args.get("page", "1")
    return int(value) if value.isdigit() and len(value) < 7 else 1


class IssuancePages:
    # --- 「発給申請状況一覧」 (ISS-2, ISS-3) ---------------------------------------------

    @http("GET", "/applications", page=True)
    @session_page
    @authorized("applications.view")
    def applications_page(self, request, caller):
        """Newest first, filtered by status; a sub ID's own only (the service's scope)."""
        status = chosen_status(request, LIST_STATUSES, default="all")
        listing = self.issuance.list_applications(caller, None if status == "all" else status,
                                                  list_page(request))
        return render(request, "issuance/list.html", account=caller, listing=listing,
                      statuses=LIST_STATUSES, values={"status": status},
                      types=CERTIFICATE_TYPES)

    # --- the form (ISS-1, ISS-4, ISS-5, ISS-6, ISS-10) ------------------------------------

    @http("GET", "/applications/new", page=True)
    @session_page
    @authorized("applications.apply")
    def new_application_page(self, request, caller):
        """`?type=` a new form; `?copy_from=` asks before copying an earlier application."""
        copy_from = request.args.get("copy_from")
        if copy_from:
            return self._applicant_copy_form(request, caller, copy_from)
        certificate_type = request.args.get("type", "")
        if certificate_type not in CERTIFICATE_TYPES:
            return see_other("/applications")
        return self._applicant_form(request, caller, certificate_type, new_values(certificate_type))

    @http("POST", "/applications/new", page=True)
    @session_page
    @authorized("applications.apply")
    def create_application_page(self, request, caller):
        if "copy_from" in request.form:
            return self._applicant_copy(request, caller)
        certificate_type = request.form.get("certificate_type", "")
        if certificate_type not in CERTIFICATE_TYPES:
            return see_other("/applications")
        body, values = application_from_form(request.form, certificate_type)
        key = sent_idempotency_key(request, body)  # issue 12: sent again, the same draft
        return self._applicant_save(request, caller, body, values,
                                    lambda: self.issuance.create_application(caller, body, key))

    @http("GET", "/applications/<application_id>/edit", page=True)
    @session_page
    @authorized("applications.apply")
    def edit_application_page(self, request, caller, application_id):
        application = self.issuance.get_application(caller, application_id)
        if not application["editable"]:
            return see_other(application_path(application_id), "application_locked")
        return self._applicant_form(request, caller, application["certificate_type"],
                          application_values(application), application=application)

    @http("POST", "/applications/<application_id>/edit", page=True)
    @session_page
    @authorized("applications.apply")
    def update_application_page(self, request, caller, application_id):
        """ISS-7: draft or returned only; the type is the application's own."""
        application = self.issuance.get_application(caller, application_id)
        body, values = application_from_form(request.form, application["certificate_type"])
        return self._applicant_save(
            request, caller, body, values,
            lambda: self.issuance.update_application(caller, application_id, body),
            application=application)

    def _applicant_save(self, request, caller, body, values, save, application=None):
        """"Add a row" shows the form again with one more empty row, nothing saved (no
        script needed); otherwise save, and show the service's refusal beside each field."""
        certificate_type = body["certificate_type"]
        action = request.form.get("action", "save")
        if action in ADD_ACTIONS:
            section = ADD_ACTIONS[action]
            shown = max(rows_of(values, section), rows_of(request.form, section))
            return self._applicant_form(request, caller, certificate_type, values,
                                        application=application, rows={section: shown + 1},
                                        focus=f"{section}.{shown}")
        try:
            saved = save()
        except ValidationFailed as exc:
            alert, errors = errors_of(request, exc)
            return self._applicant_form(request, caller, certificate_type, values,
                                        status=exc.status, application=application,
                                        alert=alert, errors=errors)
        except Conflict as exc:  # the registration expired, the signer retired, locked
            alert, _ = errors_of(request, exc)
            return self._applicant_form(request, caller, certificate_type, values,
                                        status=exc.status, application=application,
                                        alert=alert)
        return see_other(application_path(saved["application_id"]), "application_saved")

    def _applicant_form(self, request, caller, certificate_type, values, status=200,
                        rows=None, application=None, **context):
        shown = {section: max(least, rows_of(values, section))
                 for section, least in MIN_ROWS.items()}
        shown.update(rows or {})
        return render(request, "issuance/form.html", status=status, account=caller,
                      certificate_type=certificate_type, is_co=certificate_type in CO_TYPES,
                      values=values, rows=shown, application=application,
                      action=application_path(application["application_id"], "/edit")
                      if application else "/applications/new",
                      fee=self._applicant_fee(caller, certificate_type, copies_of(values)),
                      choices=CHOICES,
                      idempotency_key=None if application else idempotency_key(request),
                      **context)

    def _applicant_fee(self, caller, certificate_type, copies):
        """ISS-6, ISS-11: the fee for the registration's membership, from payment's quote.
        Hidden (not guessed) while payment does not answer, and for a number of copies the
        service refuses (the copies field says why)."""
        try:
            return self.issuance.fee_quote(caller, certificate_type, copies)
        except (Unavailable, NotFound, ValidationFailed):
            return None

    # --- copying an earlier application ---------------------------------------------------

    def _applicant_copy_form(self, request, caller, copy_from, status=200, **context):
        earlier = self.issuance.get_application(caller, copy_from)
        context.setdefault("values", {"certificate_type": earlier["certificate_type"]})
        return render(request, "issuance/copy.html", status=status, account=caller,
                      earlier=earlier, co_types=CO_TYPES,
                      idempotency_key=idempotency_key(request), **context)

    def _applicant_copy(self, request, caller):
        """API.md `copy_from`: a new draft with the earlier one's data, without its dates,
        invoices, attachments or numbers; then its form, to complete."""
        copy_from = request.form.get("copy_from", "")
        payload = {"copy_from": copy_from}
        if request.form.get("certificate_type"):
            payload["certificate_type"] = request.form["certificate_type"]
        try:
            created = self.issuance.create_application(
                caller, payload, sent_idempotency_key(request, payload))
        except (ValidationFailed, Conflict) as exc:
            alert, errors = errors_of(request, exc)
            return self._applicant_copy_form(request, caller, copy_from, status=exc.status,
                                             alert=alert, errors=errors, values=payload)
        return see_other(application_path(created["application_id"], "/edit"),
                         "application_copied")

    # --- the application's page -----------------------------------------------------------

    @http("GET", "/applications/<application_id>", page=True)
    @session_page
    @authorized("applications.view")
    def application_page(self, request, caller, application_id):
        return self._applicant_detail(request, caller, application_id)

    def _applicant_detail(self, request, caller, application_id, status=200, **context):
        application = self.issuance.get_application(caller, application_id)
        return render(request, "issuance/application.html", status=status, account=caller,
                      application=application, base=application_path(application_id),
                      api=api_path(application_id), kinds=ATTACHMENT_KINDS,
                      choices=CHOICES, **context)

    @http("POST", "/applications/<application_id>/attachments", page=True)
    @session_page
    @authorized("applications.apply")
    def attachment_upload_page(self, request, caller, application_id):
        """multipart: `kind` and `file` (PDF, PNG or JPEG by content, checked by documents)."""
        values = {"kind": request.form.get("kind", "")}
        try:
            kind, filename, data = uploaded_file(request, MAX_ATTACHMENT_BYTES)
            self.issuance.add_attachment(caller, application_id, kind, filename, data)
        except (ValidationFailed, PayloadTooLarge) as exc:
            alert, errors = errors_of(request, exc)
            errors = dict(errors)
            named = errors.pop("filename", [])  # documents names the file's name apart
            if named or not errors:
                errors.setdefault("file", []).extend(named or [alert])
            return self._applicant_detail(request, caller, application_id, status=exc.status,
                                values=values, alert=alert, errors=errors)
        except Conflict as exc:
            alert, _ = errors_of(request, exc)
            return self._applicant_detail(request, caller, application_id, status=exc.status,
                                alert=alert)
        return see_other(application_path(application_id), "attachment_added", "attachments")

    @http("POST", "/applications/<application_id>/attachments/<attachment_id>/delete",
          page=True)
    @session_page
    @authorized("applications.apply")
    def attachment_delete_page(self, request, caller, application_id, attachment_id):
        try:
            self.issuance.delete_attachment(caller, application_id, attachment_id)
        except Conflict as exc:
            alert, _ = errors_of(request, exc)
            return self._applicant_detail(request, caller, application_id, status=exc.status,
                                alert=alert)
        return see_other(application_path(application_id), "attachment_deleted",
                         "attachments")

    @http("GET", "/applications/<application_id>/preview", page=True)
    @session_page
    @authorized("applications.view")
    def application_preview_page(self, request, caller, application_id):
        """The certificate as it will print, in the page (no pop-up): links to open and save
        the PDF first, then the browser's own viewer where it has one."""
        return render(request, "issuance/preview.html", account=caller,
                      application=self.issuance.get_application(caller, application_id),
                      base=application_path(application_id))

    @http("GET", "/applications/<application_id>/preview.pdf", page=True)
    @session_page
    @authorized("applications.view")
    def application_preview_pdf(self, request, caller, application_id):
        """Watermarked PREVIEW and unsigned: not valid. What it still needs (a copied draft
        without its dates) is shown on the application's page."""
        try:
            rendered = self.issuance.preview(caller, application_id)
        except ValidationFailed as exc:
            alert, errors = errors_of(request, exc)
            return self._applicant_detail(request, caller, application_id, status=exc.status,
                                alert=alert, errors=errors)
        return pdf_response(self.documents.fetch(rendered["file_id"]),
                            f"preview-{application_id}.pdf")

    @http("POST", "/applications/<application_id>/submission", page=True)
    @session_page
    @authorized("applications.apply")
    def application_submit_page(self, request, caller, application_id):
        """ISS-2: to the chamber, with the rules of the day and the attachments checked."""
        try:
            self.issuance.submit(caller, application_id)
        except (ValidationFailed, Conflict) as exc:
            alert, errors = errors_of(request, exc)
            return self._applicant_detail(request, caller, application_id, status=exc.status,
                                alert=alert, errors=errors)
        return see_other(application_path(application_id), "application_submitted")

    @http("POST", "/applications/<application_id>/withdrawal", page=True)
    @session_page
    @authorized("applications.apply")
    def application_withdraw_page(self, request, caller, application_id):
        """Asks first: a withdrawn application cannot be submitted again."""
        if request.form.get("confirmed") != "yes":
            return render(request, "issuance/withdraw.html", account=caller,
                          application=self.issuance.get_application(caller, application_id),
                          base=application_path(application_id))
        try:
            self.issuance.withdraw(caller, application_id)
        except Conflict as exc:
            alert, _ = errors_of(request, exc)
            return self._applicant_detail(request, caller, application_id, status=exc.status,
                                alert=alert)
        return see_other(application_path(application_id), "application_withdrawn")


#: The choices of the form's selects: the service's own lists (services/issuance/schemas.py).
CHOICES = {"transport_modes": TRANSPORT_MODES, "remark_titles": REMARK_TITLES, "units": UNITS,
           "foreign_bases": FOREIGN_BASES, "document_kinds": DOCUMENT_KINDS,
           "goods_categories": GOODS_CATEGORIES, "max_copies": MAX_COPIES}
