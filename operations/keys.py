"""`tradecert keys`: the chambers' signing keys (issue 13; deploy/README.md "Rotating a
chamber's signing key").

    tradecert keys list [--chamber 1504]
    tradecert keys rotate --chamber 1504 --key new.key.pem --cert new.cert.pem [--chain ca.pem]
    tradecert keys rotate --chamber 1504          # development: a new key from the dev CA

Both work on the keys directory (DOCUMENTS.keys_dir, TRADECERT_KEYS_DIR; `--keys-dir` for
another, e.g. a copy to load into a Kubernetes Secret). Running documents processes sign
with the new key from their next certified PDF; nothing needs restarting.
"""
import click

from services.documents.keyring import (
    chambers_in,
    checked_cci_code,
    install,
    read_keyring,
    rotate_development,
)
from services.documents.signers import ChamberSigners
from tradecert import config


def _signers() -> ChamberSigners:
    return ChamberSigners(config.section("DOCUMENTS"))


def _keys_dir(option):
    from pathlib import Path

    return Path(option) if option else _signers().keys_dir


def _chamber(value: str) -> str:
    try:
        return checked_cci_code(value)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--chamber") from None


@click.group()
def keys():
    """The chambers' signing keys and certificates."""


@keys.command("list")
@click.option("--chamber", "cci_code", help="Only this chamber, e.g. 1504.")
@click.option("--keys-dir", type=click.Path(file_okay=False),
              help="Default: DOCUMENTS.keys_dir (TRADECERT_KEYS_DIR).")
def keys_list(cci_code, keys_dir):
    """Each chamber's certificates, oldest first: which one signs, which are retired (kept
    to validate what they signed)."""
    signers, directory = _signers(), _keys_dir(keys_dir)
    codes = [_chamber(cci_code)] if cci_code else sorted(
        set(chambers_in(directory)) | {str(code) for code in signers.chambers})
    if not codes:
        click.echo(f"no signing keys in {directory}")
    for code in codes:
        configured = signers.configured(code)
        keyring = signers.keyring(code) if configured or not keys_dir else read_keyring(
            code, directory)
        where = "config.yaml DOCUMENTS.chambers" if configured else str(directory)
        click.echo(f"chamber {code} ({where}):")
        if not keyring.generations:
            click.echo("  no certificate")
        for generation in keyring.generations:
            cert = generation.certificate
            click.echo(f"  {generation.number:>3}  {keyring.status(generation):<13} "
                       f"{cert.not_valid_before_utc:%Y-%m-%d} .. "
                       f"{cert.not_valid_after_utc:%Y-%m-%d}  "
                       f"sha256 {generation.fingerprint[:16]}  {cert.subject.rfc4514_string()}")


@keys.command("rotate")
@click.option("--chamber", "cci_code", required=True, help="e.g. 1504.")
@click.option("--key", "key_file", type=click.File("rb"),
              help="The new private key (PEM). With --cert; without both, development only.")
@click.option("--cert", "cert_file", type=click.File("rb"), help="Its certificate (PEM).")
@click.option("--chain", "chain_file", type=click.File("rb"),
              help="The certificates up to the CA (PEM), trusted to validate this chamber.")
@click.option("--passphrase", envvar="TRADECERT_KEY_PASSPHRASE",
              help="For an encrypted key (or TRADECERT_KEY_PASSPHRASE); it is kept decrypted.")
@click.option("--name-en", default="",
              help="Development only: the chamber's name in a new development certificate "
                   "(default: the current certificate's).")
@click.option("--keys-dir", type=click.Path(file_okay=False),
              help="Default: DOCUMENTS.keys_dir (TRADECERT_KEYS_DIR).")
def keys_rotate(cci_code, key_file, cert_file, chain_file, passphrase, name_en, keys_dir):
    """Make a new key the chamber's signing key; the previous key is deleted and its
    certificate kept, so every PDF signed before still validates as the chamber's."""
    cci_code = _chamber(cci_code)
    signers, directory = _signers(), _keys_dir(keys_dir)
    if signers.configured(cci_code) and not keys_dir:
        raise click.ClickException(
            f"chamber {cci_code}'s key is set in config.yaml (DOCUMENTS.chambers): change "
            f"`key` and `cert` there and list the old certificate under `retired`")
    if bool(key_file) != bool(cert_file):
        raise click.UsageError("give --key and --cert together")
    try:
        if key_file:
            generation = install(directory, cci_code, key_file.read(), cert_file.read(),
                                 chain_file.read() if chain_file else None,
                                 passphrase=passphrase)
        elif signers.development:
            generation = rotate_development(directory, cci_code, name_en)
        else:
            raise click.UsageError("give --key and --cert (development keys are off)")
    except ValueError as error:
        raise click.ClickException(f"not rotated: {error}") from None
    retired = len(read_keyring(cci_code, directory).generations) - 1
    click.echo(f"chamber {cci_code}: certificate {generation.number} signs from now on "
               f"(sha256 {generation.fingerprint[:16]}, valid until "
               f"{generation.certificate.not_valid_after_utc:%Y-%m-%d}); {retired} earlier "
               f"certificate(s) kept for validation, their keys deleted, in {directory}")
