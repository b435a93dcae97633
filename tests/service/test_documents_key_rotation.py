"""Issue 13: a chamber's signing key rotated while documents runs. A certificate signed with
key A before the rotation still validates as the chamber's afterwards; the next one is signed
with key B; both through the service's own check (verify_signature) and through pyHanko
against the trust list the service serves (signing_certificates)."""
import os
import subprocess
import sys

import nameko
import pytest

from services.documents.samples import certificate_of_origin
from services.documents.service import DocumentsService
from services.documents.signing import validate
from tests.helpers.pdf import fetch_pdf
from tradecert import config
from tradecert.errors import ValidationFailed


def tradecert(*args, keys_dir):
    """The operator's command, as its own process, on the keys directory documents reads."""
    return subprocess.run(
        [sys.executable, "-m", "operations.cli", *args], check=True, capture_output=True,
        text=True, cwd=config.ROOT,
        env={**os.environ, "TRADECERT_KEYS_DIR": str(keys_dir), "PYTHONWARNINGS": "ignore"})


@pytest.fixture
def documents(runner_factory, rpc_client, tmp_path):
    settings = {**nameko.config["DOCUMENTS"], "development_keys": True,
                "keys_dir": str(tmp_path / "keys"), "chambers": {}}
    with nameko.config.patch({"DOCUMENTS": settings}):
        runner_factory(DocumentsService).start()
        yield rpc_client.documents


def test_a_certificate_signed_before_a_rotation_still_validates(documents, tmp_path):
    keys_dir = tmp_path / "keys"
    old = documents.render("co", certificate_of_origin())
    [key_a] = documents.signing_certificates("1504")["certificates"]

    rotated = tradecert("keys", "rotate", "--chamber", "1504", keys_dir=keys_dir)
    assert "certificate 2 signs from now on" in rotated.stdout

    new = documents.render("co", certificate_of_origin(copy=True))  # another document
    trust = documents.signing_certificates("1504")
    key_b = trust["certificates"][1]
    assert [(c["number"], c["status"]) for c in trust["certificates"]] == [
        (1, "retired"), (2, "signing")]
    assert trust["certificates"][0]["fingerprint_sha256"] == key_a["fingerprint_sha256"]
    assert key_b["fingerprint_sha256"] != key_a["fingerprint_sha256"]
    assert not (keys_dir / "1504.key.pem").exists()  # A's key is gone, its certificate kept

    # the service's own check
    for rendered, key in ((old, key_a), (new, key_b)):
        check = documents.verify_signature(rendered["file_id"], "1504")
        assert check["ok"] and check["trusted"], check
        assert check["signer_fingerprint"] == key["fingerprint_sha256"]

    # anyone's check: pyHanko against the trust list the service serves
    roots = [pem.encode() for pem in trust["trust_roots"]]
    chamber_certs = [c["pem"].encode() for c in trust["certificates"]]
    for rendered, key in ((old, key_a), (new, key_b)):
        report = validate(fetch_pdf(documents, rendered["file_id"]), roots,
                          signers=chamber_certs)
        assert report.ok, report
        assert report.signer_fingerprint == key["fingerprint_sha256"]

    listed = tradecert("keys", "list", "--chamber", "1504", keys_dir=keys_dir).stdout
    assert "1  retired" in listed and "2  signing" in listed


def test_another_chambers_signature_is_not_this_chambers(documents):
    saitama = documents.render("co", certificate_of_origin())
    check = documents.verify_signature(saitama["file_id"], "1301")  # Tokyo has no key

    assert not check["ok"] and check["cci_code"] == "1301"
    assert documents.signing_certificates("1301") == {
        "cci_code": "1301", "certificates": [], "trust_roots": []}
    with pytest.raises(ValidationFailed) as caught:
        documents.signing_certificates("../1504")
    assert caught.value.fields == {"cci_code": ["format_cci_code"]}
