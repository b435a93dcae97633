"""Payment documents (ISS-8, ISS-11; API.md "Payment"): the receipt (領収書) of one payment
and a registration's monthly statement (利用明細). Template contexts and document kinds.

Neither is signed (`certified=False`): a receipt and a statement are the chamber's
acknowledgement of money received, not a certificate a third party verifies (ISS-9); payment
keeps the record they are printed from and prints them again on request. The chamber's seal
is on the receipt as on the registration certificate."""
from datetime import date

from services.documents import samples
from services.documents.labels import CERTIFICATE_TYPES, PAYMENT_METHODS
from services.documents.rendering import DocumentKind, Renderer, default_seal, png_data_uri
from services.documents.schemas import ReceiptSchema, StatementSchema, japan_date
from tradecert.clock import JAPAN

#: ISS-8: what a receipt's 但し書き says the money was for.
PURPOSE_JA = "貿易関係証明発給手数料"
PURPOSE_EN = "fees for trade certificates"


def line_view(line: dict) -> dict:
    type_ja, type_en = CERTIFICATE_TYPES[line["certificate_type"]]
    return {**line, "type_ja": type_ja, "type_en": type_en}


def month_label(month: str) -> tuple[str, str]:
    """"2026-12" as 2026年12月 and December 2026."""
    first = date.fromisoformat(f"{month}-01")
    return f"{first.year}年{first.month}月", f"{first:%B} {first.year}"


def prepare_receipt(renderer: Renderer, receipt: dict) -> dict:
    """`receipt` is a validated ReceiptSchema payload."""
    chamber = receipt["chamber"]
    method_ja, method_en = PAYMENT_METHODS[receipt["method"]]
    return {
        "receipt": receipt, "chamber": chamber, "payer": receipt["payer"],
        "lines": [line_view(line) for line in receipt["lines"]],
        "purpose_ja": PURPOSE_JA, "purpose_en": PURPOSE_EN,
        "paid_on": japan_date(receipt["paid_at"]),
        "method_ja": method_ja, "method_en": method_en,
        "seal": png_data_uri(chamber["seal_png"]) or default_seal(chamber["name_en"]),
    }


def prepare_statement(renderer: Renderer, statement: dict) -> dict:
    """`statement` is a validated StatementSchema payload: its payments in the order they
    were paid, each with its certificates; the table runs over as many pages as it needs
    (its heading repeats on each, statements.css)."""
    payments = sorted(statement["payments"], key=lambda p: (p["paid_at"], p["receipt_no"]))
    month_ja, month_en = month_label(statement["month"])
    return {
        "statement": statement, "chamber": statement["chamber"],
        "registration": statement["registration"], "month_ja": month_ja, "month_en": month_en,
        "payments": [{**p, "paid": f"{p['paid_at'].astimezone(JAPAN):%Y/%m/%d %H:%M}",
                      "lines": [line_view(line) for line in p["lines"]]} for p in payments],
        "certificates": sum(len(p["lines"]) for p in payments),
        "amount_jpy": sum(p["amount_jpy"] for p in payments),
        "refunded_jpy": sum(p["refunded_jpy"] for p in payments),
    }


RECEIPT = DocumentKind(
    name="receipt", template="receipt.html", schema=ReceiptSchema,
    stylesheets=("base.css", "receipt.css"), prepare=prepare_receipt,
    sample=samples.receipt, certified=False)

STATEMENT = DocumentKind(
    name="statement", template="statement.html", schema=StatementSchema,
    stylesheets=("base.css", "statement.css"), prepare=prepare_statement,
    sample=samples.statement, certified=False)

KINDS = (RECEIPT, STATEMENT)
