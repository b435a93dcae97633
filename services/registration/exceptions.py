"""registration's errors: named for what happened; each maps to an HTTP answer."""
from tradecert.errors import (
    Conflict,
    Gone,
    NotFound,
    TooManyAttempts,
    Unauthorized,
    ValidationFailed,
)


class InvitationExpired(Gone):
    """REG-2: the link is valid for 60 days; after that the visitor starts again."""

    default_code = "invitation_expired"


class InvitationNotFound(NotFound):
    default_code = "invitation_not_found"


class ApplicationNotFound(NotFound):
    default_code = "application_not_found"


class ApplicationTokenInvalid(Unauthorized):
    default_code = "application_token_invalid"


class ApplicationApproved(ApplicationTokenInvalid):
    """API.md: the application token is the credential until approval; from then on the
    registration is reached with the admin ID (`params['cci_code']`: whose login page)."""

    default_code = "application_approved"


class ApplicationNotEditable(Conflict):
    """Edits are possible until approval (REG-7), not after."""

    default_code = "application_not_editable"


class AlreadyApproved(ApplicationNotEditable):
    """REG-8: approved already, with another receipt (the same receipt again is a repeat
    and answers the same result)."""

    default_code = "already_approved"


class AgentsHaveNoSigners(Conflict):
    """REG-5: agents skip the signers step."""

    default_code = "agents_have_no_signers"


class ApplicationIncomplete(Conflict):
    """Submission or approval needs what `fields` lists."""

    default_code = "application_incomplete"


class SignerNotFound(NotFound):
    default_code = "signer_not_found"


class RegistrationNotFound(NotFound):
    default_code = "registration_not_found"


class RenewalNotOpen(Conflict):
    """REG-9: renewal opens 30 days before expiry."""

    default_code = "renewal_not_open"


class AgreementRequired(ValidationFailed):
    """REG-2 / REG-3: the rules, the privacy policy and the terms must be agreed to."""

    default_code = "agreement_required"


class FormNotFound(NotFound):
    default_code = "form_not_found"


class TooManyInvitations(TooManyAttempts):
    """REG-2: each invitation mails the guidance to any address; a client address gets a
    few an hour (issue 9)."""

    default_code = "too_many_invitations"


class ChangeRequestNotFound(NotFound):
    """変更申請: none of this number for the caller (another company's or chamber's: never
    tell)."""

    default_code = "change_request_not_found"


class ChangeRequestOpen(Conflict):
    """変更申請: one open change request at a time; `params['change_request_id']` names it."""

    default_code = "change_request_open"


class ChangeRequestClosed(Conflict):
    """変更申請: approved or returned already; nothing more happens to it."""

    default_code = "change_request_closed"
