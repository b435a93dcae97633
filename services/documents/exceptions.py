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
