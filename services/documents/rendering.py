"""Jinja2 + WeasyPrint: payload in, PDF bytes out. No Nameko, no storage, no signing.

Rendering is the documents service's hot path (ISS-8: every certificate is printed from its
PDF), so everything that does not depend on the payload is prepared once per process and
reused: the FontConfiguration, the parsed stylesheets, the Jinja2 templates, WeasyPrint's
image cache (the chamber seal is the same on every certificate). `make bench` measures it.
"""
import base64
import functools
import hashlib
import inspect
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote, urlencode

import segno
import weasyprint
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from services.documents.exceptions import UnknownDocumentKind
from tradecert.clock import JAPAN
from tradecert.schemas import load

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class DocumentKind:
    name: str
    template: str
    schema: type
    stylesheets: tuple[str, ...]
    prepare: Callable  # (renderer, validated payload) -> template context
    sample: Callable  # () -> a built-in sample payload (render-sample, tests, bench)
    certified: bool  # signed with the chamber's key (PAdES), unless a preview (issue 10)
    # ISS-10: the payload field naming a stored PDF the rendered pages are stamped onto
    # (overlay.py): the result is that PDF's pages, not the rendered ones.
    overlay_on: str | None = None
    # The stored files a sample names, put in the store first (render-sample, tests, bench).
    sample_files: Callable[[], list[tuple[bytes, str]]] = list


def date_en(value: date | None) -> str:
    """Dates on certificates are written out in English: "March 5, 2026"."""
    return f"{value:%B} {value.day}, {value.year}" if value else ""


def date_ja(value: date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def datetime_ja(value: datetime) -> str:
    """Japan time, to the minute: 2026年11月25日 14:05."""
    local = value.astimezone(JAPAN)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def yen(value: int) -> str:
    """An amount as receipts print it: ¥12,345 (yen, thousands separated)."""
    return f"¥{value:,}"


#: Issue 10: what a preview says across every page; never a certificate.
PREVIEW_WATERMARK = ("PREVIEW – NOT VALID", "見本・無効")


def png_data_uri(png_base64: str | None) -> str | None:
    return f"data:image/png;base64,{png_base64}" if png_base64 else None


def qr_data_uri(content: str) -> str:
    """A QR code as an SVG data URI: vector, so it prints sharp at any size and costs
    WeasyPrint no image decoding."""
    # make_qr, not make: for short content segno picks a Micro QR, which zbar and the usual
    # office scanners cannot read.
    svg = segno.make_qr(content, error="m").svg_inline(scale=1, border=0, omitsize=True)
    return "data:image/svg+xml," + quote(svg)


@functools.cache
def default_seal(name_en: str) -> str:
    """A development stand-in for a chamber's seal (a real one is configured per chamber)."""
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">'
        '<circle cx="50" cy="50" r="46" fill="none" stroke="#c8102e" stroke-width="4"/>'
        '<circle cx="50" cy="50" r="36" fill="none" stroke="#c8102e" stroke-width="1.5"/>'
        '<text x="50" y="56" font-size="16" text-anchor="middle" fill="#c8102e" '
        'font-family="IPAexMincho">CCI</text></svg>')
    return "data:image/svg+xml," + quote(svg)


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    pages: int


class BoundedCache(OrderedDict):
    """WeasyPrint's image cache, keyed by URL. Every certificate has its own QR code and
    many their own signature, so an unbounded dict would grow with every render; this one
    keeps the few most recently used images (the chamber seals stay in it). Measured: 64
    entries held ~120 MB more than 8 (a parsed image is large), for no speed gained."""

    def __init__(self, size: int = 8):
        super().__init__()
        self.size = size

    def __getitem__(self, key):
        value = super().__getitem__(key)
        self.move_to_end(key)
        return value

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)


class Renderer:
    """One per process: render(kind, payload) -> PDF bytes, for the kinds it is given
    (services/documents/kinds.py lists them all)."""

    def __init__(self, kinds: dict[str, DocumentKind], public_url: str = "http://127.0.0.1:8000"):
        self.kinds = kinds
        self.public_url = public_url.rstrip("/")
        self.font_config = FontConfiguration()
        self.env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                               autoescape=select_autoescape(["html"]), trim_blocks=True,
                               lstrip_blocks=True)
        self.env.filters.update(date_en=date_en, date_ja=date_ja, datetime_ja=datetime_ja,
                                yen=yen)
        self.image_cache = BoundedCache()
        self._stylesheets: dict[str, CSS] = {}

    def stylesheet(self, name: str) -> CSS:
        if name not in self._stylesheets:
            self._stylesheets[name] = CSS(filename=str(TEMPLATES / name),
                                          font_config=self.font_config)
        return self._stylesheets[name]

    @functools.cache  # noqa: B019 — one Renderer per process, a handful of kinds
    def fingerprint(self, kind: str) -> str:
        """Everything besides the payload that decides what a kind's PDF looks like: the
        templates and stylesheets, the code that prepares the template's context and lays
        out its pages, WeasyPrint's version and the public URL printed on certificates. Part
        of the content key (domain.content_key), so a changed template never answers a file
        rendered from the old one."""
        spec = self.kind(kind)
        digest = hashlib.sha256(f"{weasyprint.__version__}|{self.public_url}".encode())
        sources = [*sorted(TEMPLATES.iterdir()), Path(__file__),
                   Path(__file__).with_name("layouts.py"), Path(__file__).with_name("overlay.py"),
                   Path(inspect.getsourcefile(spec.prepare))]
        for path in sources:
            if path.is_file():
                digest.update(path.name.encode() + b"\0" + path.read_bytes())
        return digest.hexdigest()

    def kind(self, name: str) -> DocumentKind:
        try:
            return self.kinds[name]
        except KeyError:
            raise UnknownDocumentKind(message=f"no document kind {name}",
                                      fields={"kind": ["unknown_document_kind"]}) from None

    def validate(self, kind: str, payload: dict) -> dict:
        return load(self.kind(kind).schema(), payload)

    def html(self, kind: str, data: dict) -> str:
        spec = self.kind(kind)
        return self.env.get_template(spec.template).render(**spec.prepare(self, data))

    def render(self, kind: str, data: dict) -> bytes:
        """`data` is a validated payload (see `validate`)."""
        return self.render_document(kind, data).pdf

    def render_document(self, kind: str, data: dict) -> "Rendered":
        spec = self.kind(kind)
        options = {
            "stylesheets": [self.stylesheet(s) for s in spec.stylesheets],
            "cache": self.image_cache,
            # No hinting in the embedded font subsets: smaller and faster; print needs none.
            "hinting": False, "full_fonts": False, "pdf_identifier": False,
        }
        document = HTML(string=self.html(kind, data), base_url=str(TEMPLATES)).render(
            font_config=self.font_config, **options)
        return Rendered(pdf=document.write_pdf(**options), pages=len(document.pages))

    def verification_url(self, certificate_no: str, access_code: str, issued_on: date) -> str:
        """ISS-9: the QR code opens the public verification page with the three values."""
        query = urlencode({"certificate_no": certificate_no, "access_code": access_code,
                           "issued_on": issued_on.isoformat()})
        return f"{self.public_url}/verify?{query}"


def as_base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
