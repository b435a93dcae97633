"""Issuance (API.md "Issuance", "Printing", "Verification"; ISS-1 … ISS-10, ISS-12 … ISS-14):
the applicant's applications, attachments and printing, the chamber staff's review, and the
public verification. Thin: parse, RPC, answer."""
from gateway.auth import authorized, public
from gateway.http import (
    client_address,
    file_response,
    http,
    json_body,
    json_response,
    no_content,
    page_argument,
    pdf_response,
    uploaded_file,
)
from gateway.openapi import doc
from services.issuance.interfaces import MAX_ATTACHMENT_BYTES
from services.issuance.schemas import (
    ApplicationBodySchema,
    ApplicationListSchema,
    ApplicationViewSchema,
    AttachmentSchema,
    CertifiedSchema,
    FeeQuoteSchema,
    ReasonSchema,
    StaffApplicationViewSchema,
    StaffListSchema,
    VerificationSchema,
)
from tradecert.errors import NotFound, ValidationFailed

TAGS = ["issuance"]
STAFF_TAGS = ["issuance: chamber staff"]
BASE = "/api/v1/applications"
STAFF_BASE = "/api/v1/staff/applications"



def copy_of(request) -> bool:
    """`?copy=true` (or absent / false): anything else is a field-named 422."""
    value = request.args.get("copy", "false").lower()
    if value not in ("true", "false"):
        raise ValidationFailed(message="copy is true or false",
                               fields={"copy": ["Not a valid boolean."]})
    return value == "true"


class IssuanceRoutes:
    # --- the applicant: a user or sub ID --------------------------------------------------

    @http("POST", BASE)
    @doc("Start a draft (ISS-1): a certificate of origin's body (co_japan, co_foreign), a "
         "signature certification's (SignatureBodySchema), or {copy_from, certificate_type?}; "
         "every rule broken in one field-named 422; an expired registration 409; the "
         "`Idempotency-Key` header makes a retry (after a 503, issue 12) answer the same draft",
         request=ApplicationBodySchema, response=ApplicationViewSchema, status=201,
         errors=[401, 403, 404, 409, 422], tags=TAGS)
    @authorized("applications.apply")
    def create_application(self, request, caller):
        return json_response(self.issuance.create_application(
            caller, json_body(request), request.headers.get("Idempotency-Key") or None), 201)

    @http("GET", BASE)
    @doc("「発給申請状況一覧」 (ISS-2): newest first, `?status=` and `?page=`; a sub ID sees "
         "its own only (ISS-3)", response=ApplicationListSchema, errors=[401, 403, 422],
         tags=TAGS)
    @authorized("applications.view")
    def list_applications(self, request, caller):
        return json_response(self.issuance.list_applications(
            caller, request.args.get("status"), page_argument(request)))

    @http("GET", "/api/v1/fees/quote")
    @doc("The fee the form shows (ISS-6, ISS-11): `?certificate_type=&copies=` for the "
         "registration's membership", response=FeeQuoteSchema, errors=[401, 403, 422],
         tags=TAGS)
    @authorized("applications.apply")
    def fee_quote(self, request, caller):
        copies = request.args.get("copies", "0")
        return json_response(self.issuance.fee_quote(
            caller, request.args.get("certificate_type", ""),
            int(copies) if copies.isdigit() and len(copies) < 3 else -1))

    @http("GET", BASE + "/<application_id>")
    @doc("Everything entered, the status and its history, the attachments, the certificate",
         response=ApplicationViewSchema, errors=[401, 403, 404], tags=TAGS)
    @authorized("applications.view")
    def issuance_application(self, request, caller, application_id):
        return json_response(self.issuance.get_application(caller, application_id))

    @http("PUT", BASE + "/<application_id>")
    @doc("The whole body again, in draft or returned only (409 application_locked)",
         request=ApplicationBodySchema, response=ApplicationViewSchema,
         errors=[401, 403, 404, 409, 422], tags=TAGS)
    @authorized("applications.apply")
    def update_application(self, request, caller, application_id):
        return json_response(self.issuance.update_application(caller, application_id,
                                                              json_body(request)))

    @http("POST", BASE + "/<application_id>/submission")
    @doc("Submit to the chamber; the rules of the day and the attachments are checked here",
         errors=[401, 403, 404, 409, 422], tags=TAGS)
    @authorized("applications.apply")
    def submit_application(self, request, caller, application_id):
        return json_response(self.issuance.submit(caller, application_id))

    @http("POST", BASE + "/<application_id>/withdrawal")
    @doc("Withdraw before certification", errors=[401, 403, 404, 409], tags=TAGS)
    @authorized("applications.apply")
    def withdraw_application(self, request, caller, application_id):
        return json_response(self.issuance.withdraw(caller, application_id))

    @http("POST", BASE + "/<application_id>/attachments")
    @doc("multipart/form-data: `kind` (commercial_invoice | foreign_co | import_permit | "
         "import_invoice | signed_document | other) and `file` (PDF, PNG or JPEG by content, "
         "≤ 10 MB: larger 413, another type 422 at `file`)", response=AttachmentSchema,
         status=201, errors=[401, 403, 404, 409, 413, 422], tags=TAGS)
    @authorized("applications.apply")
    def add_attachment(self, request, caller, application_id):
        kind, filename, data = uploaded_file(request, MAX_ATTACHMENT_BYTES)
        stored = self.issuance.add_attachment(caller, application_id, kind, filename, data)
        stored.pop("file_id")
        return json_response(stored, 201)

    @http("GET", BASE + "/<application_id>/attachments/<attachment_id>")
    @doc("The attached file, shown in the browser", errors=[401, 403, 404], tags=TAGS)
    @authorized("applications.view")
    def get_attachment(self, request, caller, application_id, attachment_id):
        stored = self.issuance.attachment(caller, application_id, attachment_id)
        return file_response(self.documents.fetch(stored["file_id"]), stored["filename"])

    @http("DELETE", BASE + "/<application_id>/attachments/<attachment_id>")
    @doc("Remove an attachment (draft or returned only)", status=204,
         errors=[401, 403, 404, 409], tags=TAGS)
    @authorized("applications.apply")
    def delete_attachment(self, request, caller, application_id, attachment_id):
        self.issuance.delete_attachment(caller, application_id, attachment_id)
        return no_content()

    @http("GET", BASE + "/<application_id>/preview.pdf")
    @doc("The certificate as it will print, watermarked PREVIEW and unsigned: not valid",
         errors=[401, 403, 404, 409, 422], tags=TAGS)
    @authorized("applications.view")
    def preview_application(self, request, caller, application_id):
        rendered = self.issuance.preview(caller, application_id)
        return pdf_response(self.documents.fetch(rendered["file_id"]),
                            f"preview-{application_id}.pdf")

    @http("GET", BASE + "/<application_id>/certificate.pdf")
    @doc("ISS-8, ISS-12: the signed certificate marked ORIGINAL; `?copy=true` the same marked "
         "COPY (when copies were applied for), shown in the browser. Before payment 409 "
         "`payment_required`; after `print_until` 410 `print_window_closed`; revoked or "
         "replaced 409", errors=[401, 403, 404, 409, 410, 422], tags=TAGS)
    @authorized("certificates.print")
    def print_certificate(self, request, caller, application_id):
        printed = self.issuance.print_certificate(caller, application_id, copy_of(request))
        label = "COPY" if printed["copy"] else "ORIGINAL"
        return pdf_response(self.documents.fetch(printed["file_id"]),
                            f"{printed['certificate_no']}-{label}.pdf")

    # --- anyone: public verification (ISS-9, ISS-14) --------------------------------------

    @http("GET", "/api/v1/verification")
    @doc("`?certificate_no=&access_code=&issued_on=YYYY-MM-DD` (as printed beside the QR "
         "code): whether an issued certificate is valid, revoked or replaced, and what it "
         "says. Any wrong part 404 `certificate_not_found`; more than 30 tries a minute from "
         "one address 429", response=VerificationSchema, errors=[404, 422, 429],
         tags=["verification"])
    @public
    def verification(self, request):
        return json_response(self.issuance.verify(
            request.args.get("certificate_no"), request.args.get("access_code"),
            request.args.get("issued_on"), client_address(request)))

    # --- chamber staff --------------------------------------------------------------------

    @http("GET", STAFF_BASE)
    @doc("The chamber's applications (own chamber only); `?status=submitted` is the queue, "
         "oldest first, with what each is and who signs it", response=StaffListSchema,
         errors=[401, 403, 422], tags=STAFF_TAGS)
    @authorized("staff.review")
    def staff_applications(self, request, caller):
        return json_response(self.issuance.staff_applications(
            caller, request.args.get("status"), page_argument(request)))

    @http("GET", STAFF_BASE + "/<application_id>")
    @doc("One application with box 1 as registered, the registered signer and the signature "
         "image's file, the attachments", response=StaffApplicationViewSchema,
         errors=[401, 403, 404], tags=STAFF_TAGS)
    @authorized("staff.review")
    def staff_issuance_application(self, request, caller, application_id):
        return json_response(self.issuance.staff_application(caller, application_id))

    @http("GET", STAFF_BASE + "/<application_id>/attachments/<attachment_id>")
    @doc("An attached file, shown in the browser", errors=[401, 403, 404], tags=STAFF_TAGS)
    @authorized("staff.review")
    def staff_attachment(self, request, caller, application_id, attachment_id):
        stored = self.issuance.staff_attachment(caller, application_id, attachment_id)
        return file_response(self.documents.fetch(stored["file_id"]), stored["filename"])

    @http("GET", STAFF_BASE + "/<application_id>/signature.png")
    @doc("The signer's registered signature (REG-7), beside the application",
         errors=[401, 403, 404], tags=STAFF_TAGS)
    @authorized("staff.review")
    def staff_signature(self, request, caller, application_id):
        view = self.issuance.staff_application(caller, application_id)
        if not view.get("signature_file_id"):
            raise NotFound(code="signature_not_found", message="no registered signature")
        fetched = self.documents.fetch(view["signature_file_id"])
        return file_response(fetched, "signature.png")

    @http("GET", STAFF_BASE + "/<application_id>/certificate.pdf")
    @doc("The certified, signed certificate as stored", errors=[401, 403, 404, 409],
         tags=STAFF_TAGS)
    @authorized("staff.review")
    def staff_certificate(self, request, caller, application_id):
        stored = self.issuance.staff_certificate(caller, application_id)
        return pdf_response(self.documents.fetch(stored["file_id"]),
                            f"{stored['certificate_no']}.pdf")

    @http("POST", STAFF_BASE + "/<application_id>/certification")
    @doc("Certify (ISS-2): the certificate number, the access code, the certificate rendered, "
         "signed and stored, the fee fixed; the applicant is mailed", response=CertifiedSchema,
         errors=[401, 403, 404, 409], tags=STAFF_TAGS)
    @authorized("staff.review")
    def certify_application(self, request, caller, application_id):
        return json_response(self.issuance.certify(caller, application_id))

    @http("POST", STAFF_BASE + "/<application_id>/return")
    @doc("Return to the applicant with a reason (ISS-7), mailed", request=ReasonSchema,
         errors=[401, 403, 404, 409, 422], tags=STAFF_TAGS)
    @authorized("staff.review")
    def return_issuance_application(self, request, caller, application_id):
        return json_response(self.issuance.return_application(caller, application_id,
                                                              json_body(request)))

    @http("POST", STAFF_BASE + "/<application_id>/revocation")
    @doc("Revoke a certified or paid certificate with a reason, mailed", request=ReasonSchema,
         errors=[401, 403, 404, 409, 422], tags=STAFF_TAGS)
    @authorized("staff.review")
    def revoke_certificate(self, request, caller, application_id):
        return json_response(self.issuance.revoke(caller, application_id, json_body(request)))
