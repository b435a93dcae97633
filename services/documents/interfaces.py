"""documents' contract: the RPC methods others may call (`ServiceRpc("documents")`). It
renders what it is given and uses no other service (ARCHITECTURE). Each kind's payload schema
is in services/documents/schemas.py (the renderer's own contract, versioned by name:
PledgeSchema, RegistrationCertificateSchema, ...); errors are services/documents/exceptions.py.
It publishes no events yet."""
from typing import Protocol

from services.documents.labels import LEGAL_ENTITY_TYPES
from tradecert import outbox

SERVICE = "documents"

#: The RPCs that take seconds by design (rendering and signing, reading an upload): callers
#: wait RPC.slow_timeout_s for them (the gateway GATEWAY.rpc_slow_timeout_s), for any other
#: RPC.timeout_s (issue 12).
SLOW_CALLS = frozenset({"render", "store_attachment", "store_signature"})

#: REG-7: the largest signature scan `store_signature` reads (10 MiB: a 600-dpi colour box
#: scan is far below); callers say it to people instead of keeping a copy.
MAX_SIGNATURE_SCAN_BYTES = 10 * 1024 * 1024
#: ISS-5, ISS-6, ISS-10: the largest attachment `store_attachment` keeps (10 MiB, API.md's
#: "≤ 10 MB"); callers say it to people instead of keeping a copy.
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


def company_name_ja(company: dict) -> str:
    """REG-4.4: the Japanese company name as documents print it: entered without the entity
    type, which goes before or after it. Here so that a service that shows or passes on the
    name (registration's `exporter` for issuance) says it the same way."""
    entity = company.get("legal_entity_type")
    if not entity:
        return company["name_ja"]
    label = (company.get("legal_entity_type_other") if entity == "other"
             else LEGAL_ENTITY_TYPES[entity])
    if company.get("legal_entity_position") == "before":
        return f"{label}{company['name_ja']}"
    return f"{company['name_ja']}{label}"


class DocumentsRpc(Protocol):
    """Every RPC of `documents` (services/documents/service.py implements each)."""

    def render(self, kind: str, payload: dict) -> dict:
        """Validates `payload` with the kind's schema, renders (and signs, for certified
        kinds) and stores it: RenderedDocumentSchema {file_id, kind, pages, size, signed,
        created_at}. The same payload answers the same file. Raises UnknownDocumentKind,
        ValidationFailed (the payload's fields), SigningUnavailable.

        `signature-stamp` (ISS-10) stamps the chamber's certification on every page of the
        stored PDF `document_file_id` (from `store_attachment`) and signs it; DocumentNotStampable
        (`document_file_id`: `document_not_found`, `document_not_stampable`) when it cannot.
        `preview: true` (`co`, `signature-stamp`; issue 10) renders the same document
        watermarked "PREVIEW – NOT VALID / 見本・無効", without a QR code and unsigned
        (`signed` false): certificate_no and access_code may then be left out. `copy: true`
        (`co`, `signature-stamp`; ISS-8) marks the certificate COPY instead of ORIGINAL.

        ISS-8, ISS-11 (payment's documents, unsigned): `receipt` (領収書, ReceiptSchema):
        `amount_jpy` must be the sum of the lines' `fee_jpy` (`amount_not_sum_of_lines`),
        `issued_on` a Japan date not before `paid_at`'s day in Japan
        (`issued_before_payment`); `statement` (利用明細, StatementSchema): `month` YYYY-MM
        (`format_month`), each payment's `paid_at` in that month in Japan time
        (`payments.<i>.paid_at`: `paid_outside_month`), each payment's lines adding up and
        `refunded_jpy` ≤ `amount_jpy` (`refund_exceeds_amount`), `total_jpy` = Σ (amount −
        refunded) (`total_not_sum_of_payments`). Certificate types: co_japan | co_foreign |
        signature (`certificate_type_unknown`)."""

    def fetch(self, file_id: str) -> dict:
        """A stored file: {file_id, content_type, size, data (base64)}. Raises FileNotFound."""

    def store_signature(self, scan_base64: str) -> dict:
        """REG-7: a scanned signature box in; the clean, cropped, transparent PNG kept:
        StoredImageSchema {file_id, width, height}. Raises ValidationFailed (`not_base64`),
        SignatureRejected (`signature_empty`, `signature_touches_frame`, ...)."""

    def store_attachment(self, data_base64: str, filename: str) -> dict:
        """ISS-5, ISS-6, ISS-10: an application's attachment in, kept in the file store by
        its content: StoredAttachmentSchema {file_id, sha256 (the same: the id is the bytes'
        SHA-256), content_type (application/pdf, image/png or image/jpeg, told by the
        content, never by `filename`), size, pages, encrypted (a PDF that cannot be stamped),
        filename}. Raises ValidationFailed: `file` `not_base64`; AttachmentTooLarge (413) `file`
        `attachment_too_large` over MAX_ATTACHMENT_BYTES; AttachmentRefused `file`
        `attachment_type` for anything but a PDF that parses or a readable PNG / JPEG;
        `filename` `filename_invalid` (1-255 characters, no control characters)."""

    def signing_certificates(self, cci_code: str) -> dict:
        """Issue 13: {cci_code, certificates: [{number, status (signing, retired, expired,
        not yet valid, superseded), subject, serial (hex), fingerprint_sha256, not_before,
        not_after (ISO 8601, UTC), pem}] oldest first, trust_roots: [PEM]}: what validates
        any PDF the chamber signed, with its current key or a retired one (a chamber with no
        key yet: both lists empty). ValidationFailed `cci_code` `format_cci_code`."""

    def verify_signature(self, file_id: str, cci_code: str) -> dict:
        """Issue 13: the stored PDF's last signature checked offline as the chamber's (a
        path to its trust roots, signed with one of its certificates, current or retired,
        covering the whole file): {ok, intact, valid, trusted, signer, signer_fingerprint,
        coverage, modified_after_signing, problem, cci_code}. FileNotFound;
        ValidationFailed `cci_code` `format_cci_code`."""

    def kinds(self) -> list[str]:
        """The document kinds `render` knows."""

    def health(self) -> dict:
        """{service, status: ok} when the database answers."""

    def echo(self) -> dict:
        """{service, ok: true} at once, touching nothing: the RPC round trip alone."""


EVENTS: dict = {}

outbox.register_events(SERVICE, EVENTS)
