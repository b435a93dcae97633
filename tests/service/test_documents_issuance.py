"""The documents service over RabbitMQ for issuance (issue 10): attachments kept by their
content (ISS-5, ISS-6, ISS-10), the applicant's PDF stamped and signed (ISS-10, ISS-9), and
previews that are watermarked and never signed."""
import base64
import hashlib
import io

import pytest
from PIL import Image

from services.documents import samples
from services.documents.exceptions import (
    AttachmentRefused,
    AttachmentTooLarge,
    DocumentNotStampable,
)
from services.documents.interfaces import MAX_ATTACHMENT_BYTES
from services.documents.signing import validate
from tests.helpers import pdf as pdfs
from tests.helpers.pdf import fetch_pdf
from tradecert import config
from tradecert.errors import ValidationFailed

VERIFY = ("http://127.0.0.1:8000/verify?certificate_no=1504-2026-S00078&access_code=Q8WN-52HC"
          "&issued_on=2026-11-26")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def dev_ca() -> bytes:
    return (config.var_dir() / "keys" / "dev-ca.cert.pem").read_bytes()


def pages_text(pdf: bytes) -> list[str]:
    return [" ".join(page.split()) for page in pdfs.text(pdf).split("\f") if page.strip()]


def test_an_exe_named_pdf_is_refused_and_a_png_and_a_pdf_are_kept_by_sha256(documents):
    exe = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56 + b"PE\x00\x00" + b"\x00" * 500
    with pytest.raises(AttachmentRefused) as refused:
        documents.store_attachment(b64(exe), "invoice.pdf")
    assert refused.value.code == "attachment_type"
    assert refused.value.fields == {"file": ["attachment_type"]}

    png = base64.b64decode(samples.signature_png())
    stored = documents.store_attachment(b64(png), "invoice.pdf")  # the content decides
    assert stored["sha256"] == stored["file_id"] == hashlib.sha256(png).hexdigest()
    assert (stored["content_type"], stored["size"], stored["pages"]) == ("image/png", len(png), 1)

    document = samples.applicant_document()
    stored = documents.store_attachment(b64(document), "free-sale-certificate.pdf")
    assert stored["sha256"] == hashlib.sha256(document).hexdigest()
    assert (stored["content_type"], stored["pages"], stored["encrypted"]) == (
        "application/pdf", 2, False)
    assert fetch_pdf(documents, stored["file_id"]) == document

    jpeg = io.BytesIO()
    Image.new("RGB", (120, 80), (40, 90, 160)).save(jpeg, format="JPEG")
    assert documents.store_attachment(b64(jpeg.getvalue()), "photo.jpg")["content_type"] == \
        "image/jpeg"


def test_more_than_10_mib_or_not_base64_is_refused_with_the_file_field(documents):
    # A real PNG padded past the limit: refused for its size, whatever it is.
    too_large = base64.b64decode(samples.signature_png())
    too_large += b"\x00" * (MAX_ATTACHMENT_BYTES + 1 - len(too_large))
    with pytest.raises(AttachmentTooLarge) as refused:
        documents.store_attachment(b64(too_large), "big.png")
    assert refused.value.status == 413
    assert refused.value.fields == {"file": ["attachment_too_large"]}
    with pytest.raises(ValidationFailed) as refused:
        documents.store_attachment("%%% not base64", "x.pdf")
    assert refused.value.fields == {"file": ["not_base64"]}


def test_the_applicants_pdf_comes_back_stamped_on_every_page_and_signed(documents):
    stored = documents.store_attachment(b64(samples.applicant_document()), "fsc.pdf")
    rendered = documents.render("signature-stamp", samples.signature_stamp(stored["file_id"]))

    assert rendered["signed"] is True and rendered["pages"] == 2
    pdf = fetch_pdf(documents, rendered["file_id"])
    assert pdfs.page_count(pdf) == 2  # the applicant's pages, no more
    for number, text in enumerate(pages_text(pdf), start=1):
        assert "Signature verified by The Saitama Chamber of Commerce and Industry" in text
        assert "1504-2026-S00078" in text
        assert pdfs.qr_codes(pdf, page=number) == [VERIFY]
    assert "FREE SALE CERTIFICATE" in pages_text(pdf)[0]
    report = validate(pdf, [dev_ca()])
    assert report.ok, report.problem

    again = documents.render("signature-stamp", samples.signature_stamp(stored["file_id"]))
    assert again["file_id"] == rendered["file_id"]  # the same payload, the same file


def test_a_document_not_in_the_store_is_named(documents):
    with pytest.raises(DocumentNotStampable) as refused:
        documents.render("signature-stamp", samples.signature_stamp("ab" * 32))
    assert refused.value.fields == {"document_file_id": ["document_not_found"]}


def test_previews_are_watermarked_and_never_signed(documents):
    stored = documents.store_attachment(b64(samples.applicant_document()), "fsc.pdf")
    payload = {**samples.signature_stamp(stored["file_id"]), "preview": True,
               "certificate_no": "PREVIEW", "access_code": "PREVIEW"}
    stamp = documents.render("signature-stamp", payload)
    co = documents.render("co", {**samples.certificate_of_origin(), "preview": True,
                                 "certificate_no": "PREVIEW", "access_code": "PREVIEW"})

    for rendered in (stamp, co):
        assert rendered["signed"] is False
        pdf = fetch_pdf(documents, rendered["file_id"])
        assert b"/ByteRange" not in pdf and b"/Sig" not in pdf  # no signature at all
        assert not validate(pdf, [dev_ca()]).ok
        assert pdfs.qr_codes(pdf, page=1) == []
    for text in pages_text(fetch_pdf(documents, stamp["file_id"])):
        assert "PREVIEW – NOT VALID" in text and "見本・無効" in text
    real = documents.render("signature-stamp", samples.signature_stamp(stored["file_id"]))
    assert real["file_id"] != stamp["file_id"]
