"""Change requests (変更申請) of an approved trade registration: the admin ID asks, chamber
staff scan the new signers' signatures and approve (applied at once) or return it. Thin:
parse, RPC, answer."""
from gateway.auth import authorized
from gateway.http import (
    http,
    json_body,
    json_response,
    pdf_response,
    png_response,
    signature_scan,
)
from gateway.openapi import doc
from services.registration.schemas import (
    ChangeRequestCreatedSchema,
    ChangeRequestSchema,
    ChangeRequestViewSchema,
    ReturnSchema,
    SignerViewSchema,
)

TAGS = ["trade registration: change requests"]
STAFF_TAGS = ["trade registration: chamber staff"]
BASE = "/api/v1/registration/change-requests"
STAFF_BASE = "/api/v1/staff/change-requests"


class ChangeRequestRoutes:
    # --- the admin ID ---------------------------------------------------------------------

    @http("POST", BASE)
    @doc("Ask to change the registered company and signers (変更申請); the wizard's rules, "
         "field-named 422s (signers_added.N..., signers_removed.N); one open at a time (409)",
         request=ChangeRequestSchema, response=ChangeRequestCreatedSchema, status=201,
         errors=[401, 403, 404, 409, 422], tags=TAGS)
    @authorized("registration.change")
    def submit_change_request(self, request, caller):
        return json_response(self.registration.submit_change_request(caller, json_body(request)),
                             201)

    @http("GET", BASE)
    @doc("The registration's change requests (ChangeRequestSummarySchema each), newest first",
         errors=[401, 403, 404], tags=TAGS)
    @authorized("registration.change")
    def change_requests(self, request, caller):
        return json_response(self.registration.change_requests(caller))

    @http("GET", BASE + "/<change_request_id>")
    @doc("A change request: its status, the reason when returned, its forms",
         response=ChangeRequestViewSchema, errors=[401, 403, 404], tags=TAGS)
    @authorized("registration.change")
    def change_request(self, request, caller, change_request_id):
        return json_response(self.registration.change_request(caller, change_request_id))

    @http("GET", BASE + "/<change_request_id>/forms/<form>.pdf")
    @doc("business-description (company changed) or signature-registration (signers added), "
         "with the change request's number in the QR code", errors=[401, 403, 404], tags=TAGS)
    @authorized("registration.change")
    def change_request_form(self, request, caller, change_request_id, form):
        rendered = self.registration.change_request_form(caller, change_request_id, form)
        return pdf_response(self.documents.fetch(rendered["file_id"]),
                            f"{change_request_id}-{form}.pdf")

    # --- chamber staff --------------------------------------------------------------------

    @http("GET", STAFF_BASE)
    @doc("The chamber's change requests (ChangeRequestSummarySchema each), "
         "`?status=submitted` for the queue", errors=[401, 403], tags=STAFF_TAGS)
    @authorized("staff.review")
    def staff_change_requests(self, request, caller):
        return json_response(self.registration.staff_change_requests(
            caller, request.args.get("status")))

    @http("GET", STAFF_BASE + "/<change_request_id>")
    @doc("One change request of the chamber", response=ChangeRequestViewSchema,
         errors=[401, 403, 404], tags=STAFF_TAGS)
    @authorized("staff.review")
    def staff_change_request(self, request, caller, change_request_id):
        return json_response(self.registration.staff_change_request(caller, change_request_id))

    @http("GET", STAFF_BASE + "/<change_request_id>/forms/<form>.pdf")
    @doc("A form of the change request, as the company printed it", errors=[401, 403, 404],
         tags=STAFF_TAGS)
    @authorized("staff.review")
    def staff_change_request_form(self, request, caller, change_request_id, form):
        rendered = self.registration.staff_change_request_form(caller, change_request_id, form)
        return pdf_response(self.documents.fetch(rendered["file_id"]),
                            f"{change_request_id}-{form}.pdf")

    @http("PUT", STAFF_BASE + "/<change_request_id>/signers/<signer_id>/signature")
    @doc("Upload a new signer's scanned signature box, as for registration applications "
         "(REG-7)", response=SignerViewSchema, errors=[401, 403, 404, 409, 413, 422],
         tags=STAFF_TAGS)
    @authorized("staff.review")
    def upload_change_signature(self, request, caller, change_request_id, signer_id):
        return json_response(self.registration.upload_change_signature(
            caller, change_request_id, signer_id, signature_scan(request)))

    @http("GET", STAFF_BASE + "/<change_request_id>/signers/<signer_id>/signature.png")
    @doc("A new signer's signature as registered (REG-7)", errors=[401, 403, 404],
         tags=STAFF_TAGS)
    @authorized("staff.review")
    def change_signer_signature(self, request, caller, change_request_id, signer_id):
        return png_response(self.documents.fetch(self.registration.change_signer_signature(
            caller, change_request_id, signer_id)["file_id"]))

    @http("POST", STAFF_BASE + "/<change_request_id>/approval")
    @doc("Approve: applied at once (company, new signers' user IDs, removed signers' IDs and "
         "sub IDs ended, a new trade registration certificate), mailed",
         response=ChangeRequestViewSchema, errors=[401, 403, 404, 409, 422], tags=STAFF_TAGS)
    @authorized("staff.review")
    def approve_change_request(self, request, caller, change_request_id):
        return json_response(self.registration.approve_change_request(caller,
                                                                      change_request_id))

    @http("POST", STAFF_BASE + "/<change_request_id>/return")
    @doc("Return to the admin with a reason (mailed)", request=ReturnSchema,
         errors=[401, 403, 404, 409, 422], tags=STAFF_TAGS)
    @authorized("staff.review")
    def return_change_request(self, request, caller, change_request_id):
        return json_response(self.registration.return_change_request(
            caller, change_request_id, json_body(request)))
