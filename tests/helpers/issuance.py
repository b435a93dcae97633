"""Bodies and files for issuance tests (ISS-4, ISS-5, ISS-10), dated from Japan's today so that
they pass the rules of the day of submission."""
import io
from datetime import timedelta

from tradecert.clock import japan_today


def days(n: int) -> str:
    return (japan_today() + timedelta(days=n)).isoformat()


def co_japan(goods: int = 2) -> dict:
    """API.md's example body: a co_japan with `goods` lines, today's declaration."""
    return {"certificate_type": "co_japan",
            "consignee": {"name": "ABC Imports Ltd.",
                          "address_lines": ["12 Harbour Road", "Wan Chai"],
                          "country": "HONG KONG"},
            "invoices": [{"number": "INV-2026-001", "date": days(-2)}],
            "transport": {"from": "TOKYO, JAPAN", "to": "HONG KONG", "via": None, "by": "vessel",
                          "vessel_or_flight": "EVER GIVEN V.123", "on_or_about": days(5)},
            "remarks": [{"title": "manufacturer", "value": "SAKURA BEARINGS CO., LTD."}],
            "goods": [{"marks": "N/M", "packages": f"{10 * (n + 1)} CARTONS",
                       "description": f"BALL BEARINGS TYPE {n + 1}",
                       "quantity": {"value": str(1200 * (n + 1)), "unit": "pcs"},
                       "origin": "JAPAN"} for n in range(goods)],
            "declaration": {"date": days(-1), "place": "SAITAMA, JAPAN"},
            "copies": 1,
            "statistics": {"goods_category": "general_machinery", "destination_country": "HK"},
            "replaces": None}


def co_foreign() -> dict:
    body = co_japan(goods=1)
    body["certificate_type"] = "co_foreign"
    body["goods"][0]["origin"] = "GERMANY"
    body["foreign"] = {"basis": "re_export", "shipment_date": days(-30)}
    return body


def signature() -> dict:
    return {"certificate_type": "signature", "document_kind": "health_certificate",
            "document_title": "HEALTH CERTIFICATE FOR FROZEN SCALLOPS",
            "destination_country": "US", "copies": 0,
            "statistics": {"goods_category": "foodstuffs", "destination_country": "US"}}


def pdf_file(pages: int = 1, text: str = "COMMERCIAL INVOICE") -> bytes:
    """A real PDF of `pages` pages, as a company's own invoice or signed document."""
    from weasyprint import HTML

    html = "".join(f'<section style="page-break-after: always"><h1>{text}</h1>'
                   f"<p>Page {n + 1}</p></section>" for n in range(pages))
    out = io.BytesIO()
    HTML(string=html).write_pdf(out)
    return out.getvalue()


#: A Windows program renamed `.pdf`: refused by content (issue 10).
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
