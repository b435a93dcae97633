"""Where content goes when it does not fit: the goods of a certificate of origin.

ISS-4: "Goods that do not fit go on attachment sheets". Box 7 has a fixed height on page 1;
an item's height is estimated from its text in half-width units per line, conservatively (a
line holds fewer characters than it could), and long words break anywhere (CSS
`overflow-wrap: anywhere`), so an estimate that fits never overflows the box.
"""
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
    sheets, sheet, used = [], [], 0
    for item in goods[len(first):]:
        lines = item_lines(item, layout["sheet_chars"])
        if sheet and used + lines > layout["sheet_lines"] - 1:
            sheets.append(sheet)
            sheet, used = [], 0
        sheet.append(item)
        used += lines
    if sheet:
        sheets.append(sheet)
    return first, sheets
