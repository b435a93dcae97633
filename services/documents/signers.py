"""Which key signs for each chamber, in a process: the chambers' keyrings (keyring.py) read
from config.yaml's DOCUMENTS settings, and one PdfSigner per signing key. No Nameko: the
documents service (dependencies.Signers), the CLI and `make run` share it."""
from pathlib import Path

from services.documents.exceptions import SigningUnavailable
from services.documents.keyring import (
    Generation,
    Keyring,
    checked_cci_code,
    configured_keyring,
    configured_paths,
    directory_state,
    ensure_development_credentials,
    files_state,
    read_keyring,
)
from services.documents.signing import ChamberCredentials, PdfSigner
from tradecert import config


class ChamberSigners:
    """Each chamber's keyring (services/documents/keyring.py) and a PdfSigner per signing
    key. Issue 13: the keyring is read again when its files change (checked before every
    signature: one directory listing and a few stats), so a rotation (`tradecert keys
    rotate`, or a Secret updated under a mount) takes effect at the next certified PDF
    without a restart; a PDF being signed finishes with the key it started with. With
    development keys allowed (make run), a chamber that has no key gets one."""

    def __init__(self, settings: dict):
        self.chambers = settings.get("chambers") or {}
        self.development = bool(settings.get("development_keys"))
        keys_dir = settings.get("keys_dir")
        self.keys_dir = Path(keys_dir) if keys_dir else config.var_dir() / "keys"
        self._keyrings: dict[str, tuple[tuple, Keyring]] = {}
        self._signers: dict[str, PdfSigner] = {}  # by chamber

    def configured(self, cci_code: str) -> dict | None:
        """config.yaml's DOCUMENTS.chambers entry: it wins over the keys directory."""
        found = self.chambers.get(cci_code)
        if found is None and cci_code.isdigit():
            found = self.chambers.get(int(cci_code))  # YAML reads 1504: as a number
        return found

    def keyring(self, cci_code: str) -> Keyring:
        cci_code = checked_cci_code(cci_code)
        configured = self.configured(cci_code)
        state = (files_state(configured_paths(configured)) if configured
                 else directory_state(cci_code, self.keys_dir))
        cached = self._keyrings.get(cci_code)
        if cached is None or cached[0] != state:
            keyring = (configured_keyring(cci_code, configured) if configured
                       else read_keyring(cci_code, self.keys_dir))
            cached = self._keyrings[cci_code] = (state, keyring)
        return cached[1]

    def signing(self, chamber: dict) -> tuple[Keyring, Generation]:
        """The chamber's keyring and the generation that signs now."""
        cci_code = chamber["cci_code"]
        keyring = self.keyring(cci_code)
        generation = keyring.signing()
        if generation is None and self.development and not self.configured(cci_code):
            ensure_development_credentials(cci_code, chamber["name_en"], self.keys_dir)
            keyring = self.keyring(cci_code)
            generation = keyring.signing()
        if generation is None:
            raise SigningUnavailable(message=f"no signing key configured for chamber {cci_code}",
                                     params={"cci_code": cci_code})
        return keyring, generation

    def signer(self, chamber: dict) -> PdfSigner:
        """The chamber's PdfSigner for the key that signs now: built once per key, and
        dropped (with the retired key) when another key signs."""
        keyring, generation = self.signing(chamber)
        signer = self._signers.get(keyring.cci_code)
        if signer is None or signer.certificate.sha256.hex() != generation.fingerprint:
            signer = self._signers[keyring.cci_code] = PdfSigner(keyring.credentials(generation))
        return signer

    def credentials(self, chamber: dict) -> ChamberCredentials:
        """The chamber's signing credentials now (made in development, as for `signer`)."""
        keyring, generation = self.signing(chamber)
        return keyring.credentials(generation)

    def sign(self, chamber: dict, pdf: bytes) -> bytes:
        return self.signer(chamber).sign(
            pdf, reason=f"Certified by {chamber['name_en']}", location="Japan")
