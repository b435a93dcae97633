"""Trade registration (API.md: Trade registration; REG-1 … REG-10). Thin: parse, RPC, answer."""
from gateway.auth import application_token, authorized, public
from gateway.forms.registration import certificate_url
from gateway.http import (
    client_address,
    http,
    json_body,
    json_response,
    no_content,
    pdf_response,
    png_response,
    signature_scan,
)
from gateway.openapi import doc
from services.registration.schemas import (
    AdminPasswordResultSchema,
    ApplicationViewSchema,
    ApprovalResultSchema,
    ApprovalSchema,
    CompanySchema,
    ConsentSchema,
    InvitationSchema,
    NewSignerSchema,
    RegistrationViewSchema,
    RenewalQueueItemSchema,
    RenewalRequestedSchema,
    RenewedSchema,
    RenewSchema,
    ReturnSchema,
    SignerViewSchema,
    StartedApplicationSchema,
)

TAGS = ["trade registration"]
STAFF_TAGS = ["trade registration: chamber staff"]


class RegistrationRoutes:
    @http("POST", "/api/v1/chambers/<cci_code>/registration-invitations")
    @doc("Mail the guidance with a 60-day link (REG-2); a few an hour per client address",
         request=InvitationSchema, status=202, errors=[404, 422, 429], tags=TAGS)
    @public
    def invite(self, request, cci_code):
        self.registration.invite(cci_code, json_body(request), client_address(request))
        return json_response({"status": "sent"}, 202)

    @http("POST", "/api/v1/registration-applications")
    @doc("Consent (REG-3): a draft application and its token; the same invitation again "
         "gives the same application with a fresh token", request=ConsentSchema,
         response=StartedApplicationSchema, status=201, errors=[404, 410, 422], tags=TAGS)
    @public
    def start_application(self, request):
        started = self.registration.start_application(json_body(request))
        created = started.pop("created")
        return json_response(started, 201 if created else 200)

    @http("GET", "/api/v1/registration-applications/<number>")
    @doc("Everything entered, the status and the updated date-time",
         response=ApplicationViewSchema, errors=[401], tags=TAGS)
    @application_token
    def get_application(self, request, token, number):
        return json_response(self.registration.get_application(number, token))

    @http("PUT", "/api/v1/registration-applications/<number>/company")
    @doc("The company form (REG-4); 422 names every broken rule", request=CompanySchema,
         response=ApplicationViewSchema, errors=[401, 409, 422], tags=TAGS)
    @application_token
    def save_company(self, request, token, number):
        return json_response(self.registration.save_company(number, token, json_body(request)))

    @http("POST", "/api/v1/registration-applications/<number>/signers")
    @doc("Add a signer (REG-5); a reason from the 16th; agents: 409", request=NewSignerSchema,
         response=SignerViewSchema, status=201, errors=[401, 409, 422], tags=TAGS)
    @application_token
    def add_signer(self, request, token, number):
        return json_response(self.registration.add_signer(number, token, json_body(request)),
                             201)

    @http("DELETE", "/api/v1/registration-applications/<number>/signers/<signer_id>")
    @doc("Remove a signer", status=204, errors=[401, 404, 409], tags=TAGS)
    @application_token
    def remove_signer(self, request, token, number, signer_id):
        self.registration.remove_signer(number, token, signer_id)
        return no_content()

    @http("POST", "/api/v1/registration-applications/<number>/submission")
    @doc("Submit (REG-6); edits stay possible until approval", errors=[401, 409], tags=TAGS)
    @application_token
    def submit(self, request, token, number):
        return json_response(self.registration.submit(number, token))

    @http("GET", "/api/v1/registration-applications/<number>/forms/<form>.pdf")
    @doc("The pledge, business description or signature registration form (REG-7)",
         errors=[401, 404, 409], tags=TAGS)
    @application_token
    def form(self, request, token, number, form):
        rendered = self.registration.render_form(number, token, form)
        return pdf_response(self.documents.fetch(rendered["file_id"]), f"{number}-{form}.pdf")

    # --- chamber staff ------------------------------------------------------------------------

    @http("GET", "/api/v1/staff/registration-applications")
    @doc("The chamber's applications, `?status=submitted` for the queue", errors=[401, 403],
         tags=STAFF_TAGS)
    @authorized("staff.review")
    def staff_queue(self, request, caller):
        return json_response(self.registration.staff_queue(caller, request.args.get("status")))

    @http("GET", "/api/v1/staff/registration-applications/<number>")
    @doc("One application, found by its number (typed or scanned from the forms' QR code)",
         response=ApplicationViewSchema, errors=[401, 403, 404], tags=STAFF_TAGS)
    @authorized("staff.review")
    def staff_application(self, request, caller, number):
        return json_response(self.registration.staff_application(caller, number))

    @http("GET", "/api/v1/staff/registration-applications/<number>/forms/<form>.pdf")
    @doc("A form of the application, as the applicant printed it", errors=[401, 403, 404],
         tags=STAFF_TAGS)
    @authorized("staff.review")
    def staff_form(self, request, caller, number, form):
        rendered = self.registration.staff_form(caller, number, form)
        return pdf_response(self.documents.fetch(rendered["file_id"]), f"{number}-{form}.pdf")

    @http("PUT", "/api/v1/staff/registration-applications/<number>/signers/<signer_id>/signature")
    @doc("Upload a signer's scanned signature box (image/png or image/jpeg, at most the "
         "view's `max_signature_scan_bytes`); 422 when the signature touches or crosses the "
         "frame (REG-7)", response=SignerViewSchema, errors=[401, 403, 404, 409, 413, 422],
         tags=STAFF_TAGS)
    @authorized("staff.review")
    def upload_signature(self, request, caller, number, signer_id):
        return json_response(self.registration.upload_signature(
            caller, number, signer_id, signature_scan(request)))

    @http("GET",
          "/api/v1/staff/registration-applications/<number>/signers/<signer_id>/signature.png")
    @doc("The signature as registered: cropped, on a transparent background (REG-7)",
         errors=[401, 403, 404], tags=STAFF_TAGS)
    @authorized("staff.review")
    def signer_signature(self, request, caller, number, signer_id):
        return png_response(self.documents.fetch(
            self.registration.signer_signature(caller, number, signer_id)["file_id"]))

    @http("POST", "/api/v1/staff/registration-applications/<number>/approval")
    @doc("Approve with the registration fee's cash receipt number (REG-8)",
         request=ApprovalSchema, response=ApprovalResultSchema, status=201,
         errors=[401, 403, 404, 409, 422], tags=STAFF_TAGS)
    @authorized("staff.review")
    def approve(self, request, caller, number):
        return json_response(self.registration.approve(caller, number, json_body(request)), 201)

    @http("POST", "/api/v1/staff/registration-applications/<number>/return")
    @doc("Return to the applicant with a reason (mailed)", request=ReturnSchema,
         errors=[401, 403, 404, 409, 422], tags=STAFF_TAGS)
    @authorized("staff.review")
    def return_application(self, request, caller, number):
        return json_response(self.registration.return_application(caller, number,
                                                                  json_body(request)))

    @http("GET", "/api/v1/staff/registrations/<number>/certificate.pdf")
    @doc("The trade registration certificate with the admin ID and initial password (REG-8)",
         errors=[401, 403, 404], tags=STAFF_TAGS)
    @authorized("staff.review")
    def registration_certificate(self, request, caller, number):
        rendered = self.registration.registration_certificate(caller, number)
        return pdf_response(self.documents.fetch(rendered["file_id"]),
                            f"trade-registration-certificate-{number}.pdf")

    @http("POST", "/api/v1/staff/registrations/<number>/admin-password")
    @doc("A new admin password for a company that lost it: generated, printed on a new trade "
         "registration certificate (which `certificate_url`, GET "
         "/api/v1/staff/registrations/{n}/certificate.pdf, gives from now on) and only then "
         "in effect; the admin must change it at the next login, its sessions end. Repeating "
         "issues another password (the certificate always shows the one that works).",
         response=AdminPasswordResultSchema, errors=[401, 403, 404], tags=STAFF_TAGS)
    @authorized("staff.accounts")
    def new_admin_password(self, request, caller, number):
        result = self.registration.new_admin_password(caller, number)
        return json_response({**result, "certificate_url": certificate_url(number)})

    @http("GET", "/api/v1/staff/renewals")
    @doc("The chamber's renewals, `?status=requested` for the queue (oldest request first; "
         "REG-9)", response=RenewalQueueItemSchema(many=True), errors=[401, 403],
         tags=STAFF_TAGS)
    @authorized("staff.review")
    def staff_renewals(self, request, caller):
        return json_response(self.registration.staff_renewals(caller,
                                                              request.args.get("status")))

    @http("POST", "/api/v1/staff/registrations/<number>/renewal")
    @doc("Renew on the registration fee's cash receipt, with or without the admin's request: "
         "the chamber's validity from the old `valid_until`, or from today when expired; the "
         "admin is mailed; the same receipt again answers the same renewal (REG-9)",
         request=RenewSchema, response=RenewedSchema, errors=[401, 403, 404, 409, 422],
         tags=STAFF_TAGS)
    @authorized("staff.review")
    def renew(self, request, caller, number):
        return json_response(self.registration.renew(caller, number, json_body(request)))

    # --- admin and user IDs -------------------------------------------------------------------

    @http("GET", "/api/v1/registration")
    @doc("The registration as registered, its validity (`valid | expiring | expired`), its "
         "renewal and its signers (REG-9)", response=RegistrationViewSchema,
         errors=[401, 403, 404], tags=TAGS)
    @authorized("registration.view")
    def registration_view(self, request, caller):
        return json_response(self.registration.registration_view(caller))

    @http("POST", "/api/v1/registration/renewal")
    @doc("Request renewal: the chamber sees it in its queue; opens 30 days before expiry and "
         "stays open after it; a second request while one is open is the same one (REG-9)",
         response=RenewalRequestedSchema, status=202, errors=[401, 403, 404, 409], tags=TAGS)
    @authorized("registration.renew")
    def request_renewal(self, request, caller):
        return json_response(self.registration.request_renewal(caller), 202)
