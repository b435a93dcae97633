"""Issuance's errors: subclasses of tradecert.errors, named for what happened; each maps to an
HTTP answer in the gateway (API.md "Issuance")."""
from tradecert.errors import Conflict, Forbidden, NotFound


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
