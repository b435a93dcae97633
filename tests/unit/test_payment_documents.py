"""The receipt (領収書) and the monthly statement (利用明細) of payments (ISS-8, ISS-11): each
refuses amounts that do not add up and dates outside Japan's day or month, with the field
named; each renders what it is given, read back with poppler (tests/helpers/pdf.py)."""
import copy

import pytest

from gateway import i18n
from services.documents import samples
from services.documents.kinds import KINDS
from services.documents.rendering import Renderer
from tests.helpers import pdf as pdfs
from tradecert.errors import ValidationFailed


@pytest.fixture(scope="module")
def renderer():
    return Renderer(KINDS)


def refused(renderer, kind, payload) -> dict:
    with pytest.raises(ValidationFailed) as caught:
        renderer.validate(kind, payload)
    return caught.value.fields


def render(renderer, kind, payload) -> bytes:
    return renderer.render(kind, renderer.validate(kind, payload))


def test_both_kinds_are_registered_unsigned():
    # A receipt acknowledges money received; it is no certificate a third party verifies.
    assert not KINDS["receipt"].certified and not KINDS["statement"].certified


# --- the receipt ----------------------------------------------------------------------------

def test_the_receipt_says_who_paid_how_much_for_what_to_whom(renderer):
    pdf = render(renderer, "receipt", samples.receipt())
    text = pdfs.text(pdf)
    flat = " ".join(text.split())

    assert pdfs.page_count(pdf) == 1
    assert "領 収 書" in text or "領収書" in text
    assert "RECEIPT" in text
    assert "さくら貿易株式会社 様" in flat
    assert "¥5,980-" in flat and "（税込）" in flat
    assert "但し" in flat and "貿易関係証明発給手数料として（証明書 3 通" in flat
    assert "上記正に領収いたしました。" in flat
    assert "Received with thanks from SAKURA TRADING CO., LTD. the sum of JPY 5,980 " \
           "(tax included) as fees for trade certificates" in flat
    assert "1504-R2026-000045" in flat and "2026年12月1日" in flat
    assert "2026年12月1日 10:05（日本時間）" in flat  # 01:05 UTC, said in Japan time
    assert "クレジットカード" in flat
    for line in ("1504-2026-000123", "1504-2026-000124", "1504-2026-S00077",
                 "原産地証明書（日本産）", "原産地証明書（外国産）", "サイン証明",
                 "¥1,260", "¥3,460"):
        assert line in flat, line
    assert "さいたま商工会議所" in flat  # the issuer
    assert "The Saitama Chamber of Commerce and Industry" in flat
    assert all("IPAex" in font["name"] and font["embedded"] == "yes"
               for font in pdfs.fonts(pdf))


def test_a_long_receipt_runs_onto_more_pages_with_every_line(renderer):
    payload = samples.receipt()
    payload["lines"] = [{"certificate_no": f"1504-2026-{n:06d}", "certificate_type": "co_japan",
                         "fee_jpy": 1260} for n in range(1, 81)]
    payload["amount_jpy"] = 80 * 1260

    pdf = render(renderer, "receipt", payload)

    assert pdfs.page_count(pdf) > 1
    text = pdfs.text(pdf)
    assert all(f"1504-2026-{n:06d}" in text for n in range(1, 81))
    assert "¥100,800-" in text and "証明書 80 通" in text


def test_the_amount_must_be_the_sum_of_the_lines(renderer):
    payload = samples.receipt()
    payload["amount_jpy"] += 1
    assert refused(renderer, "receipt", payload) == {"amount_jpy": ["amount_not_sum_of_lines"]}


@pytest.mark.parametrize("change, field", [
    (lambda p: p["lines"][0].update(fee_jpy=-1260), "lines.0.fee_jpy"),
    (lambda p: p["lines"][0].update(fee_jpy="1260"), "lines.0.fee_jpy"),  # no strings for yen
    (lambda p: p["lines"][1].update(certificate_type="co"), "lines.1.certificate_type"),
    (lambda p: p.update(lines=[]), "lines"),
    (lambda p: p.update(paid_at="2026-12-01T10:05:00"), "paid_at"),  # naive: whose 10:05?
    (lambda p: p.update(method="bitcoin"), "method"),
    (lambda p: p["payer"].pop("trade_registration_number"), "payer.trade_registration_number"),
    (lambda p: p.update(receipt_no="領収 1"), "receipt_no"),
])
def test_a_bad_receipt_names_its_field(renderer, change, field):
    payload = samples.receipt()
    change(payload)
    assert field in refused(renderer, "receipt", payload)


def test_an_unknown_certificate_type_says_so(renderer):
    payload = samples.receipt()
    payload["lines"][0]["certificate_type"] = "co"
    assert refused(renderer, "receipt", payload)["lines.0.certificate_type"] == [
        "certificate_type_unknown"]


def test_a_receipt_is_dated_on_or_after_the_day_paid_in_japan(renderer):
    # 23:30 UTC on 30 November is 08:30 on 1 December in Japan: issued on 30 November is
    # before the payment, issued on 1 December is right.
    payload = {**samples.receipt(), "paid_at": "2026-11-30T23:30:00+00:00"}
    assert refused(renderer, "receipt", {**payload, "issued_on": "2026-11-30"}) == {
        "issued_on": ["issued_before_payment"]}
    assert renderer.validate("receipt", {**payload, "issued_on": "2026-12-01"})
    assert renderer.validate("receipt", {**payload, "issued_on": "2027-01-15"})  # reprinted


def test_method_defaults_to_card(renderer):
    payload = samples.receipt()
    del payload["method"]
    assert renderer.validate("receipt", payload)["method"] == "card"


# --- the statement --------------------------------------------------------------------------

def test_the_statement_lists_each_payment_with_its_certificates_and_the_total(renderer):
    payload = samples.statement(4)
    pdf = render(renderer, "statement", payload)
    flat = " ".join(pdfs.text(pdf).split())

    assert "利 用 明 細" in flat or "利用明細" in flat
    assert "さくら貿易株式会社" in flat and "様" in flat and "1504-000318" in flat
    assert "2026年12月" in flat and "December 2026" in flat
    for payment in payload["payments"]:
        assert payment["receipt_no"] in flat
        assert all(line["certificate_no"] in flat for line in payment["lines"])
    assert "2026/12/01 09:00" in flat  # 00:00 UTC, in Japan time
    # 4 payments, 1 + 2 + 3 + 1 certificates, 13,220 paid, 3,460 refunded: 9,760
    compact = "".join(flat.split())
    assert "4件" in compact and "7通" in compact
    assert "¥13,220" in flat and "¥3,460" in flat and flat.count("¥9,760") == 2


def test_a_month_without_payments_is_a_statement_of_nothing(renderer):
    payload = {**samples.statement(0), "total_jpy": 0}
    flat = " ".join(pdfs.text(render(renderer, "statement", payload)).split())
    assert "この月のお支払いはありません。" in flat and "0件" in flat and "¥0" in flat


def test_the_total_must_be_what_was_paid_less_what_was_refunded(renderer):
    payload = samples.statement(4)
    payload["total_jpy"] += payload["payments"][2]["refunded_jpy"]  # refund forgotten
    assert refused(renderer, "statement", payload) == {
        "total_jpy": ["total_not_sum_of_payments"]}


def test_each_payment_adds_up_and_refunds_no_more_than_it_paid(renderer):
    payload = samples.statement(4)
    payload["payments"][1]["amount_jpy"] += 100
    payload["payments"][3]["refunded_jpy"] = payload["payments"][3]["amount_jpy"] + 1
    fields = refused(renderer, "statement", payload)
    assert fields["payments.1.amount_jpy"] == ["amount_not_sum_of_lines"]
    assert fields["payments.3.refunded_jpy"] == ["refund_exceeds_amount"]


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "202612", "2026-00", "12-2026"])
def test_the_month_is_written_yyyy_mm(renderer, month):
    assert refused(renderer, "statement", {**samples.statement(0), "month": month,
                                           "total_jpy": 0}) == {"month": ["format_month"]}


def test_every_payment_is_in_the_month_in_japan_time(renderer):
    payload = samples.statement(2)
    payload["payments"][0]["paid_at"] = "2026-11-30T15:30:00+00:00"  # 00:30, 1 Dec in Japan
    payload["payments"][1]["paid_at"] = "2026-12-31T15:30:00+00:00"  # 00:30, 1 Jan in Japan
    assert refused(renderer, "statement", payload) == {
        "payments.1.paid_at": ["paid_outside_month"]}


def test_a_refund_defaults_to_none(renderer):
    payload = copy.deepcopy(samples.statement(1))
    del payload["payments"][0]["refunded_jpy"]
    assert renderer.validate("statement", payload)["payments"][0]["refunded_jpy"] == 0


@pytest.mark.parametrize("code", ["amount_not_sum_of_lines", "issued_before_payment",
                                  "refund_exceeds_amount", "total_not_sum_of_payments",
                                  "paid_outside_month", "format_month",
                                  "certificate_type_unknown"])
def test_every_refusal_is_said_in_japanese_and_english(code):
    for lang in i18n.LANGUAGES:
        assert i18n.message(lang, code) != code, (lang, code)
