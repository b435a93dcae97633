"""PAdES signatures (baseline B-B) with pyHanko, one key and certificate per chamber.

Pure: no Nameko, no database. A worker builds one `PdfSigner` per chamber (the key and the
certificates are parsed once) and calls `sign` for every PDF; `validate` checks a signed PDF
offline against the trust roots it is given (no revocation fetching, no timestamp server).

Which key signs for a chamber, and which certificates stay trusted, is the keyring's
(services/documents/keyring.py), which also makes development keys.
"""

from __future__ import annotations

import asyncio
import functools
import io
import os
import select
import selectors
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import cms
from asn1crypto import keys as asn1_keys
from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.general import get_pyca_cryptography_hash
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

DEFAULT_FIELD_NAME = "ChamberCertification"


# --- credentials -------------------------------------------------------------------------


@dataclass(frozen=True)
class ChamberCredentials:
    """A chamber's signing key (unencrypted PEM, in memory only), its certificate and the
    certificates between it and a trust root (PEM; each item may hold several)."""

    cci_code: str
    key_pem: bytes
    cert_pem: bytes
    chain_pem: tuple[bytes, ...] = ()

    def __repr__(self):  # never print the key
        return f"ChamberCredentials(cci_code={self.cci_code!r}, chain={len(self.chain_pem)})"


def load_credentials(cci_code: str, key_path: str | os.PathLike, cert_path: str | os.PathLike,
                     chain_paths: Iterable[str | os.PathLike] = (),
                     passphrase: str | bytes | None = None) -> ChamberCredentials:
    """Read a PEM key (decrypted with `passphrase` if it is encrypted), its certificate and
    the chain. Raises OSError if a file cannot be read and ValueError if the material is not
    usable (wrong passphrase, not PEM, key and certificate do not match)."""
    return credentials_from_pem(cci_code, Path(key_path).read_bytes(),
                                Path(cert_path).read_bytes(),
                                tuple(Path(path).read_bytes() for path in chain_paths),
                                passphrase)


def credentials_from_pem(cci_code: str, key_pem: bytes, cert_pem: bytes,
                         chain_pem: tuple[bytes, ...] = (),
                         passphrase: str | bytes | None = None) -> ChamberCredentials:
    """`load_credentials` on bytes in memory: ValueError if they are not usable."""
    if isinstance(passphrase, str):
        passphrase = passphrase.encode()
    key = serialization.load_pem_private_key(key_pem, password=passphrase)
    credentials = ChamberCredentials(cci_code, key_to_pem(key), cert_pem, tuple(chain_pem))
    check_matching(key, x509.load_pem_x509_certificate(cert_pem))
    for pem in credentials.chain_pem:
        x509.load_pem_x509_certificates(pem)  # fail now, not at the first signature
    return credentials


def key_to_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _public_der(public_key) -> bytes:
    return public_key.public_bytes(serialization.Encoding.DER,
                                   serialization.PublicFormat.SubjectPublicKeyInfo)


def check_matching(key, cert: x509.Certificate) -> None:
    if _public_der(key.public_key()) != _public_der(cert.public_key()):
        raise ValueError("the private key does not belong to the certificate")


# --- signing -----------------------------------------------------------------------------


class _Signer(signers.SimpleSigner):
    """pyHanko's SimpleSigner parses the private key again for every signature; this one
    signs with the key parsed once."""

    def __init__(self, *args, pyca_key, **kwargs):
        super().__init__(*args, **kwargs)
        self._pyca_key = pyca_key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        hash_algo = get_pyca_cryptography_hash(digest_algorithm)
        if mechanism == "ecdsa" and isinstance(self._pyca_key, ec.EllipticCurvePrivateKey):
            return self._pyca_key.sign(data, ec.ECDSA(hash_algo))
        if mechanism == "rsassa_pkcs1v15" and isinstance(self._pyca_key, rsa.RSAPrivateKey):
            return self._pyca_key.sign(data, padding.PKCS1v15(), hash_algo)
        return super().sign_raw(data, digest_algorithm)


class PdfSigner:
    """Signs PDFs for one chamber. Build once (parses the key and certificates), then call
    `sign` as often as needed; `sign` keeps no state between calls."""

    def __init__(self, credentials: ChamberCredentials):
        key = serialization.load_pem_private_key(credentials.key_pem, password=None)
        cert = x509.load_pem_x509_certificate(credentials.cert_pem)
        check_matching(key, cert)
        chain = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
                 for pem in credentials.chain_pem for c in x509.load_pem_x509_certificates(pem)]
        self.cci_code = credentials.cci_code
        self.certificate = asn1_x509.Certificate.load(
            cert.public_bytes(serialization.Encoding.DER))
        self._signer = _Signer(
            signing_cert=self.certificate,
            signing_key=asn1_keys.PrivateKeyInfo.load(key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption())),
            cert_registry=SimpleCertificateStore.from_certs(chain),
            pyca_key=key)
        # Room for the CMS object: without it pyHanko signs a dummy first, every time.
        self._bytes_reserved = self._estimate_reserve()

    def sign(self, pdf: bytes, *, reason: str, location: str,
             field_name: str = DEFAULT_FIELD_NAME) -> bytes:
        """`pdf` with an invisible PAdES B-B signature added as an incremental update.
        Raises pyHanko's PdfReadError (or ValueError) if `pdf` cannot be read."""
        meta = signers.PdfSignatureMetadata(
            field_name=field_name, subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256", reason=reason, location=location)
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        output = io.BytesIO()
        pdf_signer = signers.PdfSigner(meta, signer=self._signer)
        _run(pdf_signer.async_sign_pdf(writer, bytes_reserved=self._bytes_reserved,
                                       output=output))
        return output.getvalue()

    def _estimate_reserve(self) -> int:
        """Hex digits to reserve for /Contents: measured once on a tiny PDF. The CMS object's
        size depends on the key and the certificates only (reason, location and time are in
        the signature dictionary); ECDSA varies by a byte or two, hence the margin."""
        meta = signers.PdfSignatureMetadata(
            field_name="Estimate", subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256")
        output = io.BytesIO()
        _run(signers.PdfSigner(meta, signer=self._signer).async_sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(_TINY_PDF)), output=output))
        signature = PdfFileReader(output).embedded_signatures[0]
        der_length = len(cms.ContentInfo({"content_type": "signed_data",
                                          "content": signature.signed_data}).dump())
        return 2 * (der_length + 256)


def _run(coroutine):
    """Run one of pyHanko's coroutines to completion on a new event loop of its own.

    pyHanko's synchronous wrappers call `asyncio.run`, which fails under eventlet (Nameko):
    the running loop is recorded per OS thread, and the green selector lets another green
    thread start its own `asyncio.run` while the first loop is still running ("asyncio.run()
    cannot be called from a running event loop"). This loop polls with the unpatched selector,
    so it never yields to the eventlet hub: nothing here waits on the network, and each call
    runs start to finish without another green thread stepping in."""
    with asyncio.Runner(loop_factory=_new_loop) as runner:
        return runner.run(coroutine)


def _new_loop() -> asyncio.AbstractEventLoop:
    return asyncio.SelectorEventLoop(_selector_class(_unpatched_select())())


def _unpatched_select():
    patcher = sys.modules.get("eventlet.patcher")
    if patcher is not None and patcher.is_monkey_patched("select"):
        return patcher.original("select").select
    return select.select


@functools.cache
def _selector_class(select_function) -> type[selectors.BaseSelector]:
    # eventlet's green `selectors` keeps only SelectSelector, polling with the green select.
    return type("UnpatchedSelectSelector", (selectors.SelectSelector,),
                {"_select": staticmethod(select_function)})


# A one-page empty PDF, to measure the signature's size once per signer.
def _tiny_pdf() -> bytes:
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>"]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()


_TINY_PDF = _tiny_pdf()


# --- validation --------------------------------------------------------------------------


@dataclass(frozen=True)
class ValidationReport:
    """What `validate` found. `ok` is the one answer to act on."""

    intact: bool
    valid: bool
    trusted: bool
    signer: str
    coverage: str
    modified_after_signing: bool
    problem: str = ""
    #: SHA-256 (hex) of the signer's certificate (DER): which of a chamber's keys signed.
    signer_fingerprint: str = ""

    @property
    def ok(self) -> bool:
        return (self.intact and self.valid and self.trusted
                and self.coverage == SignatureCoverageLevel.ENTIRE_FILE.name
                and not self.modified_after_signing)


def _not_ok(problem: str, signer: str = "") -> ValidationReport:
    return ValidationReport(intact=False, valid=False, trusted=False, signer=signer,
                            coverage="NONE", modified_after_signing=True, problem=problem)


def validate(pdf: bytes, trust_roots: Iterable[bytes | x509.Certificate | asn1_x509.Certificate],
             *, field_name: str | None = None,
             signers: Iterable[bytes | x509.Certificate | asn1_x509.Certificate] | None = None,
             ) -> ValidationReport:
    """Check the signature in `field_name` (default: the last one) offline against
    `trust_roots` (PEM or DER bytes, cryptography or asn1crypto certificates; an empty list
    trusts nothing, never the system's store). With `signers` (issue 13: a chamber's
    certificates, current and retired), a signature is trusted only if its signer's
    certificate is one of them, however good its path to a root: another chamber's key from
    the same CA is not this chamber's. Revocation is not checked (soft-fail, nothing
    fetched). Never raises because of `pdf`; a trust root or signer that is not a
    certificate raises ValueError."""
    roots = _as_asn1_certs(trust_roots)
    allowed = None if signers is None else {cert.sha256 for cert in _as_asn1_certs(signers)}
    try:
        reader = PdfFileReader(io.BytesIO(pdf))
        signatures = reader.embedded_regular_signatures
    except Exception as error:  # noqa: BLE001 — any unreadable input is "not ok"
        return _not_ok(f"unreadable PDF: {type(error).__name__}: {error}")
    if field_name is not None:
        signatures = [s for s in signatures if s.field_name == field_name]
    if not signatures:
        return _not_ok("no signature" + (f" in field {field_name}" if field_name else ""))
    embedded = signatures[-1]
    signer = ""
    try:
        signer = embedded.signer_cert.subject.human_friendly
        context = ValidationContext(trust_roots=roots, allow_fetching=False,
                                    revocation_mode="soft-fail")
        status = _run(async_validate_pdf_signature(embedded, signer_validation_context=context))
    except Exception as error:  # noqa: BLE001 — a broken signature is "not ok", not a crash
        return _not_ok(f"signature unreadable: {type(error).__name__}: {error}", signer)
    coverage = status.coverage.name if status.coverage is not None else "NONE"
    modified = (status.coverage != SignatureCoverageLevel.ENTIRE_FILE
                or status.modification_level not in (None, ModificationLevel.NONE))
    fingerprint = embedded.signer_cert.sha256.hex()
    one_of_signers = allowed is None or embedded.signer_cert.sha256 in allowed
    report = ValidationReport(intact=status.intact, valid=status.valid,
                              trusted=status.trusted and one_of_signers, signer=signer,
                              coverage=coverage, modified_after_signing=modified,
                              signer_fingerprint=fingerprint)
    if not report.ok:
        problem = _problem(status)
        if status.intact and status.valid and status.trusted and not one_of_signers:
            problem = "not signed with one of the chamber's certificates"
        report = ValidationReport(**{**report.__dict__, "problem": problem})
    return report


def _problem(status) -> str:
    if not status.intact:
        return "the signed bytes were changed"
    if not status.valid:
        return "the signature does not verify"
    if not status.trusted:
        return f"not trusted: {status.trust_problem_indic or 'no path to a trust root'}"
    return f"does not cover the whole file (coverage {status.coverage.name})"


def _as_asn1_certs(items) -> list[asn1_x509.Certificate]:
    certs = []
    for item in items:
        if isinstance(item, asn1_x509.Certificate):
            certs.append(item)
        elif isinstance(item, x509.Certificate):
            certs.append(asn1_x509.Certificate.load(item.public_bytes(serialization.Encoding.DER)))
        elif isinstance(item, bytes | bytearray):
            data = bytes(item)
            if asn1_pem.detect(data):
                certs.extend(asn1_x509.Certificate.load(der)
                             for _, _, der in asn1_pem.unarmor(data, multiple=True))
            else:
                certs.append(asn1_x509.Certificate.load(data))
        else:
            raise ValueError(f"not a certificate: {type(item).__name__}")
    for cert in certs:
        try:
            cert.native  # noqa: B018 — parse now: asn1crypto parses lazily
        except ValueError as error:
            raise ValueError(f"trust root is not a certificate: {error}") from error
    return certs
