"""The signature certification cover sheet (ISS-10): template context and document kind.

The chamber certifies that the handwritten signature on a private document matches the
registered one, not the document's content; the sheet carries the stamp wording, the registered
signature, the seal and a QR code to the public verification page (ISS-9)."""
from services.documents import samples
from services.documents.rendering import (
    DocumentKind,
    Renderer,
    default_seal,
    png_data_uri,
    qr_data_uri,
)
from services.documents.schemas import SignatureCertificationSchema

# ISS-10: the chamber's designated forms, English first as printed, with the Japanese name.
DOCUMENT_TYPES = {
    "health_certificate": ("Health Certificate", "衛生証明書"),
    "free_sale_certificate": ("Free Sale Certificate", "自由販売証明書"),
    "translation_declaration": ("Declaration on a Translation", "翻訳に関する宣誓書"),
    "other": ("Other", "その他"),
}


def stamp_wording(chamber: dict) -> str:
    """ISS-10: the wording of the certification stamp."""
    return f"Signature verified by {chamber['name_en']}"


def prepare_signature_certification(renderer: Renderer, cert: dict) -> dict:
    """`cert` is a validated SignatureCertificationSchema payload."""
    url = renderer.verification_url(cert["certificate_no"], cert["access_code"],
                                    cert["certification"]["date"])
    document_en, document_ja = DOCUMENT_TYPES[cert["document_type"]]
    if cert["document_type"] == "other":
        document_en = f"{document_en}: {cert['document_type_other']}"
    chamber = cert["chamber"]
    return {
        "cert": cert, "chamber": chamber, "document_en": document_en,
        "document_ja": document_ja, "stamp": stamp_wording(chamber),
        "verification_url": url, "verify_page": f"{renderer.public_url}/verify",
        "qr": qr_data_uri(url), "signature": png_data_uri(cert["signature_png"]),
        "seal": png_data_uri(chamber["seal_png"]) or default_seal(chamber["name_en"]),
    }


KIND = DocumentKind(
    name="signature-certification", template="signature_certification.html",
    schema=SignatureCertificationSchema,
    stylesheets=("base.css", "signature_certification.css"),
    prepare=prepare_signature_certification,
    sample=samples.signature_certification, certified=True)
