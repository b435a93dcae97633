"""What the documents service does for issuance (issue 10), without a broker: attachments told
by their content (ISS-5, ISS-6, ISS-10), the chamber's certification stamped on the applicant's
own PDF (ISS-10, ISS-9) and previews that are never certificates.

PDFs are read back with poppler and zbar (tests/helpers/pdf.py) as a reader would see them."""
import base64
import copy
import hashlib
import io
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PdfFileWriter, copy_into_new_writer

from gateway import i18n
from services.documents import domain, overlay, samples
from services.documents.attachments import identify
from services.documents.exceptions import (
    AttachmentRefused,
    AttachmentTooLarge,
    DocumentNotStampable,
)
from services.documents.interfaces import MAX_ATTACHMENT_BYTES
from services.documents.kinds import KINDS
from services.documents.rendering import Renderer
from services.documents.storage import DirectoryStore
from tests.helpers import pdf as pdfs
from tradecert.errors import ValidationFailed

STAMP = "signature-stamp"


@pytest.fixture(scope="module")
def renderer():
    return Renderer(KINDS)


@pytest.fixture
def store(tmp_path):
    return DirectoryStore(tmp_path / "files")


def png() -> bytes:
    return base64.b64decode(samples.signature_png())


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 200), (200, 220, 240)).save(out, format="JPEG", quality=80)
    return out.getvalue()


def windows_exe() -> bytes:
    """What a Windows program starts with: the DOS header `MZ`, then the PE header."""
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 46 + \
        b"\x80\x00\x00\x00" + b"\x00" * 64 + b"PE\x00\x00" + b"\x00" * 400


def encrypted_pdf() -> bytes:
    writer = copy_into_new_writer(PdfFileReader(io.BytesIO(samples.applicant_document())))
    writer.encrypt("owner-secret", "user-secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- attachments by content (ISS-5, ISS-6, ISS-10) ----------------------------------------------

def test_a_pdf_png_and_jpeg_are_told_by_their_content():
    found = identify(samples.applicant_document())
    assert (found.content_type, found.pages, found.encrypted) == ("application/pdf", 2, False)
    assert identify(png()).content_type == "image/png"
    assert identify(jpeg()).content_type == "image/jpeg"
    assert identify(encrypted_pdf()).encrypted is True


@pytest.mark.parametrize("data", [
    windows_exe(),  # an .exe renamed invoice.pdf: the name is never asked
    b"%PDF-1.7\n" + b"not a pdf at all " * 100,  # the header alone is not a PDF
    png()[:200],  # cut off: the chunks after the header are missing
    b"\xff\xd8\xff\xe0" + b"\x00" * 300,  # a JPEG's first bytes, no image
    b"GIF89a" + b"\x00" * 100,
    b"",
], ids=["exe", "pdf-header-only", "truncated-png", "jpeg-header-only", "gif", "empty"])
def test_anything_else_is_refused_as_attachment_type(data):
    with pytest.raises(AttachmentRefused) as refused:
        identify(data)
    assert refused.value.code == "attachment_type"
    assert refused.value.fields == {"file": ["attachment_type"]}


def test_store_attachment_keeps_the_bytes_by_their_sha256(store):
    document = samples.applicant_document()
    stored = domain.store_attachment(document, "free-sale.pdf", store)

    assert stored["file_id"] == stored["sha256"] == hashlib.sha256(document).hexdigest()
    assert (stored["content_type"], stored["size"], stored["pages"]) == (
        "application/pdf", len(document), 2)
    kept = store.get(stored["file_id"])
    assert kept.data == document and kept.content_type == "application/pdf"
    # The name does not decide: a PNG called .pdf is kept as the PNG it is.
    assert domain.store_attachment(png(), "scan.pdf", store)["content_type"] == "image/png"


@pytest.mark.parametrize("filename", ["", "x" * 256, "line\nbreak.pdf", None])
def test_a_bad_file_name_is_refused_with_its_field(store, filename):
    with pytest.raises(ValidationFailed) as refused:
        domain.store_attachment(png(), filename, store)
    assert refused.value.fields == {"filename": ["filename_invalid"]}


def test_more_than_10_mib_is_refused_before_and_after_decoding():
    limit = MAX_ATTACHMENT_BYTES
    assert limit == 10 * 1024 * 1024
    exact = base64.b64encode(b"\x00" * limit).decode()
    assert len(domain.decode_upload(exact, field="file", limit=limit)) == limit
    for size in (limit + 1, limit + 4096):
        with pytest.raises(AttachmentTooLarge) as refused:
            domain.decode_upload(base64.b64encode(b"\x00" * size).decode(), field="file",
                                 limit=limit)
        assert refused.value.status == 413
        assert refused.value.fields == {"file": ["attachment_too_large"]}
    with pytest.raises(ValidationFailed) as refused:
        domain.decode_upload("not base64!", field="file", limit=limit)
    assert refused.value.fields == {"file": ["not_base64"]}


@pytest.mark.parametrize("code", ["attachment_type", "attachment_too_large", "not_base64",
                                  "filename_invalid", "document_not_found",
                                  "document_not_stampable", "error.attachment_type",
                                  "error.attachment_too_large", "error.document_not_stampable",
                                  "error.document_not_found"])
def test_every_new_code_is_said_in_japanese_and_english(code):
    assert i18n.has_message("ja", code) and i18n.has_message("en", code)
    assert i18n.gettext("ja", code) != i18n.gettext("en", code)


# --- the stamp on the applicant's PDF (ISS-10) -------------------------------------------------

def stamped(renderer, store, payload=None, document=None) -> tuple[bytes, int]:
    document = document or samples.applicant_document()
    file_id = store.put(document, "application/pdf")
    payload = payload or samples.signature_stamp(file_id)
    payload["document_file_id"] = file_id
    data = renderer.validate(STAMP, payload)
    return domain.make_pdf(STAMP, data, renderer=renderer, store=store,
                           sign=lambda chamber, pdf: pdf)  # signing: the service tests


def pages_text(pdf: bytes) -> list[str]:
    return [" ".join(page.split()) for page in pdfs.text(pdf).split("\f") if page.strip()]


def test_every_page_of_the_applicants_pdf_carries_the_stamp(renderer, store):
    pdf, pages = stamped(renderer, store)

    assert pages == pdfs.page_count(pdf) == 2
    url = ("http://127.0.0.1:8000/verify?certificate_no=1504-2026-S00078"
           "&access_code=Q8WN-52HC&issued_on=2026-11-26")
    for number, text in enumerate(pages_text(pdf), start=1):
        assert "Signature verified by The Saitama Chamber of Commerce and Industry" in text
        assert "1504-2026-S00078" in text and "November 26, 2026" in text
        assert "TARO YAMADA, EXPORT MANAGER" in text and "山田 太郎" in text
        assert pdfs.qr_codes(pdf, page=number) == [url]
    # The applicant's own words stay, on their own pages.
    first, second = pages_text(pdf)
    assert "FREE SALE CERTIFICATE" in first and "CNC LATHE MODEL TL-200" in second


def test_the_stamp_sits_small_in_the_bottom_margin_at_the_right():
    a4 = (595.28, 841.89)
    form = overlay._Form(ref=None, width=124 * overlay.MM, height=24 * overlay.MM)
    [(scale, u, v)] = list(overlay._placements([form], *a4))
    assert scale == 1 and v == overlay.MARGIN  # 5 mm above the paper's edge
    assert u + form.width == pytest.approx(a4[0] - overlay.MARGIN)
    assert v + form.height < 30 * overlay.MM  # below a form's usual bottom margin
    # A page narrower than the stamp gets it smaller, never off the paper.
    [(scale, u, v)] = list(overlay._placements([form], 250, 400))
    assert scale < 1 and u == pytest.approx(overlay.MARGIN)


def rotated(document: bytes, degrees: int) -> bytes:
    writer = copy_into_new_writer(PdfFileReader(io.BytesIO(document)))
    for index in range(2):
        page = writer.find_page_for_modification(index)[0].get_object()
        page[generic.pdf_name("/Rotate")] = generic.NumberObject(degrees)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_a_turned_page_gets_the_stamp_upright_with_a_qr_that_scans(renderer, store, degrees):
    pdf, pages = stamped(renderer, store,
                         document=rotated(samples.applicant_document(), degrees))
    assert pages == 2
    assert len(pdfs.qr_codes(pdf, page=2)) == 1
    # Upright: read in its own lines, not letter by letter.
    assert "Signature verified by" in pdfs.text(pdf)


def test_a_page_without_content_is_stamped_too(renderer, store):
    writer = PdfFileWriter()
    writer.insert_page(generic.DictionaryObject({
        generic.pdf_name("/Type"): generic.pdf_name("/Page"),
        generic.pdf_name("/MediaBox"): generic.ArrayObject(
            [generic.NumberObject(0), generic.NumberObject(0), generic.NumberObject(595),
             generic.NumberObject(842)]),
        generic.pdf_name("/Resources"): generic.DictionaryObject()}))
    out = io.BytesIO()
    writer.write(out)
    pdf, pages = stamped(renderer, store, document=out.getvalue())
    assert pages == 1 and "Signature verified by" in pdfs.text(pdf)


def test_an_encrypted_or_missing_document_is_named(renderer, store):
    with pytest.raises(DocumentNotStampable) as refused:
        stamped(renderer, store, document=encrypted_pdf())
    assert refused.value.fields == {"document_file_id": ["document_not_stampable"]}

    data = renderer.validate(STAMP, samples.signature_stamp("0" * 64))
    with pytest.raises(DocumentNotStampable) as refused:
        domain.make_pdf(STAMP, data, renderer=renderer, store=store, sign=lambda c, p: p)
    assert refused.value.fields == {"document_file_id": ["document_not_found"]}


@pytest.mark.parametrize("path", ["certificate_no", "access_code", "chamber.name_en",
                                  "document_file_id", "document_kind", "document_title",
                                  "applicant.trade_registration_number", "signer.name_ja",
                                  "certification.date"])
def test_a_missing_stamp_field_is_named(renderer, path):
    payload = copy.deepcopy(samples.signature_stamp())
    *parents, last = path.split(".")
    node = payload
    for key in parents:
        node = node[key]
    del node[last]
    with pytest.raises(ValidationFailed) as refused:
        renderer.validate(STAMP, payload)
    assert path in refused.value.fields


def test_the_signer_without_an_english_name_is_printed_in_japanese(renderer):
    payload = samples.signature_stamp()
    payload["signer"] = {"name_ja": "山田 太郎", "name_en": None, "title_en": None}
    html = renderer.html(STAMP, renderer.validate(STAMP, payload))
    assert "Signer: 山田 太郎" in html


# --- previews (issue 10): watermarked, no QR code, unsigned --------------------------------------

def test_a_co_needs_its_number_and_access_code_unless_it_is_a_preview(renderer):
    payload = samples.certificate_of_origin()
    del payload["certificate_no"], payload["access_code"]
    with pytest.raises(ValidationFailed) as refused:
        renderer.validate("co", payload)
    assert refused.value.fields == {"certificate_no": ["required"], "access_code": ["required"]}

    data = renderer.validate("co", {**payload, "preview": True})
    assert data["certificate_no"] == "PREVIEW" and data["access_code"] is None


def test_a_co_preview_is_watermarked_without_qr_code(renderer):
    payload = {**samples.certificate_of_origin(goods_count=45), "preview": True,
               "certificate_no": "PREVIEW", "access_code": "PREVIEW"}
    rendered = renderer.render_document("co", renderer.validate("co", payload))

    assert rendered.pages > 1
    first = subprocess.run(["pdftotext", "-raw", "-l", "1", "-", "-"], input=rendered.pdf,
                           capture_output=True, check=True).stdout.decode()
    assert "PREVIEW – NOT" in first and "見本・無効" in first
    # On every page, across its middle, as a reader sees it (poppler reads diagonal text
    # over a table's text unreliably, so it is looked at, not read).
    assert all(watermark_seen(rendered.pdf, page) for page in range(1, rendered.pages + 1))
    assert pdfs.qr_codes(rendered.pdf) == []
    assert "Access code" not in pdfs.text(rendered.pdf)
    real = renderer.render("co", renderer.validate("co", samples.certificate_of_origin()))
    assert "PREVIEW" not in pdfs.text(real) and len(pdfs.qr_codes(real)) == 1
    assert not watermark_seen(real, 1)


def watermark_seen(pdf: bytes, page: int) -> bool:
    """The watermark's red, in the middle third of the page (where no certificate is red)."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-r", "30", "-png", "-f", str(page), "-l", str(page), "-",
                        f"{tmp}/page"], input=pdf, check=True)
        [path] = Path(tmp).glob("page*.png")
        image = np.asarray(Image.open(path).convert("RGB")).astype(int)
    height, width, _ = image.shape
    middle = image[height // 3: 2 * height // 3, width // 3: 2 * width // 3]
    red, green, blue = middle[..., 0], middle[..., 1], middle[..., 2]
    return int(((red - green > 25) & (red - blue > 25)).sum()) > 50


def test_a_certified_kind_is_signed_but_never_its_preview(renderer, store):
    signed = []

    def sign(chamber, pdf):
        signed.append(chamber["cci_code"])
        return pdf

    preview = {**samples.certificate_of_origin(), "preview": True}
    domain.make_pdf("co", renderer.validate("co", preview), renderer=renderer, store=store,
                    sign=sign)
    assert signed == []
    domain.make_pdf("co", renderer.validate("co", samples.certificate_of_origin()),
                    renderer=renderer, store=store, sign=sign)
    assert signed == ["1504"]


def test_a_stamp_preview_is_watermarked_on_every_page_without_qr_code(renderer, store):
    payload = {**samples.signature_stamp(), "preview": True, "certificate_no": "PREVIEW",
               "access_code": "PREVIEW"}
    pdf, pages = stamped(renderer, store, payload=payload)

    assert pages == 2
    for number, text in enumerate(pages_text(pdf), start=1):
        assert "PREVIEW – NOT VALID" in text and "見本・無効" in text
        assert "Signature verified by" in text
        assert pdfs.qr_codes(pdf, page=number) == []
    assert "Q8WN-52HC" not in pdfs.text(pdf)
