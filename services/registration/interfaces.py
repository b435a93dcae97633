"""registration's contract: the RPC methods other services and the gateway may call
(`ServiceRpc("registration")`), and the events it publishes (source `registration`).

Payloads are loaded with the schemas of services/registration/schemas.py named below; errors
are those of services/registration/exceptions.py (and tradecert.errors' kinds), which cross
RPC as tradecert/errors.py says. Applicant calls take the application number and its
`application_token`; staff and admin calls take `caller`, the context identity's `authorize`
gave the gateway.

Events carry facts: numbers, dates, the reason of a return, and the one-time token a change
created that cannot be read back later (stored only as a hash). Who is mailed, and the
company's name, are asked with `application_contact` / `registration_contact`.
"""
from typing import Protocol

from marshmallow import Schema, fields, validate

from tradecert import outbox

SERVICE = "registration"
CCI_CODE = validate.Regexp(r"^\d{4}$")


class RegistrationRpc(Protocol):
    """Every RPC of `registration` (services/registration/service.py implements each)."""

    # --- applicants (REG-2 … REG-7) ---

    def invite(self, cci_code: str, payload: dict) -> None:
        """InvitationSchema (REG-2): mails the guidance with a 60-day link. Publishes
        `invitation_created`. Raises ChamberNotFound, AgreementRequired, ValidationFailed."""

    def start_application(self, payload: dict) -> dict:
        """ConsentSchema (REG-3): {application_number, application_token, status, created}.
        Raises AgreementRequired, InvitationNotFound, InvitationExpired."""

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

    def request_renewal(self, caller: dict) -> dict:
        """{trade_registration_number, valid_until, renewal_requested}. Publishes
        `renewal_requested`. Raises RegistrationNotFound, RenewalNotOpen."""

    def registration_validity(self, cci_code: str, number: str) -> dict:
        """For issuance: {valid_until, valid}. Raises RegistrationNotFound."""

    def run_daily_jobs(self, today: str | None = None) -> dict:
        """Renewal reminders and old drafts: {renewal_reminders, draft_warnings,
        drafts_removed}. Publishes `registration_expiring`, `draft_expiring`."""

    # --- for notify: who an event's mail goes to ---

    def application_contact(self, number: str) -> dict:
        """{application_number, cci_code, email, company_name_ja}: the applicant's address
        and the company's name as entered ("" before). Raises ApplicationNotFound."""

    def registration_contact(self, cci_code: str, number: str) -> dict:
        """{trade_registration_number, cci_code, email, company_name_ja}: the registration's
        contact person (REG-4.7). Raises RegistrationNotFound."""

    def health(self) -> dict:
        """{service, status: ok} when the database answers."""


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


class RegistrationExpiring(RegistrationEvent):
    """`registration_expiring` (REG-9): `days_left` (30 or 10) before `valid_until`."""

    days_left = fields.Integer(required=True)


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
    "invitation_created": InvitationCreated,
    "registration_returned": RegistrationReturned,
    "registration_approved": RegistrationApproved,
    "renewal_requested": RenewalRequested,
    "registration_expiring": RegistrationExpiring,
    "draft_expiring": DraftExpiring,
}

outbox.register_events(SERVICE, EVENTS)
