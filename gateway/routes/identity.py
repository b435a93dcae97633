"""Sessions and IDs (API.md: Sessions and IDs; ID-1 … ID-9). Thin: parse, RPC, answer."""
from gateway.auth import authorized, credential_of, public, sent_bearer
from gateway.http import (
    client_address,
    http,
    json_body,
    json_response,
    no_content,
    pdf_response,
)
from gateway.openapi import doc
from services.identity.schemas import (
    EmailVerificationConfirmSchema,
    EmailVerificationRequestSchema,
    LoginResultSchema,
    LoginSchema,
    NewPasswordSchema,
    PasswordChangeSchema,
    RegistrationIdsSchema,
    SignerSchema,
    StaffAccountSchema,
    SubIdActivationSchema,
    SubIdNotificationSchema,
    SubIdSchema,
    SubIdUpdateSchema,
)
from tradecert.errors import Forbidden

TAGS = ["sessions and IDs"]
STAFF_TAGS = ["sessions and IDs: chamber staff"]


class IdentityRoutes:
    @http("POST", "/api/v1/sessions")
    @doc("Log in with chamber code, ID and password (ID-1)", request=LoginSchema,
         response=LoginResultSchema, status=201, errors=[401, 422, 429], tags=TAGS)
    @public
    def login(self, request):
        result = self.identity.login(json_body(request), "bearer", client_address(request))
        return json_response(result, status=201)

    @http("DELETE", "/api/v1/sessions/current")
    @doc("Log out", status=204, errors=[401], tags=TAGS)
    @authorized("session.end")
    def logout(self, request, caller):
        self.identity.logout(*credential_of(request))
        return no_content()

    @http("GET", "/api/v1/me")
    @doc("The logged-in ID", errors=[401], tags=TAGS)
    @authorized("me.view")
    def me(self, request, caller):
        return json_response(self.identity.me(caller))

    @http("PUT", "/api/v1/me/password")
    @doc("Change the own password (ID-2); a wrong current password counts as a failed login",
         request=PasswordChangeSchema, status=204, errors=[401, 422, 429], tags=TAGS)
    @authorized("password.change")
    def change_password(self, request, caller):
        self.identity.change_password(caller, json_body(request), client_address(request))
        return no_content()

    @http("POST", "/api/v1/me/email-verification")
    @doc("Mail a confirmation code; `email` changes the address first (ID-5)",
         request=EmailVerificationRequestSchema, status=202, errors=[401, 403, 422, 429],
         tags=TAGS)
    @authorized("email.verify")
    def request_email_verification(self, request, caller):
        body = json_body(request, required=False)
        return json_response(self.identity.request_email_verification(
            caller, body, client_address(request)), 202)

    @http("POST", "/api/v1/me/email-verification/confirm")
    @doc("Confirm the code (ID-5)", request=EmailVerificationConfirmSchema, status=204,
         errors=[401, 403, 422, 429], tags=TAGS)
    @authorized("email.verify")
    def confirm_email_verification(self, request, caller):
        self.identity.confirm_email_verification(caller, json_body(request))
        return no_content()

    # --- admin ID -------------------------------------------------------------------------

    @http("GET", "/api/v1/signers")
    @doc("Every signer with the sub IDs each created (ID-6.4)", response=SignerSchema(many=True),
         errors=[401, 403], tags=TAGS)
    @authorized("signers.view")
    def list_signers(self, request, caller):
        return json_response(self.identity.list_signers(caller))

    @http("GET", "/api/v1/signers/<login_id>/registration-certificate.pdf")
    @doc("The signer registration certificate; the password only on the day of the first "
         "output (ID-3)", errors=[401, 403, 404], tags=TAGS)
    @authorized("signer_certificates.output")
    def signer_certificate(self, request, caller, login_id):
        # ID-3: the first output starts the day its password is printed. A GET that only a
        # browser's cookie authenticates must not start it (a link or an <img> on another
        # site could): the pages output it with a POST (/signers/<login_id>/certificate).
        if not sent_bearer(request):
            raise Forbidden(code="bearer_required",
                            message="send the Bearer token, or output the certificate from "
                                    "the signers page")
        rendered = self.identity.signer_certificate(caller, login_id)
        return pdf_response(self.documents.fetch(rendered["file_id"]),
                            f"signer-registration-certificate-{login_id}.pdf")

    @http("PUT", "/api/v1/signers/<login_id>/password")
    @doc("Set a signer's password (ID-4)", request=NewPasswordSchema, status=204,
         errors=[401, 403, 404, 422], tags=TAGS)
    @authorized("signers.set_password")
    def set_signer_password(self, request, caller, login_id):
        self.identity.set_signer_password(caller, login_id, json_body(request))
        return no_content()

    @http("PUT", "/api/v1/sub-ids/<login_id>/password")
    @doc("Reset a sub ID's password; its notification is cancelled (ID-6.5)",
         request=NewPasswordSchema, status=204, errors=[401, 403, 404, 422], tags=TAGS)
    @authorized("sub_ids.set_password")
    def set_sub_id_password(self, request, caller, login_id):
        self.identity.set_sub_id_password(caller, login_id, json_body(request))
        return no_content()

    # --- user ID: sub IDs -------------------------------------------------------------------

    @http("POST", "/api/v1/sub-ids")
    @doc("Create a sub ID (ID-6.1); the `Idempotency-Key` header makes a retry (after a 503, "
         "issue 12) answer the same sub ID", request=SubIdSchema, response=SubIdSchema,
         status=201, errors=[401, 403, 422], tags=TAGS)
    @authorized("sub_ids.manage")
    def create_sub_id(self, request, caller):
        return json_response(self.identity.create_sub_id(
            caller, json_body(request), request.headers.get("Idempotency-Key") or None), 201)

    @http("GET", "/api/v1/sub-ids")
    @doc("The caller's sub IDs", response=SubIdSchema(many=True), errors=[401, 403], tags=TAGS)
    @authorized("sub_ids.manage")
    def list_sub_ids(self, request, caller):
        return json_response(self.identity.list_sub_ids(caller))

    @http("PATCH", "/api/v1/sub-ids/<login_id>")
    @doc("Edit a sub ID (ID-6.5)", request=SubIdUpdateSchema, response=SubIdSchema,
         errors=[401, 403, 404, 422], tags=TAGS)
    @authorized("sub_ids.manage")
    def update_sub_id(self, request, caller, login_id):
        return json_response(self.identity.update_sub_id(caller, login_id, json_body(request)))

    @http("DELETE", "/api/v1/sub-ids/<login_id>")
    @doc("Delete a sub ID for good (ID-6.6)", status=204, errors=[401, 403, 404], tags=TAGS)
    @authorized("sub_ids.manage")
    def delete_sub_id(self, request, caller, login_id):
        self.identity.delete_sub_id(caller, login_id)
        return no_content()

    @http("POST", "/api/v1/sub-ids/<login_id>/notification")
    @doc("Mail the holder an activation link (ID-6.2); a few a day per user ID",
         request=SubIdNotificationSchema, status=202, errors=[401, 403, 404, 422, 429],
         tags=TAGS)
    @authorized("sub_ids.manage")
    def notify_sub_id(self, request, caller, login_id):
        return json_response(self.identity.notify_sub_id(caller, login_id, json_body(request),
                                                         client_address(request)), 202)

    @http("POST", "/api/v1/sub-id-activations")
    @doc("Activate a sub ID with the password the signer set (ID-6.3)",
         request=SubIdActivationSchema, status=204, errors=[409, 410, 422], tags=TAGS)
    @public
    def activate_sub_id(self, request):
        self.identity.activate_sub_id(json_body(request))
        return no_content()

    # --- chamber staff: a registration's IDs (issue 9) -----------------------------------------

    @http("GET", "/api/v1/staff/registrations/<number>/accounts")
    @doc("The admin, user and sub IDs of a trade registration of the staff's chamber, each "
         "with its locked state", response=RegistrationIdsSchema, errors=[401, 403, 404],
         tags=STAFF_TAGS)
    @authorized("staff.accounts")
    def staff_registration_accounts(self, request, caller, number):
        return json_response(self.identity.staff_registration_accounts(caller, number))

    @http("POST", "/api/v1/staff/accounts/<login_id>/lock")
    @doc("Lock an admin, user or sub ID of the staff's chamber (a leaked one): its sessions "
         "end at once (their next call: 401) and its logins are answered as a wrong "
         "password (401 invalid_credentials) until unlocked. Another chamber's ID, an "
         "unknown one or a staff ID: 404. Locking a locked ID changes nothing.",
         response=StaffAccountSchema, errors=[401, 403, 404], tags=STAFF_TAGS)
    @authorized("staff.accounts")
    def lock_account(self, request, caller, login_id):
        return json_response(self.identity.lock_account(caller, login_id))

    @http("POST", "/api/v1/staff/accounts/<login_id>/unlock")
    @doc("Unlock an ID locked by staff: it can log in again with its password",
         response=StaffAccountSchema, errors=[401, 403, 404], tags=STAFF_TAGS)
    @authorized("staff.accounts")
    def unlock_account(self, request, caller, login_id):
        return json_response(self.identity.unlock_account(caller, login_id))
