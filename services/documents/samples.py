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
