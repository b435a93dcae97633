import base64

from services.documents import domain
from services.documents.dependencies import (
    Database,
    DocumentRenderer,
    Files,
    LogContext,
    Metrics,
    OutboxRelay,
    Signers,
)
from services.documents.interfaces import MAX_ATTACHMENT_BYTES
from services.documents.schemas import (
    RenderedDocumentSchema,
    StoredAttachmentSchema,
    StoredImageSchema,
)
from tradecert.entrypoints import HealthCheck, rpc


class DocumentsService(HealthCheck):
    """Every PDF of the system. Runs as its own pool of processes consuming one queue
    (ARCHITECTURE: documents), so rendering capacity scales without touching the rest."""

    name = "documents"

    db = Database()
    outbox = OutboxRelay()
    log_context = LogContext()
    metrics = Metrics()
    renderer = DocumentRenderer()
    files = Files()
    signers = Signers()

    @rpc
    def render(self, kind: str, payload: dict) -> dict:
        """Render (and sign, for certified kinds) and store; the same payload returns the
        same file."""
        with self.db.transaction() as session:
            document = domain.produce(session, kind=kind, payload=payload,
                                      renderer=self.renderer, store=self.files,
                                      sign=self.signers.sign)
        return RenderedDocumentSchema().dump(document)

    @rpc
    def fetch(self, file_id: str) -> dict:
        stored = self.files.get(file_id)
        return {"file_id": stored.file_id, "content_type": stored.content_type,
                "size": stored.size, "data": base64.b64encode(stored.data).decode("ascii")}

    @rpc
    def store_signature(self, scan_base64: str) -> dict:
        """REG-7: a scanned signature box in; a clean, cropped, transparent PNG kept."""
        scan = domain.decode_upload(scan_base64)
        with self.db.transaction() as session:
            image = domain.store_signature(session, scan, self.files)
        return StoredImageSchema().dump(image)

    @rpc
    def store_attachment(self, data_base64: str, filename: str) -> dict:
        """ISS-5, ISS-6, ISS-10: a PDF, PNG or JPEG (by its content) kept by its SHA-256."""
        data = domain.decode_upload(data_base64, field="file", limit=MAX_ATTACHMENT_BYTES)
        return StoredAttachmentSchema().dump(domain.store_attachment(data, filename, self.files))

    @rpc
    def signing_certificates(self, cci_code: str) -> dict:
        """Issue 13: the chamber's certificates, current and retired, and its trust roots."""
        return domain.describe_keyring(self.signers.keyring(domain.checked_cci_code(cci_code)))

    @rpc
    def verify_signature(self, file_id: str, cci_code: str) -> dict:
        """Issue 13: a stored PDF's signature checked as the chamber's, whichever of its keys
        (current or retired) signed it."""
        keyring = self.signers.keyring(domain.checked_cci_code(cci_code))
        return domain.verify_signature(self.files.get(file_id).data, keyring)

    @rpc
    def kinds(self) -> list[str]:
        return sorted(self.renderer.kinds)
