"""The rules of an application's body (ISS-4, ISS-5, ISS-6, ISS-10; API.md "Applications"):
each broken rule a 422 at its field path, every broken rule in one answer, the day of
submission given explicitly."""
import copy
from datetime import date

import pytest

from gateway import i18n
from services.issuance.rules import check_draft, check_submission, months_before
from tests.helpers.issuance import signature
from tradecert.errors import ValidationFailed

TODAY = date(2026, 11, 25)
CO_ATTACHMENTS = ("commercial_invoice",)


def co_japan() -> dict:
    """API.md's example body, with one choice in each list and no `foreign` (co_japan)."""
    return {"certificate_type": "co_japan",
            "consignee": {"name": "ABC Imports Ltd.",
                          "address_lines": ["12 Harbour Road", "Wan Chai"],
                          "country": "HONG KONG"},
            "invoices": [{"number": "INV-2026-001", "date": "2026-11-20"}],
            "transport": {"from": "TOKYO, JAPAN", "to": "HONG KONG", "via": None, "by": "vessel",
                          "vessel_or_flight": "EVER GIVEN V.123", "on_or_about": "2026-12-05"},
            "remarks": [{"title": "manufacturer", "value": "SAKURA BEARINGS CO., LTD."}],
            "goods": [{"marks": "N/M", "packages": "10 CARTONS", "description": "BALL BEARINGS",
                       "quantity": {"value": "1200", "unit": "pcs"}, "origin": "JAPAN"}],
            "declaration": {"date": "2026-11-21", "place": "SAITAMA, JAPAN"},
            "copies": 1,
            "statistics": {"goods_category": "general_machinery", "destination_country": "HK"},
            "replaces": None}


def co_foreign() -> dict:
    body = co_japan()
    body["certificate_type"] = "co_foreign"
    body["goods"][0]["origin"] = "GERMANY"
    body["foreign"] = {"basis": "re_export", "shipment_date": "2026-11-01"}
    return body


def refused(check, *args) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as error:
        check(*args)
    return error.value.fields


def submission_refused(body, attachments=CO_ATTACHMENTS) -> dict[str, list[str]]:
    return refused(check_submission, body, attachments, TODAY)


# --- what passes --------------------------------------------------------------------------

def test_api_md_example_passes_iss_4():
    body = co_japan()
    loaded = check_submission(body, CO_ATTACHMENTS, TODAY)
    assert loaded["transport"]["from_"] == "TOKYO, JAPAN"
    assert loaded["goods"][0]["quantity"] == {"value": "1200", "unit": "pcs"}
    assert check_draft(body)["declaration"]["date"] == date(2026, 11, 21)


def test_co_foreign_passes_with_a_foreign_document_iss_5():
    check_submission(co_foreign(), ("commercial_invoice", "import_permit"), TODAY)


def test_signature_passes_with_the_signed_document_iss_10():
    check_submission(signature(), ("signed_document",), TODAY)


def test_no_invoice_prints_nil_iss_4():
    body = co_japan()
    body["invoices"] = []
    check_submission(body, CO_ATTACHMENTS, TODAY)


def test_to_order_needs_no_address_iss_4():
    body = co_japan()
    body["consignee"] = {"name": "To order", "address_lines": [], "country": "HONG KONG"}
    check_draft(body)


# --- one rule each, at its path -------------------------------------------------------------

def test_iss_4_invoice_after_declaration():
    body = co_japan()
    body["invoices"].append({"number": "INV-2026-002", "date": "2026-11-22"})
    assert refused(check_draft, body) == {"invoices.1.date": ["invoice_after_declaration"]}


def test_iss_4_declaration_in_the_future():
    body = co_japan()
    body["declaration"]["date"] = "2026-11-26"
    assert submission_refused(body) == {"declaration.date": ["declaration_in_future"]}


def test_iss_4_declaration_more_than_14_days_before_submission():
    body = co_japan()
    body["invoices"][0]["date"] = "2026-11-01"
    body["declaration"]["date"] = "2026-11-10"
    assert submission_refused(body) == {"declaration.date": ["declaration_too_old"]}
    body["declaration"]["date"] = "2026-11-11"  # exactly 14 days: still accepted
    check_submission(body, CO_ATTACHMENTS, TODAY)


def test_iss_4_the_day_rules_wait_for_submission():
    body = co_japan()
    body["declaration"]["date"] = "2026-12-31"
    check_draft(body)  # a draft may be saved with it
    assert submission_refused(body) == {"declaration.date": ["declaration_in_future"]}


@pytest.mark.parametrize("count, accepted", [(500, True), (501, False), (0, False)])
def test_iss_4_goods_1_to_500(count, accepted):
    body = co_japan()
    body["goods"] = [copy.deepcopy(body["goods"][0]) for _ in range(count)]
    if accepted:
        check_draft(body)
    else:
        assert refused(check_draft, body) == {"goods": ["goods_count"]}


def test_iss_4_quantity_unit_lot_refused():
    body = co_japan()
    body["goods"] += [copy.deepcopy(body["goods"][0]) for _ in range(3)]
    body["goods"][3]["quantity"]["unit"] = "lot"
    assert refused(check_draft, body) == {"goods.3.quantity.unit": ["unit_not_listed"]}


def test_iss_4_remark_title_from_the_list():
    body = co_japan()
    body["remarks"].append({"title": "shipping_agent", "value": "X"})
    assert refused(check_draft, body) == {"remarks.1.title": ["remark_title_not_listed"]}


@pytest.mark.parametrize("copies, accepted", [(0, True), (5, True), (6, False), (-1, False)])
def test_iss_12_copies_0_to_5(copies, accepted):
    for body in (co_japan(), signature()):
        body["copies"] = copies
        if accepted:
            check_draft(body)
        else:
            assert refused(check_draft, body) == {"copies": ["copies_range"]}


def test_iss_6_statistics_required():
    for body in (co_japan(), signature()):
        del body["statistics"]
        assert refused(check_draft, body) == {
            "statistics": ["Missing data for required field."]}


def test_iss_4_consignee_address_required_unless_to_order():
    body = co_japan()
    body["consignee"]["address_lines"] = []
    assert refused(check_draft, body) == {
        "consignee.address_lines": ["consignee_address_required"]}


def test_iss_5_co_japan_with_a_foreign_origin_refused():
    body = co_japan()
    body["goods"].append(dict(copy.deepcopy(body["goods"][0]), origin="CHINA"))
    assert refused(check_draft, body) == {"goods.1.origin": ["origin_not_japan"]}
    body["goods"][1]["origin"] = ""  # empty is Japan's
    check_draft(body)


def test_iss_5_co_japan_without_a_foreign_block():
    body = co_japan()
    body["foreign"] = {"basis": "re_export", "shipment_date": "2026-11-01"}
    assert refused(check_draft, body) == {"foreign": ["foreign_only_for_co_foreign"]}


def test_iss_5_co_foreign_without_foreign_refused():
    body = co_foreign()
    del body["foreign"]
    assert refused(check_draft, body) == {"foreign": ["foreign_required"]}


def test_iss_5_co_foreign_each_item_of_a_foreign_origin():
    body = co_foreign()
    body["goods"].append(dict(copy.deepcopy(body["goods"][0]), origin="Japan"))
    assert refused(check_draft, body) == {"goods.1.origin": ["origin_foreign_required"]}


def test_iss_5_co_foreign_shipment_more_than_6_months_before_submission():
    body = co_foreign()
    body["foreign"]["shipment_date"] = "2026-05-24"
    assert submission_refused(body, ("commercial_invoice", "foreign_co")) == {
        "foreign.shipment_date": ["shipment_over_six_months"]}
    body["foreign"]["shipment_date"] = "2026-05-25"
    check_submission(body, ("commercial_invoice", "foreign_co"), TODAY)


def test_iss_13_transport_more_than_a_year_ago():
    body = co_japan()
    body["transport"]["on_or_about"] = "2025-11-24"
    assert submission_refused(body) == {"transport.on_or_about": ["shipment_over_a_year"]}
    body["transport"]["on_or_about"] = "2025-11-25"
    check_submission(body, CO_ATTACHMENTS, TODAY)


def test_iss_6_commercial_invoice_attached_at_submission():
    assert submission_refused(co_japan(), ("other",)) == {
        "attachments": ["commercial_invoice_required"]}


def test_iss_5_co_foreign_attaches_a_foreign_document():
    assert submission_refused(co_foreign()) == {"attachments": ["foreign_document_required"]}


def test_iss_10_signature_needs_the_signed_document():
    assert submission_refused(signature(), ()) == {"attachments": ["signed_document_required"]}


def test_iss_10_document_kind_from_the_list():
    body = signature()
    body["document_kind"] = "contract"
    assert list(refused(check_draft, body)) == ["document_kind"]


def test_iss_4_printed_text_is_english():
    body = co_japan()
    body["goods"][0]["description"] = "ボールベアリング"
    assert refused(check_draft, body) == {"goods.0.description": ["not_english"]}


# --- all in one answer ------------------------------------------------------------------------

def test_iss_4_iss_5_every_broken_rule_in_one_answer():
    body = co_japan()
    body["invoices"][0]["date"] = "2026-11-24"
    body["declaration"]["date"] = "2026-11-23"
    body["goods"].append(dict(copy.deepcopy(body["goods"][0]), origin="CHINA"))
    body["goods"][0]["quantity"]["unit"] = "lot"
    body["remarks"][0]["title"] = "notes"
    body["copies"] = 6
    body["transport"]["on_or_about"] = "2024-01-01"
    body["statistics"]["destination_country"] = "Hong Kong"
    assert submission_refused(body, ()) == {
        "invoices.0.date": ["invoice_after_declaration"],
        "goods.1.origin": ["origin_not_japan"],
        "goods.0.quantity.unit": ["unit_not_listed"],
        "remarks.0.title": ["remark_title_not_listed"],
        "copies": ["copies_range"],
        "transport.on_or_about": ["shipment_over_a_year"],
        "statistics.destination_country": ["format_country_code"],
        "attachments": ["commercial_invoice_required"]}


def test_a_future_declaration_and_a_later_invoice_both_named_iss_4():
    body = co_japan()
    body["declaration"]["date"] = "2026-11-27"
    body["invoices"][0]["date"] = "2026-11-28"
    assert submission_refused(body) == {"invoices.0.date": ["invoice_after_declaration"],
                                        "declaration.date": ["declaration_in_future"]}


def test_every_new_code_is_translated_ja_en():
    body = co_foreign()
    body["goods"][0]["origin"] = "JAPAN"
    body["goods"][0]["quantity"] = {"value": "many", "unit": "lot"}
    body["consignee"]["address_lines"] = []
    body["declaration"]["date"] = "2026-11-01"
    body["foreign"]["shipment_date"] = "2025-01-01"
    codes = {code for codes in submission_refused(body, ()).values() for code in codes}
    codes |= {"invoice_after_declaration", "declaration_in_future", "origin_not_japan",
              "foreign_only_for_co_foreign", "foreign_required", "signed_document_required",
              "goods_count", "copies_range", "remark_title_not_listed",
              "certificate_type_unknown", "shipment_over_a_year"}
    for code in codes:
        for lang in i18n.LANGUAGES:
            assert i18n.message(lang, code) != code, (lang, code)


def test_months_before_keeps_the_day_or_the_month_end():
    assert months_before(date(2026, 8, 31), 6) == date(2026, 2, 28)
    assert months_before(date(2026, 11, 25), 12) == date(2025, 11, 25)
    assert months_before(date(2028, 2, 29), 12) == date(2027, 2, 28)
