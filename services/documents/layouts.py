"""Where content goes when it does not fit: the goods of a certificate of origin (ISS-4)
and the signer boxes of the signature registration form (REG-7, further below).

ISS-4: "Goods that do not fit go on attachment sheets". Box 7 has a fixed height on page 1;
an item's height is estimated from its text in half-width units per line, conservatively (a
line holds fewer characters than it could), and long words break anywhere (CSS
`overflow-wrap: anywhere`), so an estimate that fits never overflows the box.
"""
import functools
import math
import unicodedata

CO_LAYOUT = {
    "box7_height_mm": 86,
    "box7_lines": 17,        # 9pt lines of 1.35 that fit in box 7, with the closing line
    # Half-width units per line in box 7 (145 mm): capitals in IPAexMincho are wide and a
    # line breaks at a word, so count fewer than fit (tests/unit/test_rendering.py lays
    # out worst cases and checks that no item overflows).
    "box7_chars": 56,
    "qty_chars": 16,
    "sheet_lines": 52,       # lines on an attached sheet
    "sheet_chars": 56,
}


def display_width(text: str) -> int:
    """Half-width units: a full-width (Japanese) character counts twice."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def item_lines(item: dict, chars: int) -> int:
    first = f"{item['marks']} {item['packages']}"
    second = item["description"] + (f" (Origin: {item['origin']})" if item.get("origin") else "")
    lines = sum(max(1, math.ceil(display_width(text) / chars)) for text in (first, second))
    qty_lines = max(1, math.ceil(display_width(item["quantity"]) / CO_LAYOUT["qty_chars"]))
    return max(lines, qty_lines) + 1  # the gap between items counts as a line


LINE_HEIGHT_PT = 9 * 1.35


def paginate_goods(goods: list[dict]) -> tuple[list[dict], list[list[dict]]]:
    """Items for box 7 on page 1 (each with `height_pt`, the same in box 7 and box 8), and
    the attached sheets (each a list of items)."""
    layout = CO_LAYOUT
    goods = [{**item, "height_pt": round(item_lines(item, layout["box7_chars"]) * LINE_HEIGHT_PT,
                                         1)} for item in goods]
    total = sum(item_lines(item, layout["box7_chars"]) for item in goods)
    if total <= layout["box7_lines"] - 1:
        return goods, []
    first, used = [], 0
    budget = layout["box7_lines"] - 2  # keep a line for "Details as per attached sheet(s)"
    for item in goods:
        lines = item_lines(item, layout["box7_chars"])
        if used + lines > budget:
            break
        first.append(item)
        used += lines
    sheets = fill_pages(goods[len(first):], lambda item: item_lines(item, layout["sheet_chars"]),
                        layout["sheet_lines"] - 1)
    return first, sheets


def fill_pages(items: list, size, budget: float, per_page: int | None = None) -> list[list]:
    """`items` in order, page by page: a page takes items while their `size(item)` adds up
    to at most `budget` (and, if given, up to `per_page` of them); an item larger than a
    page still gets a page of its own."""
    pages, page, used = [], [], 0.0
    for item in items:
        height = size(item)
        if page and (used + height > budget or len(page) == per_page):
            pages.append(page)
            page, used = [], 0.0
        page.append(item)
        used += height
    if page:
        pages.append(page)
    return pages


# --- REG-7: the signature registration form ---------------------------------------------------
#
# Every page carries the form's heading and notice, then as many signer boxes as fit (at most
# four). A box that did not fit would be pushed whole onto a page of its own, without the
# heading, and the page count would no longer match the sections (the form failed this way
# from the 100th signer, whose e-mail wraps). So each box's height is counted from its text,
# measured with the font's own advance widths; tests/unit/test_registration_documents.py
# renders long names and 500 signers and checks that every page holds exactly its section.
# Heights in mm as WeasyPrint lays out signature_registration.css.
SIGNATURE_LAYOUT = {
    "page_mm": 297 - 32 - 14,   # A4 less the forms' top and bottom margins
    "heading_mm": 37.4,         # title, lead and notice with their margins
    "addressee_line_mm": 5.8,   # 11pt, "<chamber>　御中", may wrap
    "company_line_mm": 4.7,     # 9.5pt × 1.4, "会社名 <name> <name in English>", may wrap
    "content_width_mm": 180,
    "box_mm": 41.1,             # a signer box without its lines of text, margins included
    "line_mm": 9.5 * 1.3 * 25.4 / 72,
    "first_cell_mm": 76 - 1.5,  # name (Japanese) over e-mail
    "second_cell_mm": 82 - 1.5,  # name (English) over title
    "label_gap_mm": 2,
    "boxes_per_page": 4,
    "spare_mm": 1,              # rounding
}
MINCHO_FILE = "ipaexm.ttf"  # IPAexMincho (fonts-ipaexfont-mincho), the forms' font
MM_PER_PT = 25.4 / 72


@functools.cache
def _font():
    from PIL import ImageFont  # only the signature form needs it

    # Pillow finds the file under /usr/share/fonts (and XDG_DATA_DIRS) by its name.
    return ImageFont.truetype(MINCHO_FILE, 1000)


@functools.cache
def _advance(char: str) -> float:
    """A character's advance in em (IPAex: 1 for a full-width character)."""
    return _font().getlength(char) / 1000


def text_width_mm(text: str, size_pt: float) -> float:
    return sum(_advance(c) for c in text) * size_pt * MM_PER_PT


def text_lines(runs: list[tuple[str, float]], width_mm: float, indent_mm: float = 0.0) -> int:
    """Lines that `runs` (text, size in pt), set one after the other, take in a box
    `width_mm` wide when a line may break after any character (word-break: break-all), the
    first line starting `indent_mm` in (a label before it). Measured as WeasyPrint sets
    IPAex (the same advances to 0.01 mm), with a hair to spare."""
    lines, used = 1, indent_mm
    for text, size_pt in runs:
        em = size_pt * MM_PER_PT * 1.005
        for char in text:
            advance = _advance(char) * em
            if used + advance > width_mm and used > 0:
                lines, used = lines + 1, 0.0
            used += advance
    return lines


def _label_mm(label: str, size_pt: float = 7) -> float:
    return text_width_mm(label, size_pt) * 1.005 + SIGNATURE_LAYOUT["label_gap_mm"]


def signer_box_mm(signer: dict) -> float:
    layout = SIGNATURE_LAYOUT
    first, second = layout["first_cell_mm"], layout["second_cell_mm"]

    def cell(label: str, text: str, width: float) -> int:
        return text_lines([(text, 9.5)], width, _label_mm(label))

    lines = (max(cell("氏名（和文）", signer["name_ja"], first),
                 cell("Name", signer["name_en"], second))
             + max(cell("E-mail", signer["email"], first),
                   cell("Title", signer["title_en"], second)))
    return layout["box_mm"] + lines * layout["line_mm"]


def signature_heading_mm(chamber_name: str, company_name: str, name_en: str) -> float:
    layout = SIGNATURE_LAYOUT
    width = layout["content_width_mm"]
    # The English name (8pt) follows the Japanese one and breaks between words, not anywhere:
    # a wrapped line gets a line more.
    company = text_lines([(f"会社名　{company_name}　", 9.5), (name_en, 8)], width)
    company += 1 if company > 1 else 0
    addressee = text_lines([(f"{chamber_name}　御中", 11)], width)
    return (layout["heading_mm"] + addressee * layout["addressee_line_mm"]
            + company * layout["company_line_mm"])


def paginate_signers(signers: list[dict], heading_mm: float) -> list[list[dict]]:
    """REG-7: the signers' boxes page by page, in order, each page with room for the heading
    (`heading_mm`, see signature_heading_mm). A box too tall for any page still gets one."""
    layout = SIGNATURE_LAYOUT
    return fill_pages(signers, signer_box_mm,
                      layout["page_mm"] - heading_mm - layout["spare_mm"],
                      layout["boxes_per_page"])
