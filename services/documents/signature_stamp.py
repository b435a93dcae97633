"""The signature certification stamped on the applicant's own document (ISS-10; API.md
"Issuance": "that document with the chamber's certification ('Signature verified by ...', the
number, the date, the QR code) stamped on its pages, signed").

The template renders the stamp as a small page of its own (and, for a preview, the watermark
as a second one); overlay.py draws them on every page of the stored PDF `document_file_id`,
which is then signed like every certified kind. The cover sheet (signature_certification.py)
stays a kind of its own: the certified result is the applicant's document, page for page."""
from services.documents import samples
from services.documents.rendering import (
    PREVIEW_WATERMARK,
    DocumentKind,
    Renderer,
    qr_data_uri,
)
from services.documents.schemas import SignatureStampSchema
from services.documents.signature_certification import DOCUMENT_TYPES, stamp_wording


def signer_line(signer: dict) -> str:
    """The signer as registered: English name and title, or the Japanese name alone."""
    name = signer.get("name_en") or signer["name_ja"]
    return f"{name}, {signer['title_en']}" if signer.get("title_en") else name


def prepare_signature_stamp(renderer: Renderer, stamp: dict) -> dict:
    """`stamp` is a validated SignatureStampSchema payload."""
    preview = stamp["preview"]
    url = None if preview else renderer.verification_url(
        stamp["certificate_no"], stamp["access_code"], stamp["certification"]["date"])
    document_en, document_ja = DOCUMENT_TYPES[stamp["document_kind"]]
    return {
        "stamp": stamp, "chamber": stamp["chamber"], "wording": stamp_wording(stamp["chamber"]),
        "signer": signer_line(stamp["signer"]), "document_en": document_en,
        "document_ja": document_ja, "preview": preview, "watermark": PREVIEW_WATERMARK,
        # ISS-8: the certificate as issued is the ORIGINAL; a reprint for a copy says COPY.
        "sheet_label": "COPY" if stamp["copy"] else "ORIGINAL",
        "verification_url": url, "verify_page": f"{renderer.public_url}/verify",
        "qr": qr_data_uri(url) if url else None,
    }


KIND = DocumentKind(
    name="signature-stamp", template="signature_stamp.html", schema=SignatureStampSchema,
    stylesheets=("base.css", "signature_stamp.css"), prepare=prepare_signature_stamp,
    sample=samples.signature_stamp, certified=True, overlay_on="document_file_id",
    sample_files=samples.signature_stamp_files)
