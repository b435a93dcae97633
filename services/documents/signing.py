"""PAdES signatures (baseline B-B) with pyHanko, one key and certificate per chamber.

Pure: no Nameko, no database. A worker builds one `PdfSigner` per chamber (the key and the
certificates are parsed once) and calls `sign` for every PDF; `validate` checks a signed PDF
offline against the trust roots it is given (no revocation fetching, no timestamp server).

`ensure_development_credentials` makes a development CA and a chamber certificate issued by it,
so that a machine without real keys can still sign: never for production.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import fcntl
import functools
import io
import os
import re
import secrets
import select
import selectors
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import cms
from asn1crypto import keys as asn1_keys
from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
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
DEV_CA_NAME = "tradecert development CA"
DEV_CA_KEY = "dev-ca.key.pem"
DEV_CA_CERT = "dev-ca.cert.pem"
DEV_CA_YEARS = 20
DEV_CERT_YEARS = 5

_CCI_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}\Z")
_MAX_NAME = 64  # X.520 upper bound of O and CN


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
    if isinstance(passphrase, str):
        passphrase = passphrase.encode()
    key = serialization.load_pem_private_key(Path(key_path).read_bytes(), password=passphrase)
    cert_pem = Path(cert_path).read_bytes()
    chain_pem = tuple(Path(path).read_bytes() for path in chain_paths)
    credentials = ChamberCredentials(cci_code, _key_to_pem(key), cert_pem, chain_pem)
    _check_matching(key, x509.load_pem_x509_certificate(cert_pem))
    for pem in chain_pem:
        x509.load_pem_x509_certificates(pem)  # fail now, not at the first signature
    return credentials


def ensure_development_credentials(cci_code: str, name_en: str,
                                   directory: Path) -> ChamberCredentials:
    """The chamber's development key and certificate from `directory`, made on first use.

    Files: `<cci_code>.key.pem` / `<cci_code>.cert.pem` for the chamber, `dev-ca.key.pem` /
    `dev-ca.cert.pem` for the one development CA that issues every chamber's certificate.
    Keys are written with mode 0600, every file atomically, under a lock so that several
    processes starting at once make one CA and one certificate per chamber."""
    if not _CCI_CODE.match(cci_code or ""):
        raise ValueError(f"not a usable chamber code: {cci_code!r}")
    directory = Path(directory)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    key_path, cert_path = directory / f"{cci_code}.key.pem", directory / f"{cci_code}.cert.pem"
    ca_key_path, ca_cert_path = directory / DEV_CA_KEY, directory / DEV_CA_CERT

    with _locked(directory / ".dev-credentials.lock"):
        if key_path.exists() and cert_path.exists():
            credentials = load_credentials(cci_code, key_path, cert_path)
            cert = x509.load_pem_x509_certificate(credentials.cert_pem)
            if ca_cert_path.exists() and _issued_by(cert, ca_cert_path.read_bytes()):
                credentials = ChamberCredentials(cci_code, credentials.key_pem,
                                                 credentials.cert_pem,
                                                 (ca_cert_path.read_bytes(),))
            return credentials

        if ca_key_path.exists() and ca_cert_path.exists():
            ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), None)
            ca_cert = x509.load_pem_x509_certificate(ca_cert_path.read_bytes())
        else:
            ca_key, ca_cert = _make_dev_ca()
            _write_atomically(ca_key_path, _key_to_pem(ca_key), 0o600)
            _write_atomically(ca_cert_path, ca_cert.public_bytes(serialization.Encoding.PEM),
                              0o644)

        key, cert = _make_chamber_cert(name_en, ca_key, ca_cert)
        key_pem, cert_pem = _key_to_pem(key), cert.public_bytes(serialization.Encoding.PEM)
        _write_atomically(key_path, key_pem, 0o600)
        _write_atomically(cert_path, cert_pem, 0o644)
        return ChamberCredentials(cci_code, key_pem, cert_pem,
                                  (ca_cert.public_bytes(serialization.Encoding.PEM),))


def _key_to_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _public_der(public_key) -> bytes:
    return public_key.public_bytes(serialization.Encoding.DER,
                                   serialization.PublicFormat.SubjectPublicKeyInfo)


def _check_matching(key, cert: x509.Certificate) -> None:
    if _public_der(key.public_key()) != _public_der(cert.public_key()):
        raise ValueError("the private key does not belong to the certificate")


def _issued_by(cert: x509.Certificate, ca_pem: bytes) -> bool:
    try:
        cert.verify_directly_issued_by(x509.load_pem_x509_certificate(ca_pem))
    except (ValueError, TypeError, x509.InvalidSignature):
        return False
    return True


def _make_dev_ca():
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "tradecert"),
                      x509.NameAttribute(NameOID.COMMON_NAME, DEV_CA_NAME)])
    now = dt.datetime.now(dt.UTC)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=365 * DEV_CA_YEARS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
            .add_extension(ski, critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski),
                           critical=False)
            .sign(key, hashes.SHA256()))
    return key, cert


def _make_chamber_cert(name_en: str, ca_key, ca_cert: x509.Certificate):
    # EC P-256: a signature costs well under a millisecond (RSA-2048 about 1 ms).
    key = ec.generate_private_key(ec.SECP256R1())
    name_en = (name_en or "").strip() or "Chamber"
    subject = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, name_en[:_MAX_NAME]),
        x509.NameAttribute(NameOID.COMMON_NAME,
                           f"{name_en[:_MAX_NAME - 17]} document signing"),
    ])
    now = dt.datetime.now(dt.UTC)
    not_after = min(now + dt.timedelta(days=365 * DEV_CERT_YEARS), ca_cert.not_valid_after_utc)
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(digital_signature=True, content_commitment=True),
                           critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    return key, cert


def _key_usage(**usages) -> x509.KeyUsage:
    names = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
             "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")
    return x509.KeyUsage(**{name: usages.get(name, False) for name in names})


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _write_atomically(path: Path, data: bytes, mode: int) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)  # whatever the umask
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


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
        _check_matching(key, cert)
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

    @property
    def ok(self) -> bool:
        return (self.intact and self.valid and self.trusted
                and self.coverage == SignatureCoverageLevel.ENTIRE_FILE.name
                and not self.modified_after_signing)


def _not_ok(problem: str, signer: str = "") -> ValidationReport:
    return ValidationReport(intact=False, valid=False, trusted=False, signer=signer,
                            coverage="NONE", modified_after_signing=True, problem=problem)


def validate(pdf: bytes, trust_roots: Iterable[bytes | x509.Certificate | asn1_x509.Certificate],
             *, field_name: str | None = None) -> ValidationReport:
    """Check the signature in `field_name` (default: the last one) offline against
    `trust_roots` (PEM or DER bytes, cryptography or asn1crypto certificates; an empty list
    trusts nothing, never the system's store). Revocation is not checked (soft-fail, nothing
    fetched). Never raises because of `pdf`; a trust root that is not a certificate raises
    ValueError."""
    roots = _as_asn1_certs(trust_roots)
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
    report = ValidationReport(intact=status.intact, valid=status.valid, trusted=status.trusted,
                              signer=signer, coverage=coverage,
                              modified_after_signing=modified)
    if not report.ok:
        report = ValidationReport(**{**report.__dict__, "problem": _problem(status)})
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
