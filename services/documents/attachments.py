"""What an uploaded attachment is, told by its bytes, never by its name (ISS-5, ISS-6, ISS-10:
the commercial invoice, the foreign CO, the signed private document).

Pure: no Nameko, no storage. A PDF must start with `%PDF-` and parse (pyHanko's reader, which
the signing code uses anyway); a PNG or JPEG must open and verify with Pillow. Anything else,
an executable renamed `invoice.pdf` included, is refused with the field `file`.
"""
import io
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader

from services.documents.exceptions import AttachmentRefused

PDF = "application/pdf"
IMAGES = {"PNG": "image/png", "JPEG": "image/jpeg"}
#: Magic numbers of the accepted types; the content decides, the file name does not.
SIGNATURES = ((b"%PDF-", PDF), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))


@dataclass(frozen=True)
class Identified:
    content_type: str
    pages: int
    encrypted: bool = False  # a PDF that cannot be stamped (ISS-10) without its password


def refused() -> AttachmentRefused:
    return AttachmentRefused(message="only PDF, PNG or JPEG files are accepted",
                             fields={"file": ["attachment_type"]})


def identify(data: bytes) -> Identified:
    """The type of `data` by its content and its page count. Raises AttachmentRefused
    (`attachment_type`) for anything but a PDF that parses or a PNG / JPEG that Pillow reads."""
    content_type = next((kind for magic, kind in SIGNATURES if data.startswith(magic)), None)
    if content_type == PDF:
        return identify_pdf(data)
    if content_type is not None:
        return identify_image(data, content_type)
    raise refused()


def identify_pdf(data: bytes) -> Identified:
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        pages = int(reader.root["/Pages"]["/Count"])
        encrypted = reader.encrypted
    except (PdfError, KeyError, TypeError, ValueError, IndexError, AttributeError,
            AssertionError, RecursionError):
        raise refused() from None
    if pages < 1:
        raise refused()
    return Identified(PDF, pages, encrypted)


def identify_image(data: bytes, content_type: str) -> Identified:
    try:
        with Image.open(io.BytesIO(data)) as image:
            if IMAGES.get(image.format) != content_type:
                raise refused()
            image.verify()  # PNG: every chunk's checksum up to IEND
        with Image.open(io.BytesIO(data)) as image:
            # Decoding the whole image proves the data is there; JPEG's draft mode decodes at
            # an eighth of the size, so a 10 MB photo costs milliseconds.
            image.draft("RGB", (64, 64))
            image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            UnidentifiedImageError):
        raise refused() from None
    return Identified(content_type, 1)
