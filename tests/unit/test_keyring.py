"""Issue 13: a chamber's keyring (services/documents/keyring.py) and the signers built from
it (services/documents/signers.py): which key signs, rotation, and validation of what a
retired key signed. Real keys and certificates in tmp_path."""
import datetime as dt
import os
import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from services.documents.exceptions import SigningUnavailable
from services.documents.keyring import (
    DEV_CA_CERT,
    configured_keyring,
    ensure_development_credentials,
    install,
    read_keyring,
    rotate_development,
)
from services.documents.signers import ChamberSigners
from services.documents.signing import PdfSigner, validate
from tests.helpers.pdf import make_pdf

NOW = dt.datetime.now(dt.UTC)
DAY = dt.timedelta(days=1)
SAITAMA = {"cci_code": "1504", "name_en": "Saitama CCI"}


def self_signed(not_before=NOW - DAY, not_after=NOW + 365 * DAY, name="Saitama CCI"):
    """A key and a self-signed certificate (PEM) valid from `not_before` to `not_after`."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(not_before).not_valid_after(not_after)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


def sign(generation_credentials, size=2_000) -> bytes:
    return PdfSigner(generation_credentials).sign(make_pdf(size), reason="r", location="Japan")


def test_the_newest_valid_generation_with_a_key_signs(tmp_path):
    first, second = self_signed(), self_signed()
    install(tmp_path, "1504", *first)
    install(tmp_path, "1504", *second)
    keyring = read_keyring("1504", tmp_path)

    assert [g.number for g in keyring.generations] == [1, 2]
    assert keyring.signing().cert_pem == second[1]
    assert [keyring.status(g) for g in keyring.generations] == ["retired", "signing"]
    assert keyring.certificates == (first[1], second[1])
    assert keyring.trust_roots == (first[1], second[1])  # self-signed: their own roots
    assert sorted(os.listdir(tmp_path)) == [".keyring.lock", "1504.2.cert.pem",
                                            "1504.2.key.pem", "1504.cert.pem"]
    assert stat.S_IMODE(os.stat(tmp_path / "1504.2.key.pem").st_mode) == 0o600


def test_selection_skips_expired_and_not_yet_valid_certificates(tmp_path):
    old = self_signed(not_before=NOW - 400 * DAY, not_after=NOW + 30 * DAY)
    install(tmp_path, "1504", *old)
    # a key still there beside a newer one whose certificate is not valid yet (a directory
    # an operator filled by hand): the older one signs until the newer one's day comes
    future = self_signed(not_before=NOW + 10 * DAY, not_after=NOW + 400 * DAY)
    (tmp_path / "1504.2.key.pem").write_bytes(future[0])
    (tmp_path / "1504.2.cert.pem").write_bytes(future[1])
    keyring = read_keyring("1504", tmp_path)

    assert keyring.signing(NOW).number == 1
    assert keyring.status(keyring.generations[1], NOW) == "not yet valid"
    assert keyring.signing(NOW + 11 * DAY).number == 2
    assert keyring.status(keyring.generations[0], NOW + 11 * DAY) == "superseded"
    assert keyring.signing(NOW + 500 * DAY) is None  # both expired
    assert keyring.status(keyring.generations[1], NOW + 500 * DAY) == "expired"


def test_a_rotation_that_does_not_fit_writes_nothing(tmp_path):
    key, cert = self_signed()
    other_key, _ = self_signed()
    install(tmp_path, "1504", key, cert)
    before = sorted(os.listdir(tmp_path))

    with pytest.raises(ValueError, match="does not belong"):
        install(tmp_path, "1504", other_key, cert)
    with pytest.raises(ValueError, match="not now"):
        install(tmp_path, "1504", *self_signed(not_after=NOW - DAY,
                                                not_before=NOW - 10 * DAY))
    with pytest.raises(ValueError, match="already has this certificate"):
        install(tmp_path, "1504", key, cert)
    with pytest.raises(ValueError):
        install(tmp_path, "../x", key, cert)
    assert sorted(os.listdir(tmp_path)) == before
    assert read_keyring("1504", tmp_path).signing().cert_pem == cert


def test_an_installation_cut_short_before_its_certificate_does_not_count(tmp_path):
    first = self_signed()
    install(tmp_path, "1504", *first)
    (tmp_path / "1504.2.key.pem").write_bytes(self_signed()[0])  # no certificate yet

    assert read_keyring("1504", tmp_path).signing().cert_pem == first[1]
    third = install(tmp_path, "1504", *self_signed())
    assert third.number == 3 and not (tmp_path / "1504.2.key.pem").exists()


def test_development_rotation_keeps_the_dev_ca_and_the_old_certificate(tmp_path):
    first = ensure_development_credentials("1504", "Saitama CCI", tmp_path)
    second_generation = rotate_development(tmp_path, "1504")
    keyring = read_keyring("1504", tmp_path)
    dev_ca = (tmp_path / DEV_CA_CERT).read_bytes()

    assert keyring.signing() == second_generation and second_generation.number == 2
    assert "Saitama CCI" in second_generation.certificate.subject.rfc4514_string()
    assert keyring.trust_roots == (dev_ca,)
    assert ensure_development_credentials("1504", "Saitama CCI", tmp_path).cert_pem == \
        second_generation.cert_pem  # not a third: one signs
    old_pdf, new_pdf = sign(first), sign(keyring.credentials(keyring.signing()))
    for pdf, generation in ((old_pdf, keyring.generations[0]), (new_pdf, second_generation)):
        report = validate(pdf, keyring.trust_roots, signers=keyring.certificates)
        assert report.ok, report
        assert report.signer_fingerprint == generation.fingerprint


def test_a_key_of_another_chamber_from_the_same_ca_is_not_the_chambers(tmp_path):
    saitama = ensure_development_credentials("1504", "Saitama CCI", tmp_path)
    tokyo = ensure_development_credentials("1301", "Tokyo CCI", tmp_path)
    keyring = read_keyring("1504", tmp_path)

    report = validate(sign(tokyo), keyring.trust_roots, signers=keyring.certificates)
    assert (report.intact, report.valid, report.trusted, report.ok) == (True, True, False, False)
    assert report.problem == "not signed with one of the chamber's certificates"
    assert validate(sign(tokyo), keyring.trust_roots).ok  # the CA alone would accept it
    assert validate(sign(saitama), keyring.trust_roots, signers=keyring.certificates).ok


def test_a_configured_chamber_lists_its_retired_certificates(tmp_path):
    old_key, old_cert = self_signed()
    key, cert = self_signed()
    for name, data in {"old.cert.pem": old_cert, "k.pem": key, "c.pem": cert}.items():
        (tmp_path / name).write_bytes(data)
    configured = {"key": str(tmp_path / "k.pem"), "cert": str(tmp_path / "c.pem"),
                  "retired": [str(tmp_path / "old.cert.pem")]}
    keyring = configured_keyring("1504", configured)

    assert keyring.signing().cert_pem == cert
    assert [keyring.status(g) for g in keyring.generations] == ["retired", "signing"]
    assert keyring.certificates == (old_cert, cert)
    signers = ChamberSigners({"chambers": {1504: configured}, "keys_dir": str(tmp_path / "k")})
    assert signers.keyring("1504") == keyring


def test_signers_pick_up_a_rotation_at_the_next_signature(tmp_path):
    signers = ChamberSigners({"development_keys": True, "keys_dir": str(tmp_path)})
    before = signers.signer(SAITAMA)
    assert signers.signer(SAITAMA) is before  # parsed once, while nothing changes

    rotated = rotate_development(tmp_path, "1504")
    after = signers.signer(SAITAMA)
    assert after is not before
    pdf = after.sign(make_pdf(2_000), reason="r", location="Japan")
    keyring = signers.keyring("1504")
    assert validate(pdf, keyring.trust_roots,
                    signers=keyring.certificates).signer_fingerprint == rotated.fingerprint


def test_without_development_keys_an_empty_keyring_cannot_sign(tmp_path):
    signers = ChamberSigners({"development_keys": False, "keys_dir": str(tmp_path)})
    with pytest.raises(SigningUnavailable):
        signers.signer(SAITAMA)

    install(tmp_path, "1504", *self_signed())  # production: the operator installs one
    assert signers.signer(SAITAMA).cci_code == "1504"
