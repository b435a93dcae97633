"""Built-in sample payloads, one per document kind: `tradecert render-sample` renders them
through the same code path as the service, the tests check their text, `make bench` times
them. The signature image is drawn here, so the samples need no file from outside."""
import base64
import functools
import io

from PIL import Image, ImageDraw

CHAMBER = {"cci_code": "1504", "name_ja": "さいたま商工会議所",
           "name_en": "The Saitama Chamber of Commerce and Industry", "seal_png": None}


@functools.cache
def signature_png() -> str:
    """A handwritten-looking stroke on a transparent background, as base64 PNG."""
    image = Image.new("RGBA", (420, 120), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    points = [(10, 80), (40, 20), (70, 95), (100, 30), (125, 85), (160, 40), (190, 70),
              (230, 35), (260, 90), (300, 45), (340, 75), (400, 50)]
    draw.line(points, fill=(10, 10, 40, 255), width=5, joint="curve")
    draw.line([(60, 100), (380, 95)], fill=(10, 10, 40, 255), width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def goods(count: int) -> list[dict]:
    kinds = ["CNC LATHE MODEL TL-200 WITH STANDARD ACCESSORIES",
             "ELECTRIC MOTOR 3.7KW 4P, TOTALLY ENCLOSED FAN COOLED",
             "STAINLESS STEEL BALL VALVES JIS 10K 50A",
             "SPARE PARTS FOR INDUSTRIAL ROBOTS (SERVO AMPLIFIERS)"]
    return [{"marks": f"SKR/{i + 1:03d}", "packages": f"{(i % 4) + 1} WOODEN CASE(S)",
             "description": kinds[i % len(kinds)], "quantity": f"{(i % 9) + 1} PCS",
             "origin": None} for i in range(count)]


def certificate_of_origin(goods_count: int = 3, copy: bool = False) -> dict:
    return {
        "certificate_no": "1504-2026-000123", "access_code": "K7QX-29PD", "copy": copy,
        "chamber": CHAMBER,
        "exporter": {"name": "SAKURA TRADING CO., LTD.",
                     "address_lines": ["1-2-3 Sakuragicho, Omiya-ku, Saitama-shi,",
                                       "Saitama 330-0854"], "country": "JAPAN"},
        "consignee": {"name": "PACIFIC MACHINERY PTE. LTD.",
                      "address_lines": ["10 Anson Road, #20-01 International Plaza",
                                        "Singapore 079903"], "country": "SINGAPORE"},
        "invoices": [{"number": "SKR-INV-2026-0456", "date": "2026-11-20"}],
        "country_of_origin": "JAPAN",
        "transport": {"from": "TOKYO, JAPAN", "to": "SINGAPORE", "via": None,
                      "by": "SEA (M/V PACIFIC STAR V.123)", "on_or_about": "2026-11-28"},
        "remarks": [{"title": "L/C No.", "value": "LC-998877"},
                    {"title": "Buyer", "value": "PACIFIC MACHINERY PTE. LTD."}],
        "goods": goods(goods_count),
        "declaration": {"signer_name": "TARO YAMADA", "signer_title": "EXPORT MANAGER",
                        "place": "SAITAMA", "date": "2026-11-24",
                        "signature_png": signature_png(), "signature_file_id": None},
        "certification": {"place": "SAITAMA", "date": "2026-11-25"},
    }


# --- trade registration documents and the signature certification: さくら貿易株式会社
# registers with Saitama as applicant and agent, with two signers.
APPLICATION_NUMBER = "R1504-2026-00042"
TRADE_REGISTRATION_NUMBER = "1504-000318"

SIGNERS = [
    {"name_ja": "山田 太郎", "name_en": "TARO YAMADA", "title_en": "EXPORT MANAGER",
     "email": "t.yamada@sakura-trading.example.jp"},
    {"name_ja": "佐藤 花子", "name_en": "HANAKO SATO", "title_en": "GENERAL MANAGER, LOGISTICS",
     "email": "h.sato@sakura-trading.example.jp"},
]


def company(registration_type: str = "applicant_and_agent") -> dict:
    """API.md's company body, as the registration service stores it."""
    applicant = registration_type != "agent"
    return {
        "registration_type": registration_type,
        "membership": "member",
        "business_form": "corporation",
        "legal_entity_type": "kabushiki_kaisha",
        "legal_entity_type_other": None,
        "legal_entity_position": "after",
        "name_ja": "さくら貿易",
        "name_en": "SAKURA TRADING CO., LTD.",
        "registered_address": {"postal_code": "330-0854",
                               "address_ja": "埼玉県さいたま市大宮区桜木町一丁目2番地3"},
        "current_address": {
            "same_as_registered": False, "postal_code": "330-0846",
            "address_ja": "埼玉県さいたま市大宮区大門町二丁目118番地 大宮門街ビル7階"},
        "current_address_en": "7F Omiya Kadomachi Bldg., 2-118 Daimoncho, Omiya-ku, "
                              "Saitama-shi, Saitama 330-0846, Japan",
        "extra_addresses": [
            {"address_ja": "群馬県高崎市八幡原町100番地 さくら貿易高崎物流センター",
             "address_en": "Takasaki Logistics Center, 100 Yawatabaramachi, Takasaki-shi, "
                           "Gunma 370-1207, Japan"},
        ] if applicant else [],
        "contact": {"same_as_current_address": True, "postal_code": None, "address_ja": None,
                    "department": "業務部 貿易課", "name_ja": "鈴木 一郎", "phone": "048-641-0000",
                    "email": "i.suzuki@sakura-trading.example.jp", "is_signer": False},
        "second_hand_dealer": False,
        "industry": "wholesale",
        "main_products": ["general_machinery", "electrical_equipment", "precision_instruments"],
    }


def registration_form(registration_type: str = "applicant_and_agent",
                      signer_count: int = 2) -> dict:
    """REG-7: one payload for the pledge, the business description and the signature form."""
    signers = [] if registration_type == "agent" else [
        SIGNERS[i] if i < len(SIGNERS) else
        {"name_ja": f"署名者 {i + 1}", "name_en": f"SIGNER NUMBER {i + 1}",
         "title_en": "EXPORT STAFF", "email": f"signer{i + 1}@sakura-trading.example.jp"}
        for i in range(signer_count)]
    return {
        "application_number": APPLICATION_NUMBER,
        "updated_at": "2026-11-25T05:05:00+00:00",  # 14:05 in Japan
        "chamber": CHAMBER,
        "company": company(registration_type),
        "signers": signers,
        "representative": {"title_ja": "代表取締役", "name_ja": "桜井 健一"},
    }


def pledge() -> dict:
    return registration_form("applicant_and_agent")


def business_description() -> dict:
    return registration_form("applicant_and_agent")


def signature_registration() -> dict:
    return registration_form("applicant_and_agent")


def company_name() -> dict:
    return {"name_ja": "さくら貿易", "name_en": "SAKURA TRADING CO., LTD.",
            "legal_entity_type": "kabushiki_kaisha", "legal_entity_type_other": None,
            "legal_entity_position": "after"}


def registration_certificate() -> dict:
    return {
        "chamber": CHAMBER, "trade_registration_number": TRADE_REGISTRATION_NUMBER,
        "company": company_name(), "valid_from": "2026-12-01", "valid_until": "2028-11-30",
        "admin_login_id": "1504A000318", "initial_password": "Kx7mR4tq9W",
        "issued_on": "2026-12-01",
    }


def signer_certificate(password: str | None = "Vn3sP8dk2L") -> dict:
    return {
        "chamber": CHAMBER, "trade_registration_number": TRADE_REGISTRATION_NUMBER,
        "company": company_name(),
        "signer": {"name_ja": SIGNERS[0]["name_ja"], "name_en": SIGNERS[0]["name_en"],
                   "title_en": SIGNERS[0]["title_en"]},
        "login_id": "1504U00031801", "password": password,
        "signature_png": signature_png(), "issued_on": "2026-12-02",
    }


def signature_certification() -> dict:
    return {
        "certificate_no": "1504-2026-S00077", "access_code": "M3TZ-81QF",
        "chamber": CHAMBER,
        "document_type": "free_sale_certificate", "document_type_other": None,
        "applicant": {"name_en": "SAKURA TRADING CO., LTD.", "name_ja": "さくら貿易株式会社",
                      "trade_registration_number": TRADE_REGISTRATION_NUMBER},
        "signer": {"name_ja": SIGNERS[0]["name_ja"], "name_en": SIGNERS[0]["name_en"],
                   "title_en": SIGNERS[0]["title_en"]},
        "signature_png": signature_png(),
        "certification": {"place": "SAITAMA", "date": "2026-11-26"},
    }


@functools.cache
def applicant_document() -> bytes:
    """ISS-10: a private document as an applicant uploads it: a two-page free-sale
    certificate, signed by hand (the sample signature), made by some other program."""
    from weasyprint import HTML

    signature = f"data:image/png;base64,{signature_png()}"
    html = f"""<html><head><style>
      @page {{ size: A4; margin: 25mm 22mm 30mm 22mm; }}
      body {{ font-family: "IPAexMincho"; font-size: 11pt; line-height: 1.6; }}
      h1 {{ text-align: center; font-size: 18pt; }} .next {{ page-break-before: always; }}
      img {{ height: 18mm; }}</style></head><body>
      <h1>FREE SALE CERTIFICATE</h1>
      <p>To whom it may concern: SAKURA TRADING CO., LTD. declares that the products listed
      below are freely sold in Japan and comply with the laws of Japan.</p>
      <p>1. STAINLESS STEEL BALL VALVES JIS 10K 50A</p><p>2. ELECTRIC MOTOR 3.7KW 4P</p>
      <section class="next"><p>3. CNC LATHE MODEL TL-200</p>
      <p>Saitama, November 24, 2026</p><p><img src="{signature}" alt=""></p>
      <p>TARO YAMADA, EXPORT MANAGER, SAKURA TRADING CO., LTD.</p></section>
      </body></html>"""
    return HTML(string=html).write_pdf(pdf_identifier=False)


def signature_stamp(document_file_id: str | None = None) -> dict:
    """ISS-10: `applicant_document()` (by its id in the store) to be stamped and signed."""
    from services.documents.storage import file_id_of

    return {
        "certificate_no": "1504-2026-S00078", "access_code": "Q8WN-52HC",
        "chamber": CHAMBER,
        "document_file_id": document_file_id or file_id_of(applicant_document()),
        "document_kind": "free_sale_certificate",
        "document_title": "Free Sale Certificate No. FSC-2026-0112",
        "applicant": {"name_en": "SAKURA TRADING CO., LTD.",
                      "trade_registration_number": TRADE_REGISTRATION_NUMBER},
        "signer": {"name_ja": SIGNERS[0]["name_ja"], "name_en": SIGNERS[0]["name_en"],
                   "title_en": SIGNERS[0]["title_en"]},
        "certification": {"place": "SAITAMA", "date": "2026-11-26"},
        "preview": False,
    }


def signature_stamp_files() -> list[tuple[bytes, str]]:
    return [(applicant_document(), "application/pdf")]


# --- payment documents (ISS-8, ISS-11): さくら貿易 pays Saitama's fees by card.
def payer() -> dict:
    return {"name_ja": "さくら貿易株式会社", "name_en": "SAKURA TRADING CO., LTD.",
            "trade_registration_number": TRADE_REGISTRATION_NUMBER}


def receipt() -> dict:
    """Two certificates of origin at the member fee and a signature certification."""
    lines = [{"certificate_no": "1504-2026-000123", "certificate_type": "co_japan",
              "fee_jpy": 1260},
             {"certificate_no": "1504-2026-000124", "certificate_type": "co_foreign",
              "fee_jpy": 1260},
             {"certificate_no": "1504-2026-S00077", "certificate_type": "signature",
              "fee_jpy": 3460}]
    return {
        "receipt_no": "1504-R2026-000045", "chamber": CHAMBER, "issued_on": "2026-12-01",
        "payer": payer(), "amount_jpy": sum(line["fee_jpy"] for line in lines), "lines": lines,
        "paid_at": "2026-12-01T01:05:00+00:00",  # 10:05 in Japan
        "payment_id": "6f1c2a9e-3b7d-4e0a-9c55-0d2b8e4f7a11", "method": "card",
    }


def statement(payment_count: int = 4) -> dict:
    """December 2026: `payment_count` payments of one to three certificates each; the third
    was refunded in part."""
    types = ("co_japan", "co_foreign", "signature")
    fees = {"co_japan": 1260, "co_foreign": 1260, "signature": 3460}
    payments = []
    for n in range(payment_count):
        lines = [{"certificate_no": f"1504-2026-{n * 3 + i + 1:06d}",
                  "certificate_type": types[(n + i) % 3], "fee_jpy": fees[types[(n + i) % 3]]}
                 for i in range(n % 3 + 1)]
        amount = sum(line["fee_jpy"] for line in lines)
        payments.append({
            "paid_at": f"2026-12-{n % 28 + 1:02d}T{n % 9:02d}:{n % 60:02d}:00+00:00",
            "receipt_no": f"1504-R2026-{n + 1:06d}", "amount_jpy": amount,
            "refunded_jpy": lines[0]["fee_jpy"] if n == 2 else 0, "lines": lines})
    return {
        "chamber": dict(CHAMBER), "month": "2026-12", "registration": payer(),
        "payments": payments,
        "total_jpy": sum(p["amount_jpy"] - p["refunded_jpy"] for p in payments),
    }
