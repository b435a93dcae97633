"""Rendering rules that need no service: goods pagination (ISS-4), the image cache, fonts."""
import pytest

from services.documents import layouts
from services.documents.kinds import KINDS
from services.documents.rendering import BoundedCache, Renderer, date_en, date_ja
from services.documents.samples import certificate_of_origin, goods
from tests.helpers import pdf as pdfs


@pytest.fixture(scope="module")
def renderer():
    return Renderer(KINDS, public_url="https://certs.example.jp")


def test_few_goods_stay_in_box_7():
    first, sheets = layouts.paginate_goods(goods(3))
    assert len(first) == 3 and sheets == []


def test_goods_that_do_not_fit_are_split_in_order_with_none_lost():
    items = goods(60)
    first, sheets = layouts.paginate_goods(items)

    assert 0 < len(first) < 60 and sheets
    flat = [item["marks"] for item in first] + [i["marks"] for s in sheets for i in s]
    assert flat == [item["marks"] for item in items]
    budget = layouts.CO_LAYOUT["box7_lines"] - 2
    assert sum(layouts.item_lines(i, layouts.CO_LAYOUT["box7_chars"]) for i in first) <= budget


def test_full_width_text_counts_double():
    assert layouts.display_width("ABC") == 3
    assert layouts.display_width("日本製") == 6
    wide = {"marks": "N/M", "packages": "1 CASE", "description": "日本" * 60, "quantity": "1"}
    narrow = {**wide, "description": "AB" * 60}
    assert layouts.item_lines(wide, 78) > layouts.item_lines(narrow, 78)


def test_dates_as_printed():
    from datetime import date

    assert date_en(date(2026, 3, 5)) == "March 5, 2026"
    assert date_ja(date(2026, 3, 5)) == "2026年3月5日"


def test_image_cache_keeps_only_the_most_recent():
    cache = BoundedCache(size=2)
    cache["seal"], cache["qr1"] = 1, 2
    assert cache["seal"] == 1  # used: now the most recent
    cache["qr2"] = 3
    assert list(cache) == ["seal", "qr2"]


def test_co_fonts_are_embedded_ipaex_only_and_the_qr_opens_verification(renderer):
    pdf = renderer.render("co", renderer.validate("co", certificate_of_origin()))

    fonts = pdfs.fonts(pdf)
    assert fonts and all(f["embedded"] == "yes" for f in fonts)
    assert all("IPAex" in f["name"] for f in fonts), fonts  # no fallback font: no tofu
    assert pdfs.qr_codes(pdf) == ["https://certs.example.jp/verify?certificate_no="
                                  "1504-2026-000123&access_code=K7QX-29PD&issued_on=2026-11-25"]


def test_long_unbroken_text_wraps_inside_its_box(renderer):
    """A 300-character word and full-width lines still fit: nothing is clipped away."""
    payload = certificate_of_origin(goods_count=8)
    payload["goods"][2]["description"] = "X" * 300
    payload["goods"][3]["description"] = "精密機械部品" * 30
    pdf = renderer.render("co", renderer.validate("co", payload))
    text = pdfs.text(pdf).replace("\n", "")
    assert "X" * 300 in text and "精密機械部品" * 30 in text
    assert all(f"SKR/{n:03d}" in text for n in range(1, 9))


def overflowing_items(renderer, payload) -> list[str]:
    """Lay the CO out (WeasyPrint's boxes) and list every goods item whose text runs past
    its box: the estimate in layouts.py must never let that happen."""
    from weasyprint import HTML

    data = renderer.validate("co", payload)
    document = HTML(string=renderer.html("co", data)).render(
        stylesheets=[renderer.stylesheet(s) for s in KINDS["co"].stylesheets],
        font_config=renderer.font_config)
    found = []
    for page in document.pages:
        for box in page._page_box.descendants():
            classes = (box.element.get("class") or "").split() if box.element is not None else []
            if box.element_tag != "div" or "item" not in classes or not box.children:
                continue
            bottom = box.content_box_y() + box.height
            used = max(child.position_y + child.margin_height() for child in box.children)
            if used > bottom + 0.5:
                found.append("".join(box.element.itertext())[:40])
    return found


@pytest.mark.parametrize("description", [
    "X" * 300, "W" * 400, "MMMMMM WWWWWWW " * 40, "精密機械部品" * 40, "WORD " * 150,
    "ＦＵＬＬＷＩＤＴＨ　ＬＡＴＩＮ　" * 20, "MIXED 日本 TEXT " * 60])
def test_no_goods_item_overflows_its_box(renderer, description):
    payload = certificate_of_origin(goods_count=12)
    for item in payload["goods"][1:6]:
        item["description"] = description
    payload["goods"][7]["marks"] = "LONG MARKS " * 20
    payload["goods"][8]["quantity"] = "1,234,567.89 KGS (NET) " * 3
    assert overflowing_items(renderer, payload) == []


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_sample_stays_inside_its_pages(renderer, kind):
    """Laid out by WeasyPrint, no box of any sample runs past the right or bottom edge of
    its page's content area (what a reader would see as text cut off or off the paper)."""
    from weasyprint import HTML

    spec = KINDS[kind]
    data = renderer.validate(kind, spec.sample())
    document = HTML(string=renderer.html(kind, data)).render(
        stylesheets=[renderer.stylesheet(s) for s in spec.stylesheets],
        font_config=renderer.font_config)
    outside = []
    for number, page in enumerate(document.pages, start=1):
        root = page._page_box
        right = root.margin_width() + 0.5
        bottom = root.margin_height() + 0.5
        for box in root.descendants():
            if not hasattr(box, "position_y") or box.width is None or box.height is None:
                continue
            if box.position_x + box.margin_width() > right or \
                    box.position_y + box.margin_height() > bottom:
                text = "".join(box.element.itertext())[:30] if box.element is not None else ""
                outside.append((number, box.element_tag, text))
    assert outside == []


# --- REG-7: signer boxes of the signature registration form -----------------------------------

def signer(n: int, **changes) -> dict:
    return {"number": n, "name_ja": f"署名者 {n}", "name_en": f"SIGNER {n}",
            "title_en": "EXPORT STAFF", "email": f"signer{n}@sakura-trading.example.jp",
            **changes}


def test_four_short_signers_to_a_page_in_order():
    pages = layouts.paginate_signers([signer(n) for n in range(1, 11)], 47.9)
    assert [[s["number"] for s in page] for page in pages] == [
        [1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]


def test_a_long_value_makes_its_box_taller_and_the_page_hold_fewer():
    short = layouts.signer_box_mm(signer(1))
    long = layouts.signer_box_mm(signer(2, name_ja="長" * 200))
    # 200 full-width characters (3.35 mm at 9.5 pt) and the label in a 74.5 mm cell: 10 lines
    assert long - short == pytest.approx(9 * layouts.SIGNATURE_LAYOUT["line_mm"])
    pages = layouts.paginate_signers([signer(1), signer(2, name_ja="長" * 200), signer(3),
                                      signer(4)], 47.9)
    assert [len(page) for page in pages] == [3, 1]


def test_a_box_taller_than_a_page_still_gets_one():
    huge = signer(1, email="a" * 3000 + "@example.jp")
    assert layouts.signer_box_mm(huge) > layouts.SIGNATURE_LAYOUT["page_mm"]
    assert layouts.paginate_signers([huge, signer(2)], 47.9) == [[huge], [signer(2)]]


def test_the_heading_grows_with_a_long_company_or_chamber_name():
    base = layouts.signature_heading_mm("さいたま商工会議所", "さくら貿易株式会社",
                                        "SAKURA TRADING CO., LTD.")
    assert base == pytest.approx(47.9, abs=0.1)  # as WeasyPrint lays it out
    assert layouts.signature_heading_mm("商" * 60, "さくら貿易株式会社", "SAKURA") > base
    assert layouts.signature_heading_mm("さいたま商工会議所", "長" * 200, "S" * 200) > base + 20
