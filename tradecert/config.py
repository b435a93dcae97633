"""One YAML file for every process, with environment overrides (`${NAME:default}`).

Nameko processes receive it through `nameko run --config`; the CLI and the tests load it
here. Either way the values end up in `nameko.config`, the one place code reads them from.
"""
import functools
import os
import secrets
from pathlib import Path

import nameko
from nameko.cli.utils.config import load_config

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_FILE = ROOT / "config.yaml"


def config_path() -> Path:
    return Path(os.environ.get("TRADECERT_CONFIG", DEFAULT_CONFIG_FILE))


def load(path: Path | None = None) -> dict:
    """Read the YAML (environment substituted) into `nameko.config` and return it."""
    with open(path or config_path(), encoding="utf-8") as fh:
        values = load_config(fh)
    nameko.config.update(values)
    return nameko.config


def configure_logging() -> None:
    """For processes Nameko does not start (the CLI): the same JSON logs as the services."""
    import logging.config

    logging.config.dictConfig(get("LOGGING"))


def get(key: str, default=None):
    return nameko.config.get(key, default)


def section(name: str) -> dict:
    return dict(nameko.config.get(name) or {})


def database_url(service: str) -> str:
    """The database of one service: each service owns its own (ARCHITECTURE: Data)."""
    return get("DATABASE_URL").replace("<service>", service)


def var_dir() -> Path:
    path = Path(get("VAR_DIR", "var"))
    return path if path.is_absolute() else ROOT / path


def maildir() -> Path:
    """Where the local SMTP sink keeps mail (API.md: Local mail)."""
    configured = get("MAILDIR")
    if not configured:
        return var_dir() / "mail"
    path = Path(configured)
    return path if path.is_absolute() else ROOT / path


@functools.cache
def secret_key() -> str:
    """The installation's secret (sessions, sealed values): from the configuration, else one
    generated once and kept in <VAR_DIR>/secret_key, so it survives restarts of `make run`."""
    configured = section("GATEWAY").get("secret_key")
    if configured:
        return str(configured)
    path = var_dir() / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
