"""PAdES signing and offline validation (services/documents/signing.py): real keys made in
tmp_path, real signatures, no network."""

import io
import os
import stat
import statistics
import threading
import time

import pytest

from services.documents.keyring import DEV_CA_CERT, ensure_development_credentials
from services.documents.signing import (
    ChamberCredentials,
    PdfSigner,
    ValidationReport,
    load_credentials,
    validate,
)
from tests.helpers.pdf import MARKER, make_pdf


@pytest.fixture(scope="module")
def keys_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("keys")


@pytest.fixture(scope="module")
def credentials(keys_dir):
    return ensure_development_credentials("1301", "Tokyo Chamber of Commerce and Industry",
                                          keys_dir)


@pytest.fixture(scope="module")
def signer(credentials):
    return PdfSigner(credentials)


@pytest.fixture(scope="module")
def dev_ca(keys_dir, credentials):
    return (keys_dir / DEV_CA_CERT).read_bytes()


@pytest.fixture(scope="module")
def signed(signer):
    return signer.sign(make_pdf(), reason="Certificate of origin", location="Tokyo")


def test_the_test_pdf_is_about_30_kb_and_has_the_marker_once():
    pdf = make_pdf()
    assert 29_000 <= len(pdf) <= 33_000
    assert pdf.count(MARKER) == 1


def test_a_signed_pdf_validates_against_the_development_ca(signed, dev_ca):
    report = validate(signed, [dev_ca])

    assert report.ok, report
    assert (report.intact, report.valid, report.trusted) == (True, True, True)
    assert report.coverage == "ENTIRE_FILE"
    assert report.modified_after_signing is False
    assert "Tokyo Chamber of Commerce and Industry document signing" in report.signer
    assert signed.startswith(make_pdf())  # an incremental update: the original bytes stay


def test_the_signature_is_pades_with_reason_and_location(signed):
    from pyhanko.pdf_utils.reader import PdfFileReader

    [embedded] = PdfFileReader(io.BytesIO(signed)).embedded_signatures
    sig = embedded.sig_object
    assert embedded.field_name == "ChamberCertification"
    assert sig["/SubFilter"] == "/ETSI.CAdES.detached"
    assert (sig["/Reason"], sig["/Location"]) == ("Certificate of origin", "Tokyo")


def test_development_credentials_are_made_once_and_reused(keys_dir, credentials):
    again = ensure_development_credentials("1301", "Tokyo Chamber of Commerce and Industry",
                                           keys_dir)

    assert again == credentials
    assert again.chain_pem == ((keys_dir / DEV_CA_CERT).read_bytes(),)
    for name in ("1301.key.pem", "dev-ca.key.pem"):
        assert stat.S_IMODE(os.stat(keys_dir / name).st_mode) == 0o600
    assert "BEGIN" not in repr(credentials)


def test_every_chamber_gets_its_own_key_from_the_same_ca(keys_dir, credentials, dev_ca):
    osaka = ensure_development_credentials("2701", "Osaka Chamber of Commerce and Industry",
                                           keys_dir)

    assert osaka.key_pem != credentials.key_pem
    assert osaka.chain_pem == (dev_ca,)
    signed = PdfSigner(osaka).sign(make_pdf(2_000), reason="r", location="Osaka")
    assert validate(signed, [dev_ca]).ok


def test_load_credentials_reads_the_files_and_an_encrypted_key(tmp_path, keys_dir,
                                                               credentials):
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(credentials.key_pem, None)
    encrypted = tmp_path / "enc.key.pem"
    encrypted.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"s3cret")))

    loaded = load_credentials("1301", encrypted, keys_dir / "1301.cert.pem",
                              [keys_dir / DEV_CA_CERT], passphrase="s3cret")

    assert loaded == credentials
    with pytest.raises(ValueError):
        load_credentials("1301", encrypted, keys_dir / "1301.cert.pem", passphrase="wrong")
    with pytest.raises(ValueError):  # another chamber's certificate
        load_credentials("1301", keys_dir / "1301.key.pem", keys_dir / "2701.cert.pem")


def test_a_signature_from_another_ca_is_not_trusted(tmp_path, dev_ca, signed):
    other = ensure_development_credentials("1504", "Hakodate Chamber of Commerce", tmp_path)
    other_signed = PdfSigner(other).sign(make_pdf(2_000), reason="r", location="Hakodate")

    report = validate(other_signed, [dev_ca])
    assert (report.intact, report.valid, report.trusted, report.ok) == (True, True, False, False)
    assert "not trusted" in report.problem
    assert validate(other_signed, [other.chain_pem[0]]).ok  # its own CA trusts it
    assert not validate(signed, []).ok  # no trust roots: nothing is trusted


def test_a_byte_changed_in_the_signed_content_is_not_ok(signed, dev_ca):
    at = signed.index(MARKER) + len(MARKER) - 1
    tampered = signed[:at] + b"2" + signed[at + 1:]

    report = validate(tampered, [dev_ca])

    assert not report.ok
    assert not report.intact


def _contents_hex_offsets(signed: bytes) -> tuple[int, dict[str, int]]:
    """Where /Contents' hex starts in the file, and where (in hex digits from there) the
    signature value, the message digest and the signer's certificate are."""
    from asn1crypto import cms

    start = signed.index(b"/Contents <") + len(b"/Contents <")
    der = bytes.fromhex(signed[start:signed.index(b">", start)].decode())
    signed_data = cms.ContentInfo.load(der)["content"]
    signer_info = signed_data["signer_infos"][0]
    digest = next(attr["values"][0].native for attr in signer_info["signed_attrs"]
                  if attr["type"].native == "message_digest")
    signer_cert = next(c.dump() for c in signed_data["certificates"]
                       if "document signing" in c.chosen.subject.human_friendly)
    return start, {"signature value": 2 * der.index(signer_info["signature"].native) + 10,
                   "message digest": 2 * der.index(digest) + 10,
                   "signer certificate": 2 * der.index(signer_cert) + 200}


@pytest.mark.parametrize("where", ["signature value", "message digest", "signer certificate"])
def test_a_byte_changed_in_the_signature_is_not_ok(signed, dev_ca, where):
    start, offsets = _contents_hex_offsets(signed)
    at = start + offsets[where]
    flipped = b"0" if signed[at:at + 1] != b"0" else b"1"
    tampered = signed[:at] + flipped + signed[at + 1:]

    report = validate(tampered, [dev_ca])

    assert not report.ok, report
    assert report.problem


def test_bytes_appended_after_the_signature_are_not_ok(signed, dev_ca):
    report = validate(signed + b"\n% appended after signing\n", [dev_ca])

    assert not report.ok
    assert report.coverage != "ENTIRE_FILE" or report.modified_after_signing


def test_an_incremental_update_after_signing_is_reported(signer, signed, dev_ca):
    twice = signer.sign(signed, reason="again", location="Tokyo", field_name="Second")

    first = validate(twice, [dev_ca], field_name="ChamberCertification")
    assert first.intact and first.trusted
    assert first.coverage == "ENTIRE_REVISION" and not first.ok
    assert validate(twice, [dev_ca]).ok  # the last one covers the whole file


@pytest.mark.parametrize("garbage", [b"", b"not a pdf", b"%PDF-1.7\n%%EOF\n",
                                     os.urandom(5000), b"%PDF-1.4\n" + os.urandom(3000)])
def test_garbage_is_not_ok_and_does_not_raise(garbage, dev_ca):
    report = validate(garbage, [dev_ca])

    assert isinstance(report, ValidationReport)
    assert not report.ok and report.problem


def test_an_unsigned_pdf_is_not_ok(dev_ca):
    report = validate(make_pdf(2_000), [dev_ca])

    assert not report.ok and report.problem == "no signature"


def test_a_bad_chamber_code_is_refused(tmp_path):
    with pytest.raises(ValueError):
        ensure_development_credentials("../etc", "x", tmp_path)


def test_signer_rejects_a_key_that_is_not_the_certificates(credentials, tmp_path):
    other = ensure_development_credentials("1504", "Hakodate", tmp_path)
    with pytest.raises(ValueError):
        PdfSigner(ChamberCredentials("1301", other.key_pem, credentials.cert_pem))


def test_threads_sign_and_validate_at_the_same_time(signer, dev_ca):
    """Under `nameko test` (eventlet) these threads are green threads sharing one OS thread:
    pyHanko's own `asyncio.run` fails there ("cannot be called from a running event loop")."""
    pdf, errors, results = make_pdf(5_000), [], []

    def work():
        try:
            for _ in range(3):
                signed = signer.sign(pdf, reason="r", location="Tokyo")
                results.append(validate(signed, [dev_ca]).ok)
        except Exception as error:  # noqa: BLE001 — reported below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert results == [True] * 24


def test_signing_speed(signer, dev_ca):
    pdf = make_pdf()
    durations, signed = [], b""
    for _ in range(50):
        start = time.perf_counter()
        signed = signer.sign(pdf, reason="Certificate of origin", location="Tokyo")
        durations.append(time.perf_counter() - start)

    median_ms = statistics.median(durations) * 1000
    print(f"\nsigning a {len(pdf)} byte PDF: median {median_ms:.1f} ms, "
          f"min {min(durations) * 1000:.1f} ms, max {max(durations) * 1000:.1f} ms (50 runs)")
    assert validate(signed, [dev_ca]).ok
