"""A chamber's signing keys over time (issue 13): which key signs now, and which
certificates stay trusted for what was signed before.

Pure: no Nameko, no database. A chamber's keyring is a list of generations, numbered from 1
in the order they were installed, each a certificate (and the chain up to its CA). The
newest generation whose key is present and whose certificate is valid now signs. A rotation
installs a new generation and deletes the earlier ones' keys; their certificates stay, so a
PDF signed with a retired key still validates as the chamber's (`Keyring.certificates`).

Files in the keys directory, flat so that one Kubernetes Secret can hold them all:

    <cci>.key.pem      <cci>.cert.pem      <cci>.chain.pem        generation 1
    <cci>.<n>.key.pem  <cci>.<n>.cert.pem  <cci>.<n>.chain.pem    generation n >= 2
    dev-ca.key.pem     dev-ca.cert.pem                            the development CA

A generation exists once its certificate is there (written last); its key is gone once it
is retired; the chain is optional (a certificate issued by the development CA in the same
directory gets that CA as its chain). Keys are written unencrypted with mode 0600, every file
atomically, under a lock (several processes, one directory).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import functools
import hashlib
import os
import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from services.documents.signing import ChamberCredentials, credentials_from_pem, key_to_pem

DEV_CA_NAME = "tradecert development CA"
DEV_CA_KEY = "dev-ca.key.pem"
DEV_CA_CERT = "dev-ca.cert.pem"
DEV_CA_YEARS = 20
DEV_CERT_YEARS = 5

_CCI_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}\Z")
_MAX_NAME = 64  # X.520 upper bound of O and CN

LOCK = ".keyring.lock"
_FILE = re.compile(r"(?P<cci>[A-Za-z0-9_-]{1,32})(?:\.(?P<number>[1-9][0-9]{0,5}))?"
                   r"\.(?P<part>key|cert|chain)\.pem\Z")
#: A certificate whose validity starts a little after our clock still counts (clock skew).
CLOCK_SKEW = dt.timedelta(minutes=5)


def checked_cci_code(cci_code: object) -> str:
    if not isinstance(cci_code, str) or not _CCI_CODE.match(cci_code):
        raise ValueError(f"not a usable chamber code: {cci_code!r}")
    return cci_code


def file_name(cci_code: str, number: int, part: str) -> str:
    """`part` (key, cert or chain) of generation `number`."""
    return f"{cci_code}.{part}.pem" if number == 1 else f"{cci_code}.{number}.{part}.pem"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- the keyring -------------------------------------------------------------------------


@dataclass(frozen=True)
class Generation:
    """One of a chamber's certificates, with its key while it is not retired."""

    cci_code: str
    number: int
    cert_pem: bytes
    chain_pem: tuple[bytes, ...] = ()
    key_pem: bytes | None = field(default=None, repr=False)
    passphrase: str | bytes | None = field(default=None, repr=False)

    @functools.cached_property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.cert_pem)

    @property
    def fingerprint(self) -> str:
        """SHA-256 (hex) of the certificate's DER, as ValidationReport.signer_fingerprint."""
        return hashlib.sha256(self.certificate.public_bytes(serialization.Encoding.DER)
                              ).hexdigest()

    def valid_at(self, when: dt.datetime) -> bool:
        cert = self.certificate
        return cert.not_valid_before_utc - CLOCK_SKEW <= when < cert.not_valid_after_utc


@dataclass(frozen=True)
class Keyring:
    cci_code: str
    generations: tuple[Generation, ...] = ()  # oldest first

    def signing(self, now: dt.datetime | None = None) -> Generation | None:
        """The newest generation with a key and a certificate valid now; None if none."""
        now = now or _now()
        usable = [g for g in self.generations if g.key_pem is not None and g.valid_at(now)]
        return usable[-1] if usable else None

    def status(self, generation: Generation, now: dt.datetime | None = None) -> str:
        """signing | retired (its key is gone) | expired | not yet valid | superseded (a
        key still there while a newer one signs)."""
        now = now or _now()
        if generation == self.signing(now):
            return "signing"
        if generation.key_pem is None:
            return "retired"
        if now >= generation.certificate.not_valid_after_utc:
            return "expired"
        if not generation.valid_at(now):
            return "not yet valid"
        return "superseded"

    @property
    def certificates(self) -> tuple[bytes, ...]:
        """Every certificate the chamber has signed with, current and retired (PEM)."""
        return tuple(g.cert_pem for g in self.generations)

    @property
    def trust_roots(self) -> tuple[bytes, ...]:
        """What the chamber's signatures are validated against: every generation's chain
        (its CA) and any self-signed certificate of its own (PEM, each once)."""
        roots = [pem for g in self.generations for pem in g.chain_pem]
        roots += [g.cert_pem for g in self.generations
                  if g.certificate.issuer == g.certificate.subject]
        return tuple(dict.fromkeys(roots))

    def credentials(self, generation: Generation) -> ChamberCredentials:
        if generation.key_pem is None:
            raise ValueError(f"generation {generation.number} of chamber {self.cci_code} "
                             f"is retired: its key is gone")
        return credentials_from_pem(self.cci_code, generation.key_pem, generation.cert_pem,
                                    generation.chain_pem, generation.passphrase)


def read_keyring(cci_code: str, directory: Path) -> Keyring:
    """The chamber's generations in `directory` (none if it does not exist)."""
    cci_code = checked_cci_code(cci_code)
    directory = Path(directory)
    parts: dict[int, dict[str, bytes]] = {}
    for name in _names(directory):
        match = _FILE.match(name)
        if match is None or match["cci"] != cci_code:
            continue
        with contextlib.suppress(FileNotFoundError):  # retired while we list
            parts.setdefault(int(match["number"] or 1), {})[match["part"]] = (
                (directory / name).read_bytes())
    dev_ca = _read(directory / DEV_CA_CERT)
    generations = []
    for number in sorted(parts):
        found = parts[number]
        if "cert" not in found:
            continue  # an installation interrupted before its certificate: not there yet
        chain = (found["chain"],) if "chain" in found else ()
        if not chain and dev_ca and _issued_by(x509.load_pem_x509_certificate(found["cert"]),
                                                dev_ca):
            chain = (dev_ca,)
        generations.append(Generation(cci_code, number, found["cert"], chain, found.get("key")))
    return Keyring(cci_code, tuple(generations))


def configured_keyring(cci_code: str, configured: dict) -> Keyring:
    """From config.yaml's `DOCUMENTS.chambers.<cci>`: `key`, `cert`, `chain` (paths),
    `passphrase`, and `retired`: the paths of earlier certificates, still trusted."""
    retired = tuple(Generation(cci_code, number, Path(path).read_bytes())
                    for number, path in enumerate(configured.get("retired") or (), start=1))
    current = Generation(
        cci_code, len(retired) + 1, Path(configured["cert"]).read_bytes(),
        tuple(Path(path).read_bytes() for path in configured.get("chain") or ()),
        Path(configured["key"]).read_bytes(), configured.get("passphrase"))
    return Keyring(cci_code, (*retired, current))


def configured_paths(configured: dict) -> tuple[str, ...]:
    return (configured["key"], configured["cert"], *(configured.get("chain") or ()),
            *(configured.get("retired") or ()))


def files_state(paths: Iterable[Path | str]) -> tuple:
    """Changes whenever one of `paths` is written, replaced or removed (a Secret's update
    replaces the files its mount links to): a cheap test whether to read a keyring again."""
    state = []
    for path in paths:
        try:
            info = os.stat(path)
        except FileNotFoundError:
            continue
        state.append((str(path), info.st_mtime_ns, info.st_size, info.st_ino))
    return tuple(state)


def directory_state(cci_code: str, directory: Path) -> tuple:
    names = [n for n in _names(Path(directory)) if n.startswith(f"{cci_code}.")
             or n == DEV_CA_CERT]
    return files_state(sorted(Path(directory) / name for name in names))


def chambers_in(directory: Path) -> list[str]:
    """The chamber codes with at least one certificate in `directory`."""
    found = {m["cci"] for m in map(_FILE.match, _names(Path(directory)))
             if m is not None and m["part"] == "cert" and m["cci"] != "dev-ca"}
    return sorted(found)


def _names(directory: Path) -> list[str]:
    try:
        return os.listdir(directory)
    except FileNotFoundError:
        return []


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


# --- rotation ----------------------------------------------------------------------------


def install(directory: Path, cci_code: str, key_pem: bytes, cert_pem: bytes,
            chain_pem: bytes | None = None, *, passphrase: str | bytes | None = None,
            now: dt.datetime | None = None) -> Generation:
    """Rotate: make the key and certificate the chamber's newest generation, and retire
    every earlier one (its key deleted, its certificate kept). ValueError, with nothing
    written, if the key is not the certificate's, the certificate is not valid now or is
    one the chamber has already had, or the chain is not PEM certificates. An encrypted key
    is decrypted with `passphrase` and kept unencrypted (mode 0600, like a Secret's file)."""
    cci_code = checked_cci_code(cci_code)
    directory = Path(directory)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    with _locked(directory / LOCK):
        return _install(directory, cci_code, key_pem, cert_pem, chain_pem,
                        passphrase=passphrase, now=now)


def _install(directory: Path, cci_code: str, key_pem: bytes, cert_pem: bytes,
             chain_pem: bytes | None, *, passphrase=None, now=None) -> Generation:
    credentials = credentials_from_pem(cci_code, key_pem, cert_pem,
                                       (chain_pem,) if chain_pem else (), passphrase)
    keyring = read_keyring(cci_code, directory)
    new = Generation(cci_code, 0, cert_pem)
    if not new.valid_at(now or _now()):
        cert, shown = new.certificate, "%Y-%m-%d %H:%M"
        raise ValueError(f"the certificate is valid from "
                         f"{cert.not_valid_before_utc.strftime(shown)} to "
                         f"{cert.not_valid_after_utc.strftime(shown)} UTC, not now")
    if any(g.fingerprint == new.fingerprint for g in keyring.generations):
        raise ValueError("the chamber already has this certificate")
    numbers = [int(m["number"] or 1) for m in map(_FILE.match, _names(directory))
               if m is not None and m["cci"] == cci_code]
    number = max(numbers, default=0) + 1
    _write_atomically(directory / file_name(cci_code, number, "key"), credentials.key_pem,
                      0o600)
    if chain_pem:
        _write_atomically(directory / file_name(cci_code, number, "chain"), chain_pem, 0o644)
    _write_atomically(directory / file_name(cci_code, number, "cert"), cert_pem, 0o644)
    for older in range(1, number):  # retired: the certificate stays, the key goes
        with contextlib.suppress(FileNotFoundError):
            os.unlink(directory / file_name(cci_code, older, "key"))
    return read_keyring(cci_code, directory).generations[-1]


def rotate_development(directory: Path, cci_code: str, name_en: str = "") -> Generation:
    """Rotate to a new development key and certificate issued by the development CA in
    `directory` (made if absent). `name_en` defaults to the current certificate's
    organisation. Never for production."""
    cci_code = checked_cci_code(cci_code)
    directory = Path(directory)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    with _locked(directory / LOCK):
        return _add_development_generation(directory, cci_code, name_en)


def ensure_development_credentials(cci_code: str, name_en: str,
                                   directory: Path) -> ChamberCredentials:
    """The chamber's signing credentials from `directory`; when none can sign (first use,
    or every certificate expired), a development key and certificate issued by the one
    development CA that issues every chamber's (`dev-ca.*.pem`, made on first use)."""
    cci_code = checked_cci_code(cci_code or "")
    directory = Path(directory)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    with _locked(directory / LOCK):
        keyring = read_keyring(cci_code, directory)
        current = keyring.signing()
        if current is None:
            _add_development_generation(directory, cci_code, name_en)
            keyring = read_keyring(cci_code, directory)
            current = keyring.signing()
        return keyring.credentials(current)


def _add_development_generation(directory: Path, cci_code: str, name_en: str) -> Generation:
    ca_key_pem, ca_cert_pem = _read(directory / DEV_CA_KEY), _read(directory / DEV_CA_CERT)
    if ca_key_pem and ca_cert_pem:
        ca_key = serialization.load_pem_private_key(ca_key_pem, None)
        ca_cert = x509.load_pem_x509_certificate(ca_cert_pem)
    else:
        ca_key, ca_cert = _make_dev_ca()
        _write_atomically(directory / DEV_CA_KEY, key_to_pem(ca_key), 0o600)
        _write_atomically(directory / DEV_CA_CERT,
                          ca_cert.public_bytes(serialization.Encoding.PEM), 0o644)
    if not name_en:
        previous = read_keyring(cci_code, directory).generations
        names = previous[-1].certificate.subject.get_attributes_for_oid(
            NameOID.ORGANIZATION_NAME) if previous else []
        name_en = str(names[0].value) if names else cci_code
    key, cert = _make_chamber_cert(name_en, ca_key, ca_cert)
    return _install(directory, cci_code, key_to_pem(key),
                    cert.public_bytes(serialization.Encoding.PEM), None)


# --- development CA and certificates -----------------------------------------------------


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


