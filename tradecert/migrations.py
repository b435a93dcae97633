"""Alembic, one migration history per service (`services/<name>/migrations/`).

Each service's `env.py` is two lines that call `run_env`; `upgrade` is what a service runs
as it starts and what `tradecert db upgrade` runs for all of them.
"""
import zlib
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import text

SERVICES_DIR = Path(__file__).resolve().parent.parent / "services"


def alembic_config(service: str, url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SERVICES_DIR / service / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(service: str, url: str, revision: str = "head") -> None:
    """Create the database if needed and migrate it. Several processes of one service may
    start at once (documents runs many), so the upgrade holds a PostgreSQL advisory lock."""
    from tradecert.db import ensure_database, make_engine

    ensure_database(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            lock_key = zlib.crc32(f"tradecert-migrate-{service}".encode())
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": lock_key})
            try:
                cfg = alembic_config(service, url)
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
                conn.commit()
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key})
                conn.commit()
    finally:
        engine.dispose()


def run_env(metadata) -> None:
    """The body of every service's migrations/env.py."""
    from tradecert.db import make_engine
    from tradecert.outbox import OutboxBase

    target = [metadata, OutboxBase.metadata]
    connection = context.config.attributes.get("connection")
    if connection is None:
        engine = make_engine(context.config.get_main_option("sqlalchemy.url"))
        with engine.connect() as connection:
            _run(connection, target)
        engine.dispose()
    else:
        _run(connection, target)


def _run(connection, target) -> None:
    context.configure(connection=connection, target_metadata=target, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()
