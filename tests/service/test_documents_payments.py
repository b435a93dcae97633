"""The documents service over RabbitMQ renders payment's receipt (領収書) and monthly
statement (利用明細) (ISS-8, ISS-11): stored, unsigned, read back as a reader would."""

import pytest

from services.documents.samples import receipt, statement
from tests.helpers import pdf as pdfs
from tests.helpers.pdf import fetch_pdf
from tradecert.errors import ValidationFailed


def test_a_receipt_is_rendered_and_stored_unsigned(documents):
    rendered = documents.render("receipt", receipt())

    assert (rendered["kind"], rendered["signed"], rendered["pages"]) == ("receipt", False, 1)
    assert "receipt" in documents.kinds() and "statement" in documents.kinds()
    flat = " ".join(pdfs.text(fetch_pdf(documents, rendered["file_id"])).split())
    assert "領 収 書" in flat
    assert "¥5,980-" in flat and "（税込）" in flat
    assert "1504-R2026-000045" in flat
    assert "さくら貿易株式会社 様" in flat
    assert "但し" in flat and "貿易関係証明発給手数料として" in flat
    assert documents.render("receipt", receipt())["file_id"] == rendered["file_id"]  # once


def test_a_receipt_whose_lines_do_not_add_up_is_refused(documents):
    payload = receipt()
    payload["lines"][2]["fee_jpy"] = 1260
    with pytest.raises(ValidationFailed) as caught:
        documents.render("receipt", payload)
    assert caught.value.fields == {"amount_jpy": ["amount_not_sum_of_lines"]}


def test_a_statement_of_60_payments_runs_over_pages_and_totals_right(documents):
    payload = statement(60)
    total = sum(p["amount_jpy"] - p["refunded_jpy"] for p in payload["payments"])

    rendered = documents.render("statement", payload)

    pdf = fetch_pdf(documents, rendered["file_id"])
    assert rendered["signed"] is False
    assert rendered["pages"] == pdfs.page_count(pdf) > 1
    text = pdfs.text(pdf)
    assert all(f"1504-R2026-{n:06d}" in text for n in range(1, 61))  # every payment
    numbers = [line["certificate_no"] for p in payload["payments"] for line in p["lines"]]
    assert all(number in text for number in numbers)  # every certificate
    certificates = len(numbers)
    assert total == 235_740 and text.count("¥235,740") == 2  # the summary and the last row
    compact = "".join(text.split())
    assert "60件" in compact and f"{certificates}通" in compact
    # every page says whose statement of which month it is, under the table's heading
    for page in range(1, rendered["pages"] + 1):
        page_text = pdfs.page_text(pdf, page)
        assert "利用明細 2026年12月" in page_text and "1504-000318" in page_text
        assert "領収書番号" in page_text


def test_a_statement_whose_total_is_wrong_is_refused(documents):
    payload = statement(3)
    payload["total_jpy"] = sum(p["amount_jpy"] for p in payload["payments"])  # refund ignored
    with pytest.raises(ValidationFailed) as caught:
        documents.render("statement", payload)
    assert caught.value.fields == {"total_jpy": ["total_not_sum_of_payments"]}

