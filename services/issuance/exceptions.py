"""Issuance's errors: subclasses of tradecert.errors, named for what happened; each maps to an
HTTP answer in the gateway (API.md "Issuance")."""
from tradecert.errors import Conflict, Forbidden, Gone, NotFound, TooManyAttempts


class ApplicationNotFound(NotFound):
    """Not there, or not the caller's (ISS-3: a sub ID's view) or another chamber's (ID-9)."""

    default_code = "application_not_found"


class AttachmentNotFound(NotFound):
    default_code = "attachment_not_found"


class ApplicationLocked(Conflict):
    """ISS-7: edited only in draft or returned; each other step in its own states only
    (`params`: the status it is in)."""

    default_code = "application_locked"


class NotYourApplication(Forbidden):
    """ISS-4 box 9: no proxy. Another ID of the company sees the application but only its
    applicant (or the user ID that signs for a sub ID) changes it."""

    default_code = "application_not_yours"


class RegistrationExpired(Conflict):
    """REG-9: an expired trade registration applies for nothing and is certified nothing."""

    default_code = "registration_expired"


class CertificateNotIssued(Conflict):
    """No certificate yet: the application is not certified."""

    default_code = "certificate_not_issued"


class ApplicationNotPayable(Conflict):
    """ISS-8: only a certified, unpaid application is paid for (`fields` names each,
    `application_ids.N`; `params` its status)."""

    default_code = "application_not_payable"

class PaymentRequired(Conflict):
    """ISS-8: a certificate is printed once its fee is paid."""

    default_code = "payment_required"


class PrintWindowClosed(Gone):
    """ISS-12: printed only until `print_until` (the chamber's window after payment)."""

    default_code = "print_window_closed"


class CertificateNotValid(Conflict):
    """A revoked or replaced certificate is printed no more (ISS-13, ISS-14)."""

    default_code = "certificate_not_valid"


class NoCopiesAppliedFor(Conflict):
    """ISS-12: a COPY only when the application asked for copies."""

    default_code = "no_copies_applied_for"


class CertificateNotFound(NotFound):
    """ISS-9, ISS-14: no issued certificate with that number, access code and date; the same
    answer whichever part is wrong."""

    default_code = "certificate_not_found"


class TooManyVerifications(TooManyAttempts):
    """ISS-9: too many verification tries from one address."""

    default_code = "too_many_verifications"
