"""Looking at PDFs as a reader would: their text (pdftotext), their QR codes (pdftoppm +
zbarimg), their fonts (pdffonts); and a plain PDF of a given size to sign (make_pdf)."""
import io
import subprocess
import tempfile
from pathlib import Path

import pydyf


def text(pdf: bytes, layout: bool = False) -> str:
    args = ["pdftotext", *(["-layout"] if layout else []), "-", "-"]
    return subprocess.run(args, input=pdf, capture_output=True, check=True).stdout.decode()


def page_text(pdf: bytes, page: int) -> str:
    """The text of one page (1-based)."""
    args = ["pdftotext", "-f", str(page), "-l", str(page), "-", "-"]
    return subprocess.run(args, input=pdf, capture_output=True, check=True).stdout.decode()


def qr_codes(pdf: bytes, page: int = 1, dpi: int = 200) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "doc.pdf"
        source.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-f", str(page), "-l", str(page),
                        str(source), str(Path(tmp) / "page")], check=True)
        [image] = Path(tmp).glob("page*.png")
        result = subprocess.run(["zbarimg", "--raw", "-q", "-Sdisable", "-Sqrcode.enable",
                                 str(image)], check=False, capture_output=True)
        return [line for line in result.stdout.decode().splitlines() if line]


def fonts(pdf: bytes) -> list[dict]:
    """pdffonts' table: name, type, embedded ('yes'/'no')."""
    out = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True)
    rows = out.stdout.decode().splitlines()[2:]
    return [{"name": row.split()[0], "embedded": row.split()[-5]} for row in rows if row]


def page_count(pdf: bytes) -> int:
    out = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout
    return int(next(line.split()[1] for line in out.decode().splitlines()
                    if line.startswith("Pages:")))


def fetch_pdf(documents, file_id) -> bytes:
    """A stored PDF through the documents service's `fetch` RPC."""
    import base64

    fetched = documents.fetch(file_id)
    assert fetched["content_type"] == "application/pdf"
    return base64.b64decode(fetched["data"])


# --- a PDF to sign (tests of signing.py and keyring.py) ---------------------------------

MARKER = b"Certificate of Origin No. 0001"


def make_pdf(size: int = 30_000) -> bytes:
    """A one-page PDF of about `size` bytes (uncompressed text, so a test can find MARKER in
    the content stream)."""
    pdf = pydyf.PDF()
    font = pydyf.Dictionary({"Type": "/Font", "Subtype": "/Type1", "BaseFont": "/Helvetica"})
    pdf.add_object(font)
    content = pydyf.Stream()
    content.begin_text()
    content.set_font_size("F1", 9)
    content.set_text_matrix(1, 0, 0, 1, 40, 800)
    content.show_text_string(MARKER.decode())
    line = 0
    while len(content.data) < size // 40:
        line += 1
        content.move_text_to(0, -1)
        content.show_text_string(f"Line {line}: goods described, origin Japan, HS 8471.30")
    content.end_text()
    pdf.add_object(content)
    page = pydyf.Dictionary({
        "Type": "/Page", "Parent": pdf.pages.reference, "MediaBox": pydyf.Array([0, 0, 595, 842]),
        "Resources": pydyf.Dictionary({"Font": pydyf.Dictionary({"F1": font.reference})}),
        "Contents": content.reference})
    pdf.add_page(page)
    out = io.BytesIO()
    pdf.write(out, identifier=True)
    data = out.getvalue()
    if len(data) < size:  # pad with a comment before the trailer: still a valid PDF
        data = data.replace(b"\nxref\n", b"\n%" + b"x" * (size - len(data)) + b"\nxref\n", 1)
        data = _fix_startxref(data)
    return data


def _fix_startxref(data: bytes) -> bytes:
    xref = data.rindex(b"\nxref\n") + 1
    head, _, _ = data.rpartition(b"startxref\n")
    return head + b"startxref\n%d\n%%%%EOF\n" % xref
