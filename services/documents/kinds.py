"""Every document the system renders, by name (`render(kind, payload)`)."""
from services.documents import (
    certificate_of_origin,
    payment_documents,
    registration_documents,
    signature_certification,
    signature_stamp,
)
from services.documents.rendering import DocumentKind

KINDS: dict[str, DocumentKind] = {
    kind.name: kind for kind in (
        certificate_of_origin.KIND,
        *registration_documents.KINDS,
        *payment_documents.KINDS,
        signature_certification.KIND,
        signature_stamp.KIND,
    )
}
