"""registration's contract: the RPC methods other services and the gateway may call
(`ServiceRpc("registration")`), and the events it publishes (source `registration`).

Payloads are loaded with the schemas of services/registration/schemas.py named below; errors
are those of services/registration/exceptions.py (and tradecert.errors' kinds), which cross
RPC as tradecert/errors.py says. Applicant calls take the application number and its
`application_token` (until approval: then every such call raises ApplicationApproved, an
ApplicationTokenInvalid, 401); staff and admin calls take `caller`, the context identity's
`authorize` gave the gateway.

Events carry facts: numbers, dates, the reason of a return, and the one-time token a change
created that cannot be read back later (stored only as a hash). Who is mailed, and the
company's name, are asked with `application_contact` / `registration_contact`.
"""
from typing import Protocol

from marshmallow import Schema, fields, validate

from tradecert import outbox

SERVICE = "registration"

#: The RPCs that take seconds by design (they render PDFs or read a scan through documents,
#: or wait for identity to create an approval's IDs): callers wait RPC.slow_timeout_s for
#: them (the gateway GATEWAY.rpc_slow_timeout_s), for any other RPC.timeout_s (issue 12).
SLOW_CALLS = frozenset({"approve", "approve_change_request", "change_request_form",
                        "new_admin_password", "render_form", "renew",
                        "staff_change_request_form", "staff_form", "upload_change_signature",
                        "upload_signature"})

CCI_CODE = validate.Regexp(r"^\d{4}$")


class RegistrationRpc(Protocol):
    """Every RPC of `registration` (services/registration/service.py implements each)."""

    # --- applicants (REG-2 … REG-7) ---

    def invite(self, cci_code: str, payload: dict, client_address: str | None = None) -> None:
        """InvitationSchema (REG-2): mails the guidance with a 60-day link. Publishes
        `invitation_created`. `client_address` is the client's as the gateway determined it
        (None: not limited). Raises ChamberNotFound, AgreementRequired, ValidationFailed,
        TooManyInvitations (429: that address's invitations for the hour are used up)."""

    def start_application(self, payload: dict) -> dict:
        """ConsentSchema (REG-3): {application_number, application_token, status, created}.
        Raises AgreementRequired, InvitationNotFound, InvitationExpired."""

    def check_invitation(self, invitation_token: str) -> dict:
        """REG-2, REG-3: {cci_code, valid_until} of the invitation a mailed link holds, so
        the consent page says at once when the link is broken or too old. Raises
        InvitationNotFound, InvitationExpired."""

    def get_application(self, number: str, token: str) -> dict:
        """ApplicationViewSchema. Raises ApplicationTokenInvalid."""

    def save_company(self, number: str, token: str, payload: dict) -> dict:
        """CompanySchema (REG-4); returns ApplicationViewSchema. Raises
        ApplicationTokenInvalid, ApplicationNotEditable, ValidationFailed."""

    def add_signer(self, number: str, token: str, payload: dict) -> dict:
        """NewSignerSchema (REG-5, REG-10); returns SignerViewSchema. Raises
        ApplicationTokenInvalid, ApplicationNotEditable, AgentsHaveNoSigners,
        ValidationFailed (`reason_required`)."""

    def remove_signer(self, number: str, token: str, signer_id: str) -> None:
        """Raises ApplicationTokenInvalid, ApplicationNotEditable, SignerNotFound."""

    def submit(self, number: str, token: str) -> dict:
        """REG-6: {status}. Raises ApplicationTokenInvalid, ApplicationIncomplete."""

    def render_form(self, number: str, token: str, form: str) -> dict:
        """REG-7: one form rendered by documents, as its `render` answers. Raises
        ApplicationTokenInvalid, FormNotFound, ApplicationIncomplete, AgentsHaveNoSigners."""

    # --- chamber staff (REG-7, REG-8) ---

    def staff_queue(self, caller: dict, status: str | None = None) -> list[dict]:
        """ApplicationSummarySchema list of the caller's chamber."""

    def staff_search(self, caller: dict, text: str) -> list[dict]:
        """ApplicationSummarySchema list of the caller's chamber whose application or trade
        registration number is `text` or, when it is digits, ends with it (newest first)."""

    def staff_application(self, caller: dict, number: str) -> dict:
        """ApplicationViewSchema. Raises ApplicationNotFound."""

    def staff_form(self, caller: dict, number: str, form: str) -> dict:
        """As render_form, for staff. Raises ApplicationNotFound, FormNotFound."""

    def upload_signature(self, caller: dict, number: str, signer_id: str,
                         scan_base64: str) -> dict:
        """REG-7: the scanned signature box; SignerViewSchema. Raises ApplicationNotFound,
        ApplicationNotEditable, SignerNotFound, documents' SignatureRejected."""

    def signer_signature(self, caller: dict, number: str, signer_id: str) -> dict:
        """{file_id} of the registered signature image. Raises SignerNotFound."""

    def return_application(self, caller: dict, number: str, payload: dict) -> dict:
        """ReturnSchema: {status}. Publishes `registration_returned`. Raises
        ApplicationNotFound, ApplicationNotEditable."""

    def approve(self, caller: dict, number: str, payload: dict) -> dict:
        """ApprovalSchema (REG-8): ApprovalResultSchema. Publishes `registration_approved`.
        Safe to repeat and to run twice at once: the number is reserved once, and a repeat
        with the same receipt number answers the same result. Raises ApplicationNotFound,
        ApplicationNotEditable, AlreadyApproved (another receipt number),
        ApplicationIncomplete, identity's and documents' errors (after which a new attempt
        succeeds with the same number)."""

    def registration_certificate(self, caller: dict, number: str) -> dict:
        """{file_id} of the trade registration certificate. Raises RegistrationNotFound."""

    def new_admin_password(self, caller: dict, number: str) -> dict:
        """Staff give a company that lost it a new admin password (issue 9): identity keeps
        a new one sealed, documents renders the trade registration certificate with it, the
        certificate is kept as the registration's, then the password takes effect.
        AdminPasswordResultSchema (without `certificate_url`, the gateway's). Publishes
        `admin_password_reissued`. Safe to repeat (a repeat issues another password; the
        certificate kept is always the one whose password works). Raises
        RegistrationNotFound, identity's and documents' errors."""

    # --- admin ID, validity (REG-9, REG-10) ---

    def registration_view(self, caller: dict) -> dict:
        """RegistrationViewSchema: the caller's registration as registered, its validity
        (`valid | expiring | expired`), its renewal and its signers (identity's user IDs).
        Raises RegistrationNotFound."""

    def request_renewal(self, caller: dict) -> dict:
        """A renewal request in the chamber's queue (REG-9): {trade_registration_number,
        valid_until, renewal_requested, renewal: RenewalSchema}; a second request while one
        is open answers the same one. Publishes `renewal_requested`. Raises
        RegistrationNotFound, RenewalNotOpen (more than 30 days before expiry)."""

    def staff_renewals(self, caller: dict, status: str | None = None) -> list[dict]:
        """RenewalQueueItemSchema list of the caller's chamber, oldest request first;
        `status`: requested | renewed."""

    def staff_registration(self, caller: dict, number: str) -> dict:
        """RegistrationViewSchema of a registration of the caller's chamber, with
        `renewed_until` (what a renewal today gives). Raises RegistrationNotFound."""

    def renew(self, caller: dict, number: str, payload: dict) -> dict:
        """RenewSchema (REG-9): renews with or without a request, {trade_registration_number,
        valid_until, previous_valid_until}; the trade registration certificate is issued
        again for the new period. The same receipt number again answers the same renewal.
        Publishes `registration_renewed`. Raises RegistrationNotFound, RenewalNotOpen,
        ValidationFailed, documents' errors (nothing is kept then)."""

    # --- change requests (変更申請) ---

    def submit_change_request(self, caller: dict, payload: dict) -> dict:
        """ChangeRequestSchema, by the admin ID: {change_request_id, status: submitted,
        signers_added: [{signer_id, name_en}]}. The wizard's rules on the registration as
        it would be after the change (REG-4, REG-5, REG-10; field-named ValidationFailed,
        `change_request_empty` when nothing changes). Raises RegistrationNotFound,
        ChangeRequestOpen (one open at a time), ValidationFailed."""

    def check_change_request(self, caller: dict, payload: dict) -> dict:
        """ChangeRequestSchema checked as submit_change_request checks it, nothing written:
        ChangeRequestPreviewSchema (the pages' review). Raises as submit_change_request."""

    def change_request_basis(self, caller: dict) -> dict:
        """What a change starts from: {trade_registration_number, company, signers (the
        active ones, identity's), open_change_request_id, max_extra_addresses,
        reason_required_from (REG-10: the first new signer needing a reason)}. Raises
        RegistrationNotFound."""

    def change_requests(self, caller: dict) -> list[dict]:
        """ChangeRequestSummarySchema list of the admin's registration, newest first.
        Raises RegistrationNotFound."""

    def change_request(self, caller: dict, number: str) -> dict:
        """ChangeRequestViewSchema of the admin's own registration. Raises
        ChangeRequestNotFound."""

    def change_request_form(self, caller: dict, number: str, form: str) -> dict:
        """business-description (company changed) or signature-registration (signers
        added), the change request's number in the QR code; documents' `render` answer.
        Raises ChangeRequestNotFound, FormNotFound."""

    def staff_change_requests(self, caller: dict, status: str | None = None) -> list[dict]:
        """ChangeRequestSummarySchema list of the caller's chamber."""

    def staff_change_request(self, caller: dict, number: str) -> dict:
        """ChangeRequestViewSchema. Raises ChangeRequestNotFound (another chamber's too)."""

    def staff_change_request_form(self, caller: dict, number: str, form: str) -> dict:
        """As change_request_form, for staff. Raises ChangeRequestNotFound, FormNotFound."""

    def upload_change_signature(self, caller: dict, number: str, signer_id: str,
                                scan_base64: str) -> dict:
        """REG-7 for a signer the change adds, as upload_signature. Raises
        ChangeRequestNotFound, ChangeRequestClosed, SignerNotFound, documents'
        SignatureRejected."""

    def change_signer_signature(self, caller: dict, number: str, signer_id: str) -> dict:
        """{file_id} of a new signer's registered signature. Raises SignerNotFound."""

    def return_change_request(self, caller: dict, number: str, payload: dict) -> dict:
        """ReturnSchema: {change_request_id, status}. Publishes `change_request_returned`.
        Raises ChangeRequestNotFound, ChangeRequestClosed."""

    def approve_change_request(self, caller: dict, number: str) -> dict:
        """Applies the change at once (ChangeRequestViewSchema): the registration's company,
        identity's `apply_registration_change` (new user IDs, removed ones retired), a new
        trade registration certificate. Publishes `registration_changed`. Safe to repeat.
        Raises ChangeRequestNotFound, ChangeRequestClosed (returned), ApplicationIncomplete
        (a signature missing), identity's and documents' errors (then a new attempt
        completes it)."""

    def registration_validity(self, cci_code: str, number: str) -> dict:
        """For issuance: {valid_until, valid}. Raises RegistrationNotFound."""

    def exporter(self, cci_code: str, trade_registration_number: str) -> dict:
        """For issuance (ISS-3, box 1 of a certificate of origin): {trade_registration_number,
        name_en (as the trade registration certificate prints it), name_ja (with the legal
        entity word placed as registered), address_en_lines (current_address_en, then each
        extra address's address_en, each exactly as registered), country: "JAPAN",
        membership: member | non_member, registration_type, valid (REG-9, Japan's today),
        valid_until}. Raises RegistrationNotFound (also another chamber's)."""

    def run_daily_jobs(self, today: str | None = None) -> dict:
        """Renewal reminders and old drafts: {renewal_reminders, draft_warnings,
        drafts_removed}. Publishes `registration_expiring`, `draft_expiring`."""

    # --- for notify: who an event's mail goes to ---

    def application_contact(self, number: str) -> dict:
        """{application_number, cci_code, email, company_name_ja, registration_type}: the
        applicant's address, the company's name as entered ("" before) and how it registers
        (None before; an agent's mails ask for no signature form). Raises
        ApplicationNotFound."""

    def registration_contact(self, cci_code: str, number: str) -> dict:
        """{trade_registration_number, cci_code, email, company_name_ja}: the registration's
        contact person (REG-4.7). Raises RegistrationNotFound."""

    def health(self) -> dict:
        """{service, status: ok} when the database answers."""

    def echo(self) -> dict:
        """{service, ok: true} at once, touching nothing: the RPC round trip alone."""


# --- events ------------------------------------------------------------------------------

class ChamberEvent(Schema):
    cci_code = fields.String(required=True, validate=CCI_CODE)


class ApplicationEvent(ChamberEvent):
    application_number = fields.String(required=True)


class RegistrationEvent(ChamberEvent):
    trade_registration_number = fields.String(required=True)
    valid_until = fields.Date(required=True)


class InvitationCreated(ChamberEvent):
    """`invitation_created` (REG-2): `email` was invited; `invitation_token` opens the
    consent page until `valid_until`. The chamber's names and fees: identity's get_chamber."""

    email = fields.Email(required=True)
    invitation_token = fields.String(required=True)
    valid_until = fields.Date(required=True)


class RegistrationReturned(ApplicationEvent):
    """`registration_returned` (REG-8): back to the applicant for `reason`;
    `application_token` opens the application to correct it."""

    reason = fields.String(required=True)
    application_token = fields.String(required=True)


class DraftExpiring(ApplicationEvent):
    """`draft_expiring` (REG-10): the draft is removed on `removed_on`."""

    removed_on = fields.Date(required=True)


class RegistrationApproved(RegistrationEvent):
    """`registration_approved` (REG-8, REG-9): the number, its validity and the admin ID."""

    application_number = fields.String(required=True)
    admin_login_id = fields.String(required=True)


class RenewalRequested(RegistrationEvent):
    """`renewal_requested` (REG-9): the admin asked to renew."""


class RegistrationRenewed(RegistrationEvent):
    """`registration_renewed` (REG-9): the chamber renewed on the registration fee's receipt;
    `valid_until` is the new end, `previous_valid_until` the old one; the admin ID is mailed."""

    previous_valid_until = fields.Date(required=True)
    registration_fee_receipt_no = fields.String(required=True)
    admin_login_id = fields.String(required=True)


class RegistrationExpiring(RegistrationEvent):
    """`registration_expiring` (REG-9): `days_left` (30 or 10) before `valid_until`."""

    days_left = fields.Integer(required=True)


class ChangeRequestReturned(RegistrationEvent):
    """`change_request_returned`: staff returned the change request for `reason`;
    `signers_added` new signers were asked for, the registration is `registration_type`
    as the request would have left it."""

    change_request_id = fields.String(required=True)
    reason = fields.String(required=True)
    signers_added = fields.Integer(required=True)
    registration_type = fields.String(required=True)


class ChangedUser(Schema):
    signer_id = fields.String(required=True)
    login_id = fields.String(required=True)


class RegistrationChanged(RegistrationEvent):
    """`registration_changed`: a change request was approved and applied; the new signers'
    user IDs, how many signers' IDs ended; a new trade registration certificate exists."""

    change_request_id = fields.String(required=True)
    users = fields.List(fields.Nested(ChangedUser), required=True)
    signers_removed = fields.Integer(required=True)


class AdminPasswordReissued(RegistrationEvent):
    """`admin_password_reissued` (issue 9): staff (`by_login_id`) had a new admin password
    printed on a new trade registration certificate, now the registration's; `ref` names the
    password in identity, which puts it in effect on this event (or on registration's call)."""

    admin_login_id = fields.String(required=True)
    ref = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{32}$"))
    by_login_id = fields.String(required=True)
    certificate_file_id = fields.String(required=True)


EVENTS = {
    "admin_password_reissued": AdminPasswordReissued,
    "change_request_returned": ChangeRequestReturned,
    "registration_changed": RegistrationChanged,
    "invitation_created": InvitationCreated,
    "registration_returned": RegistrationReturned,
    "registration_approved": RegistrationApproved,
    "renewal_requested": RenewalRequested,
    "registration_renewed": RegistrationRenewed,
    "registration_expiring": RegistrationExpiring,
    "draft_expiring": DraftExpiring,
}

outbox.register_events(SERVICE, EVENTS)
