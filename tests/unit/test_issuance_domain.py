"""What issuance decides without the database: a copied draft (API.md `copy_from`), box 4 and
box 8 as printed (ISS-4), and the certificate's payload for documents (ISS-1, ISS-10)."""
from datetime import date

import pytest

from services.issuance import domain
from services.issuance.models import Application, Attachment
from services.issuance.rules import check_draft
from services.issuance.schemas import dump_body
from tests.helpers.issuance import co_foreign, co_japan, signature
from tradecert.errors import ValidationFailed

EXPORTER = {"name_en": "SAKURA TRADING CO., LTD.", "country": "JAPAN", "valid": True,
            "address_en_lines": ["1-2-3 Sakuragicho, Omiya-ku, Saitama 330-0854, Japan"],
            "membership": "member", "valid_until": "2028-11-30"}
APPLICANT = {"signer": {"name_ja": "署名 一", "name_en": "ICHI SIGNER", "title_en": "MANAGER"},
             "signature_file_id": "a" * 64, "signer_login_id": "u1", "login_id": "u1",
             "kind": "user"}
CHAMBER = {"cci_code": "1504", "name_ja": "さいたま商工会議所", "name_en": "Saitama CCI"}


def application(body) -> Application:
    body = dump_body(check_draft(body))
    return Application(id="a" * 32, cci_code="1504", trade_registration_number="1504-000001",
                       certificate_type=body["certificate_type"], body=body)


def test_a_copy_keeps_the_goods_but_not_dates_invoices_or_replaces():
    earlier = application({**co_japan(goods=2), "replaces": None})
    copied = domain.copied_body(earlier, None)
    assert copied["goods"] == earlier.body["goods"]
    assert copied["invoices"] == [] and copied["replaces"] is None
    assert copied["declaration"]["date"] is None and copied["transport"]["on_or_about"] is None
    as_foreign = domain.copied_body(earlier, "co_foreign")
    assert as_foreign["certificate_type"] == "co_foreign"
    with pytest.raises(ValidationFailed) as refused:
        domain.copied_body(earlier, "signature")
    assert refused.value.fields == {"certificate_type": ["copy_type_mismatch"]}


def test_boxes_as_printed():
    assert domain.quantity({"value": "1200", "unit": "pcs"}) == "1,200 PCS"
    assert domain.quantity({"value": "12.5", "unit": "kg"}) == "12.5 KG"
    goods = [{"origin": "Germany"}, {"origin": "CHINA"}, {"origin": "GERMANY"}]
    assert domain.country_of_origin("co_foreign", goods) == "GERMANY, CHINA"
    assert domain.country_of_origin("co_japan", [{"origin": None}]) == "JAPAN"
    assert domain.transport_by({"by": "air", "vessel_or_flight": "NH 123"}) == "By air (NH 123)"


def test_the_co_payload_takes_box_1_and_box_9_as_registered():
    kind, payload = domain.document(
        application(co_foreign()), exporter=EXPORTER, applicant=APPLICANT, chamber=CHAMBER,
        certificate_no="1504-2026-000001", access_code="ABCDEFGH23", today=date(2026, 12, 1),
        attachments_=[])
    assert kind == "co"
    assert payload["exporter"] == {"name": "SAKURA TRADING CO., LTD.", "country": "JAPAN",
                                   "address_lines": EXPORTER["address_en_lines"]}
    assert payload["country_of_origin"] == "GERMANY"
    assert payload["declaration"]["signer_name"] == "ICHI SIGNER"
    assert payload["declaration"]["signature_file_id"] == "a" * 64
    assert payload["remarks"] == [{"title": "Manufacturer", "value": "SAKURA BEARINGS CO., LTD."}]
    assert payload["preview"] is False


def test_a_signature_certification_needs_the_signed_pdf():
    app = application(signature())
    arguments = dict(exporter=EXPORTER, applicant=APPLICANT, chamber=CHAMBER,
                     certificate_no="1504-2026-000002", access_code="ABCDEFGH23",
                     today=date(2026, 12, 1))
    with pytest.raises(ValidationFailed) as refused:
        domain.document(app, attachments_=[], **arguments)
    assert refused.value.fields == {"attachments": ["signed_document_required"]}
    signed = Attachment(kind="signed_document", content_type="application/pdf", file_id="b" * 64)
    kind, payload = domain.document(app, attachments_=[signed], **arguments)
    assert (kind, payload["document_file_id"]) == ("signature-stamp", "b" * 64)
