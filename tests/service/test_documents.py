"""The documents service over RabbitMQ: render + sign + store, fetch, the same payload once."""
import base64

import nameko
import pytest

from services.documents.exceptions import SigningUnavailable, UnknownDocumentKind
from services.documents.models import RenderedDocument
from services.documents.samples import certificate_of_origin
from services.documents.service import DocumentsService
from services.documents.signing import validate
from tests.helpers import pdf as pdfs
from tests.helpers.pdf import fetch_pdf
from tradecert import config
from tradecert.errors import ValidationFailed


def dev_ca() -> bytes:
    return (config.var_dir() / "keys" / "dev-ca.cert.pem").read_bytes()


def test_certificate_of_origin_is_rendered_signed_and_stored(documents):
    rendered = documents.render("co", certificate_of_origin())

    assert rendered["signed"] is True and rendered["pages"] == 1
    pdf = fetch_pdf(documents, rendered["file_id"])
    assert len(pdf) == rendered["size"]
    text = pdfs.text(pdf)
    for expected in ("CERTIFICATE OF ORIGIN", "ORIGINAL", "1504-2026-000123",
                     "SAKURA TRADING CO., LTD.", "PACIFIC MACHINERY PTE. LTD.", "SINGAPORE",
                     "SKR-INV-2026-0456", "November 20, 2026", "TOKYO, JAPAN",
                     "L/C No.: LC-998877", "CNC LATHE MODEL TL-200", "3 PCS", "TARO YAMADA",
                     "The Saitama Chamber of Commerce and Industry", "さいたま商工会議所",
                     "Access code: K7QX-29PD"):
        assert expected in text, expected
    assert pdfs.qr_codes(pdf) == [
        "http://127.0.0.1:8000/verify?certificate_no=1504-2026-000123&access_code=K7QX-29PD"
        "&issued_on=2026-11-25"]
    assert validate(pdf, [dev_ca()]).ok


def test_a_changed_byte_fails_validation(documents):
    pdf = fetch_pdf(documents, documents.render("co", certificate_of_origin())["file_id"])
    position = pdf.index(b"stream") + 40  # inside the first content stream, which is signed
    tampered = pdf[:position] + bytes([pdf[position] ^ 0x01]) + pdf[position + 1:]

    assert validate(pdf, [dev_ca()]).ok
    assert not validate(tampered, [dev_ca()]).ok


def test_the_same_payload_twice_is_the_same_file(documents, db_session):
    first = documents.render("co", certificate_of_origin())
    second = documents.render("co", certificate_of_origin())
    copy = documents.render("co", certificate_of_origin(copy=True))

    assert first["file_id"] == second["file_id"]
    assert copy["file_id"] != first["file_id"]
    assert "COPY" in pdfs.text(fetch_pdf(documents, copy["file_id"]))
    assert db_session("documents").query(RenderedDocument).count() == 2


def test_goods_that_do_not_fit_go_on_attached_sheets(documents):
    rendered = documents.render("co", certificate_of_origin(goods_count=45))

    pdf = fetch_pdf(documents, rendered["file_id"])
    assert rendered["pages"] == pdfs.page_count(pdf) > 1
    text = pdfs.text(pdf)
    assert "Details as per attached sheet(s)" in text
    assert all(f"SKR/{n:03d}" in text for n in range(1, 46))  # every item, none lost
    assert f"ATTACHED SHEET {rendered['pages'] - 1} / {rendered['pages'] - 1}" in text


def test_bad_payloads_and_kinds_are_refused_with_the_field(documents):
    payload = certificate_of_origin()
    del payload["consignee"]
    payload["goods"][0]["quantity"] = ""
    with pytest.raises(ValidationFailed) as caught:
        documents.render("co", payload)
    assert set(caught.value.fields) == {"consignee", "goods.0.quantity"}

    late = certificate_of_origin()
    late["invoices"][0]["date"] = "2026-12-31"  # after the declaration's date (ISS-4 box 3)
    with pytest.raises(ValidationFailed) as caught:
        documents.render("co", late)
    assert caught.value.fields == {"invoices.0.date": ["invoice_after_declaration"]}
    with pytest.raises(UnknownDocumentKind):
        documents.render("nonsense", {})


def test_no_key_and_no_development_keys_means_no_certified_pdf(runner_factory, rpc_client,
                                                               tmp_path):
    settings = {**nameko.config["DOCUMENTS"], "development_keys": False, "chambers": {},
                "keys_dir": str(tmp_path / "empty")}  # issue 13: keys there would sign
    with nameko.config.patch({"DOCUMENTS": settings}):
        runner_factory(DocumentsService).start()
        with pytest.raises(SigningUnavailable):
            rpc_client.documents.render("co", certificate_of_origin())


def test_signature_scan_becomes_a_stored_image_printed_in_box_9(documents):
    from tests.helpers.scans import frame, paper, scanned, sign, stroke_to

    clean = documents.store_signature(
        base64.b64encode(scanned(sign(frame(paper())))).decode())
    assert clean["width"] > 0 and clean["height"] > 0
    assert documents.fetch(clean["file_id"])["content_type"] == "image/png"

    # REG-7: the image is printed in box 9 of a certificate that names it by id
    payload = certificate_of_origin()
    payload["declaration"].update(signature_png=None, signature_file_id=clean["file_id"])
    rendered = documents.render("co", payload)
    assert b"/Subtype /Image" in fetch_pdf(documents, rendered["file_id"])

    touching = scanned(stroke_to(frame(paper()), end_x=10_000))
    with pytest.raises(ValidationFailed) as caught:
        documents.store_signature(base64.b64encode(touching).decode())
    assert caught.value.code == "signature_touches_frame"
    with pytest.raises(ValidationFailed) as caught:
        documents.store_signature("not base64!")
    assert caught.value.fields == {"scan": ["not_base64"]}
