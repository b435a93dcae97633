"""Looking at PDFs as a reader would: their text (pdftotext), their QR codes (pdftoppm +
zbarimg), their fonts (pdffonts)."""
import subprocess
import tempfile
from pathlib import Path


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
