"""Stamping rendered pages onto an existing PDF (ISS-10: the applicant's own document with the
chamber's certification on every page).

Pure: no Nameko, no storage, no signing. WeasyPrint renders what is stamped (the same fonts,
Japanese included, and the same QR code as every certificate); pyHanko's writer imports each
rendered page as a form XObject and draws it on every page of the document:

- the overlay's first page is the stamp, drawn small in the bottom margin at the right, upright
  however the page is rotated, scaled down only on a page too narrow for it;
- a second page, if there is one (a preview's watermark), covers each page, scaled to fit and
  centred.

The document is copied into a new file (not an incremental update) so that what the chamber
signs next is a clean, strictly readable PDF whatever produced the applicant's file.
"""
import io
from dataclasses import dataclass

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.rw_common import find_inherited_value_in_tree
from pyhanko.pdf_utils.writer import copy_into_new_writer

MM = 72 / 25.4
MARGIN = 5 * MM  # from the paper's edges: inside a printer's margin, below a form's text
MAX_STAMP_HEIGHT = 0.2  # of the page's height, at most


class NotStampable(Exception):
    """The document cannot be stamped: encrypted, or its pages cannot be read."""


@dataclass(frozen=True)
class Stamped:
    pdf: bytes
    pages: int


def stamp(document: bytes, overlay: bytes) -> Stamped:
    """`document` with `overlay`'s first page stamped on each page (and its second, if any,
    over each page). Raises NotStampable."""
    try:
        reader = PdfFileReader(io.BytesIO(document), strict=False)
        if reader.encrypted:
            raise NotStampable("the document is encrypted")
        writer = copy_into_new_writer(reader)
        pages = int(writer.root["/Pages"]["/Count"])
        overlay_reader = PdfFileReader(io.BytesIO(overlay))
        forms = [_form(writer, overlay_reader, index)
                 for index in range(int(overlay_reader.root["/Pages"]["/Count"]))]
        for page in range(pages):
            _stamp_page(writer, page, forms)
        output = io.BytesIO()
        writer.write(output)
    except (PdfError, KeyError, TypeError, ValueError, IndexError, AttributeError,
            AssertionError, RecursionError) as error:
        raise NotStampable(f"the document's pages cannot be read: {error}") from None
    return Stamped(output.getvalue(), pages)


@dataclass(frozen=True)
class _Form:
    ref: generic.IndirectObject
    width: float
    height: float


def _form(writer, reader: PdfFileReader, index: int) -> _Form:
    page_ref, _ = reader.find_page_for_modification(index)
    x0, y0, x1, y1 = (float(v) for v in page_ref.get_object()["/MediaBox"])
    return _Form(writer.import_page_as_xobject(reader, index), x1 - x0, y1 - y0)


def _stamp_page(writer, index: int, forms: list[_Form]) -> None:
    page_ref, resources = writer.find_page_for_modification(index)
    page = page_ref.get_object()
    box = (find_inherited_value_in_tree(page, "/CropBox", "/Parent")
           or find_inherited_value_in_tree(page, "/MediaBox", "/Parent"))
    x0, y0, x1, y1 = (float(v) for v in box)
    x0, x1 = sorted((x0, x1))
    y0, y1 = sorted((y0, y1))
    rotate = int(find_inherited_value_in_tree(page, "/Rotate", "/Parent") or 0) % 360
    width, height = (x1 - x0, y1 - y0) if rotate in (0, 180) else (y1 - y0, x1 - x0)

    existing = resources.get_object().get("/XObject", generic.DictionaryObject()) \
        if resources is not None else generic.DictionaryObject()
    names, drawing = generic.DictionaryObject(), []
    for number, (form, (scale, u, v)) in enumerate(zip(
            forms, _placements(forms, width, height), strict=False)):
        name = _free_name(existing, f"/TradecertStamp{number}")
        names[generic.pdf_name(name)] = form.ref
        matrix = _matrix(rotate, scale, u, v, (x0, y0, x1, y1))
        numbers = " ".join(f"{n:.4f}" for n in matrix)
        drawing.append(f"q {numbers} cm {name} Do Q")

    if "/Contents" not in page:
        page[generic.pdf_name("/Contents")] = generic.ArrayObject()
    # The page's own content is wrapped in q ... Q: a graphics state it leaves changed (a
    # transformation, a clip) does not move or hide the stamp.
    writer.add_stream_to_page(index, writer.add_object(
        generic.StreamObject(stream_data=b"q\n")), prepend=True)
    writer.add_stream_to_page(
        index, writer.add_object(generic.StreamObject(
            stream_data=("Q\n" + "\n".join(drawing) + "\n").encode("ascii"))),
        resources=generic.DictionaryObject({generic.pdf_name("/XObject"): names}))


def _placements(forms: list[_Form], width: float, height: float):
    """(scale, u, v) of each form in the page as it is seen (origin at its lower left)."""
    stamp = forms[0]
    scale = min(1.0, (width - 2 * MARGIN) / stamp.width,
                height * MAX_STAMP_HEIGHT / stamp.height)
    yield scale, width - MARGIN - scale * stamp.width, MARGIN
    for cover in forms[1:]:
        scale = min(width / cover.width, height / cover.height)
        yield scale, (width - scale * cover.width) / 2, (height - scale * cover.height) / 2


def _matrix(rotate: int, s: float, u: float, v: float, box) -> tuple[float, ...]:
    """The `cm` drawing a form at (u, v) of the page as seen, scaled by `s`, upright on a
    page shown turned clockwise by /Rotate degrees."""
    x0, y0, x1, y1 = box
    return {
        0: (s, 0, 0, s, x0 + u, y0 + v),
        90: (0, s, -s, 0, x1 - v, y0 + u),
        180: (-s, 0, 0, -s, x1 - u, y1 - v),
        270: (0, -s, s, 0, x0 + v, y1 - u),
    }[rotate if rotate in (0, 90, 180, 270) else 0]


def _free_name(existing, name: str) -> str:
    candidate, n = name, 0
    while candidate in existing:
        n += 1
        candidate = f"{name}_{n}"
    return candidate
