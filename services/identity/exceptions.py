"""identity's errors: named for what happened; each maps to an HTTP answer in the gateway."""
from tradecert.errors import (
    Conflict,
    Forbidden,
    Gone,
    NotFound,
    TooManyAttempts,
    Unauthorized,
    ValidationFailed,
)


class ChamberNotFound(NotFound):
    default_code = "chamber_not_found"


class ChamberExists(Conflict):
    default_code = "chamber_exists"


class LoginIdTaken(Conflict):
    default_code = "login_id_taken"


class PasswordPolicyViolated(ValidationFailed):
    """ID-2: 8–16 half-width letters and digits, both present."""

    default_code = "password_policy"


class AccountNotFound(NotFound):
    """No such ID in the caller's registration (or not the caller's to see: never tell)."""

    default_code = "account_not_found"


class InvalidCredentials(Unauthorized):
    """ID-1: the same answer for an unknown ID and a wrong password."""

    default_code = "invalid_credentials"


class LoginThrottled(TooManyAttempts):
    """ID-1: this address failed too often (across IDs, or on this ID)."""

    default_code = "too_many_login_attempts"


class VerificationCodesUsedUp(TooManyAttempts):
    """ID-5: the ID (whatever the address) or the client address asked for enough codes."""

    default_code = "too_many_verification_codes"


class WrongCodesUsedUp(TooManyAttempts):
    """ID-5: too many wrong codes for this ID today, whatever code or address."""

    default_code = "too_many_wrong_codes"


class SubIdNotificationsUsedUp(TooManyAttempts):
    """ID-6.2: the signer's (or the address's) notifications for the day are used up."""

    default_code = "too_many_sub_id_notifications"


class SessionReplaced(Unauthorized):
    """ID-8 / ID-10: a newer login with the same ID ended this session."""

    default_code = "session_replaced"


class SessionEnded(Unauthorized):
    """Logged out, expired, or never a session."""

    default_code = "unauthorized"


class NotPermitted(Forbidden):
    """ID-7: this kind of ID may not do this."""

    default_code = "forbidden"


class PasswordChangeRequired(Forbidden):
    """ID-2: the admin must change the initial password before anything else."""

    default_code = "password_change_required"


class EmailVerificationRequired(Forbidden):
    """ID-5: a user ID must verify its e-mail address first."""

    default_code = "email_verification_required"


class WrongCurrentPassword(ValidationFailed):
    default_code = "wrong_current_password"


class WrongActivationPassword(ValidationFailed):
    """ID-6.3: not the password the signer set for the sub ID (the holder has no "current"
    password yet); `params['attempts_left']` before the link stops working."""

    default_code = "wrong_activation_password"


class PasswordUnchanged(ValidationFailed):
    """ID-2: the new password must differ from the current one (the forced first change
    would otherwise keep the initial password printed on paper)."""

    default_code = "password_unchanged"


class VerificationCodeInvalid(ValidationFailed):
    """ID-5: wrong, expired or used up; `params['reason']` says which."""

    default_code = "verification_code_invalid"


class ActivationInvalid(Gone):
    """ID-6.3: the activation link is unknown, used, cancelled or expired;
    `params['reason']` says which, and `params['cci_code']` the chamber when known."""

    default_code = "activation_invalid"


class SubIdNotNotified(Conflict):
    """ID-6.2: an un-notified sub ID cannot be activated."""

    default_code = "sub_id_not_notified"


class SignerUnavailable(Conflict):
    """ISS-3: the signer an application would be signed by (the user ID itself, or the one
    that created the sub ID) was removed by a change request or locked by staff."""

    default_code = "signer_unavailable"


class RegistrationNotFound(NotFound):
    default_code = "registration_not_found"


class SessionExpired(SessionEnded):
    """Idle too long, or older than the absolute lifetime of a session."""

    default_code = "session_expired"
