"""The certificate of origin (ISS-1, ISS-4): template context and document kind."""
from services.documents import layouts, samples
from services.documents.rendering import (
    PREVIEW_WATERMARK,
    DocumentKind,
    Renderer,
    default_seal,
    png_data_uri,
    qr_data_uri,
)
from services.documents.schemas import CertificateOfOriginSchema


def prepare_certificate_of_origin(renderer: Renderer, co: dict) -> dict:
    """`co` is a validated CertificateOfOriginSchema payload."""
    # Issue 10: a preview has no verification URL nor QR code (it is never a certificate).
    co = {**co, "verification_url": None if co["preview"] else renderer.verification_url(
        co["certificate_no"], co["access_code"], co["certification"]["date"])}
    first, sheets = layouts.paginate_goods(co["goods"])
    return {
        "co": co, "first_goods": first, "sheets": sheets, "layout": layouts.CO_LAYOUT,
        # ISS-8: the first sheet printed is the ORIGINAL, further sheets are COPY.
        "sheet_label": "COPY" if co["copy"] else "ORIGINAL",
        "verify_page": f"{renderer.public_url}/verify",
        "qr": qr_data_uri(co["verification_url"]) if co["verification_url"] else None,
        "watermark": PREVIEW_WATERMARK,
        "signature": png_data_uri(co["declaration"]["signature_png"]),
        "seal": png_data_uri(co["chamber"]["seal_png"]) or default_seal(co["chamber"]["name_en"]),
    }


KIND = DocumentKind(
    name="co", template="certificate_of_origin.html", schema=CertificateOfOriginSchema,
    stylesheets=("base.css", "certificate_of_origin.css"),
    prepare=prepare_certificate_of_origin, sample=samples.certificate_of_origin, certified=True)
