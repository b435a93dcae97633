"""documents' rules, free of Nameko: render once per payload, sign what is certified, keep
every file content-addressed, turn scanned signatures into clean images (REG-7)."""
import base64
import hashlib
import io
import json
import re
from collections.abc import Callable

from PIL import Image
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.documents import overlay
from services.documents.attachments import identify
from services.documents.exceptions import (
    AttachmentTooLarge,
    DocumentNotStampable,
    FileNotFound,
)
from services.documents.keyring import Keyring
from services.documents.models import RenderedDocument, StoredImage
from services.documents.rendering import DocumentKind, Renderer
from services.documents.signing import validate
from services.documents.storage import FileStore
from tradecert.errors import ValidationFailed
from tradecert.logs import get_logger
from tradecert.schemas import CCI_CODE

SERVICE = "documents"
PDF = "application/pdf"
log = get_logger(__name__)


def content_key(kind: str, data: dict, fingerprint: str = "") -> str:
    """What a PDF is made from, as one hash: the kind, the validated payload (keys sorted,
    dates as ISO; a form's "updated at" is in it, so an edit gives a new key) and the
    renderer's fingerprint (templates, layout code). Images named by `*_file_id` are in the
    store by their content's hash, so the id stands for the image."""
    canonical = json.dumps({"kind": kind, "payload": data, "renderer": fingerprint},
                           sort_keys=True, default=str, ensure_ascii=False,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def resolve_images(data, store: FileStore, keep: tuple[str, ...] = ()):
    """Replace every `<name>_file_id` (a stored image) by `<name>_png` (base64), in place;
    not the top-level keys in `keep` (a PDF to stamp onto, DocumentKind.overlay_on)."""
    if isinstance(data, dict):
        for key in [k for k in data if k.endswith("_file_id") and k not in keep]:
            png_key = key[: -len("_file_id")] + "_png"
            if data[key] and not data.get(png_key):
                data[png_key] = base64.b64encode(store.get(data[key]).data).decode("ascii")
        for value in data.values():
            resolve_images(value, store)
    elif isinstance(data, list):
        for value in data:
            resolve_images(value, store)
    return data


def produce(session: Session, *, kind: str, payload: dict, renderer: Renderer,
            store: FileStore, sign: Callable[[dict, bytes], bytes]) -> RenderedDocument:
    """Render `payload` as `kind`, sign it when the kind is certified (`sign(chamber, pdf)`),
    store it. REG-7: a form is rendered once per content: the same content (content_key)
    answers the file made then, without rendering again; a certified kind answers the file
    signed then (the same document, signed once)."""
    data = renderer.validate(kind, payload)
    digest = content_key(kind, data, renderer.fingerprint(kind))
    existing = find(session, kind, digest)
    if existing is not None:
        return existing
    pdf, pages = make_pdf(kind, data, renderer=renderer, store=store, sign=sign)
    file_id = store.put(pdf, PDF)
    # Two workers may render the same payload at once: the first row wins, both answer it.
    session.execute(insert(RenderedDocument).values(
        kind=kind, payload_hash=digest, file_id=file_id, size=len(pdf), pages=pages,
        cci_code=(data.get("chamber") or {}).get("cci_code"),
        signed=signs(renderer.kind(kind), data)).on_conflict_do_nothing())
    session.flush()
    log.info("document_rendered", kind=kind, file_id=file_id, pages=pages)
    return find(session, kind, digest)


def signs(spec: DocumentKind, data: dict) -> bool:
    """A certified kind is signed; its preview never is (issue 10: never a certificate)."""
    return spec.certified and not data.get("preview")


def make_pdf(kind: str, data: dict, *, renderer: Renderer, store: FileStore,
             sign: Callable[[dict, bytes], bytes]) -> tuple[bytes, int]:
    """The PDF of a validated payload and its page count: images resolved, rendered (for a
    kind with `overlay_on`, stamped on the stored PDF it names, ISS-10), and signed with the
    chamber's key when the kind is certified and this is no preview. `tradecert
    render-sample` calls this too, so a sample goes through the service's own code."""
    spec = renderer.kind(kind)
    keep = (spec.overlay_on,) if spec.overlay_on else ()
    rendered = renderer.render_document(kind, resolve_images(data, store, keep))
    pdf, pages = rendered.pdf, rendered.pages
    if spec.overlay_on:
        pdf, pages = stamp_stored(store, data[spec.overlay_on], rendered.pdf, spec.overlay_on)
    if not signs(spec, data):
        return pdf, pages
    return sign(data["chamber"], pdf), pages


def stamp_stored(store: FileStore, file_id: str, overlay_pdf: bytes,
                 field: str) -> tuple[bytes, int]:
    """ISS-10: the stored PDF `file_id` with `overlay_pdf` stamped on each page."""
    try:
        document = store.get(file_id)
    except FileNotFound:
        raise DocumentNotStampable(code="document_not_found", message=f"no stored file {file_id}",
                                   fields={field: ["document_not_found"]}) from None
    try:
        stamped = overlay.stamp(document.data, overlay_pdf)
    except overlay.NotStampable as error:
        raise DocumentNotStampable(message=str(error),
                                   fields={field: ["document_not_stampable"]}) from None
    return stamped.pdf, stamped.pages


def find(session: Session, kind: str, digest: str) -> RenderedDocument | None:
    return session.scalar(select(RenderedDocument).where(
        RenderedDocument.kind == kind, RenderedDocument.payload_hash == digest))


def store_signature(session: Session, scan: bytes, store: FileStore) -> StoredImage:
    """REG-7: keep the scan, extract the signature (refused with the reason when the ink
    touches the frame or the box is empty) and keep the clean image."""
    # Imported here, not at the top: numpy and the image code add ~15 MB to every documents
    # process, and most of them only render (make bench: documents_rss_mb_after_1000).
    from services.documents.signatures import extract_signature

    png = extract_signature(scan)
    source_id = store.put(scan, "application/octet-stream")
    file_id = store.put(png, "image/png")
    image = session.get(StoredImage, file_id)
    if image is None:
        width, height = Image.open(io.BytesIO(png)).size
        image = StoredImage(file_id=file_id, source_file_id=source_id, width=width,
                            height=height)
        session.add(image)
        session.flush()
    return image


def decode_upload(data_base64: str, field: str = "scan", limit: int | None = None) -> bytes:
    """The uploaded bytes; with a `limit`, AttachmentTooLarge over it, checked on the base64
    text's length first so a huge upload is not decoded only to be refused."""
    if limit is not None and isinstance(data_base64, str) and \
            len(data_base64) > (limit + 2) // 3 * 4 + 4:
        raise too_large(field, limit)
    try:
        data = base64.b64decode(data_base64, validate=True)
    except (ValueError, TypeError):
        raise ValidationFailed(message="not base64", fields={field: ["not_base64"]}) from None
    if limit is not None and len(data) > limit:
        raise too_large(field, limit)
    return data


def too_large(field: str, limit: int) -> AttachmentTooLarge:
    return AttachmentTooLarge(message=f"larger than {limit} bytes", fields={field: [
        "attachment_too_large"]}, params={"max_bytes": limit})


# Printable, one line: it is shown in lists and sent back in Content-Disposition.
_FILENAME = re.compile(r"[^\x00-\x1f\x7f]{1,255}\Z")


def store_attachment(data: bytes, filename: str, store: FileStore) -> dict:
    """ISS-5, ISS-6, ISS-10: keep an attachment whose content is a PDF, PNG or JPEG
    (attachments.identify), content-addressed: the same bytes are one file, whoever sends
    them and under whatever name. No table: the application that lists it is issuance's."""
    if not isinstance(filename, str) or not _FILENAME.match(filename):
        raise ValidationFailed(message="not a usable file name",
                               fields={"filename": ["filename_invalid"]})
    found = identify(data)
    file_id = store.put(data, found.content_type)
    log.info("attachment_stored", file_id=file_id, content_type=found.content_type,
             size=len(data), pages=found.pages)
    return {"file_id": file_id, "sha256": file_id, "content_type": found.content_type,
            "size": len(data), "pages": found.pages, "encrypted": found.encrypted,
            "filename": filename}


# --- signing keys (issue 13) -------------------------------------------------------------


def checked_cci_code(cci_code: object) -> str:
    if not isinstance(cci_code, str) or not CCI_CODE.regex.match(cci_code):
        raise ValidationFailed(message="not a chamber code",
                               fields={"cci_code": ["format_cci_code"]})
    return cci_code


def describe_keyring(keyring: Keyring) -> dict:
    """The chamber's certificates, newest last, each with its status (signing, retired,
    ...), and the trust roots its signatures are validated against: what anyone needs to
    validate a certificate the chamber ever signed, whichever key signed it."""
    return {"cci_code": keyring.cci_code,
            "certificates": [{
                "number": g.number, "status": keyring.status(g),
                "subject": g.certificate.subject.rfc4514_string(),
                "serial": format(g.certificate.serial_number, "x"),
                "fingerprint_sha256": g.fingerprint,
                "not_before": g.certificate.not_valid_before_utc.isoformat(),
                "not_after": g.certificate.not_valid_after_utc.isoformat(),
                "pem": g.cert_pem.decode("ascii")} for g in keyring.generations],
            "trust_roots": [pem.decode("ascii") for pem in keyring.trust_roots]}


def verify_signature(pdf: bytes, keyring: Keyring) -> dict:
    """The last signature of `pdf` checked as the chamber's: a path to one of its trust
    roots, and a signer certificate that is one of its own, current or retired."""
    report = validate(pdf, keyring.trust_roots, signers=keyring.certificates)
    return {**report.__dict__, "ok": report.ok, "cci_code": keyring.cci_code}
