"""documents' errors: subclasses of tradecert.errors, named for what happened."""
from tradecert.errors import NotFound, TradecertError, ValidationFailed


class UnknownDocumentKind(ValidationFailed):
    default_code = "unknown_document_kind"


class FileNotFound(NotFound):
    """No stored file has this id."""

    default_code = "file_not_found"


class SignatureRejected(ValidationFailed):
    """REG-7: the scanned signature cannot be used. `code` says why:
    `signature_empty`, `signature_touches_frame`, `signature_image_unreadable`,
    `signature_image_too_large`."""

    default_code = "signature_rejected"


class SigningUnavailable(TradecertError):
    """No key and certificate are configured for the chamber, so nothing can be certified."""

    status = 503
    default_code = "signing_unavailable"


class AttachmentRefused(ValidationFailed):
    """ISS-5, ISS-6, ISS-10: an uploaded attachment that is not a PDF, PNG or JPEG by its
    content (the field `file`)."""

    default_code = "attachment_type"


class AttachmentTooLarge(ValidationFailed):
    """An attachment over MAX_ATTACHMENT_BYTES (the field `file`); 413 as API.md says."""

    status = 413
    default_code = "attachment_too_large"


class DocumentNotStampable(ValidationFailed):
    """ISS-10: the stored PDF named by `document_file_id` cannot be stamped: `code` says why,
    `document_not_found` or `document_not_stampable` (encrypted, or unreadable as pages)."""

    default_code = "document_not_stampable"
