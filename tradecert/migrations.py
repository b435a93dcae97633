"""Alembic, one migration history per service (`services/<name>/migrations/`).

Each service's `env.py` is two lines that call `run_env`. `upgrade` (from `tradecert.db`,
where the `Database` that runs it on start lives) is what a service runs as it starts and
what `tradecert db upgrade` runs for all of them.
"""
from alembic import context

from tradecert.db import make_engine, upgrade
from tradecert.outbox import OutboxBase

__all__ = ["run_env", "upgrade"]


def run_env(metadata) -> None:
    """The body of every service's migrations/env.py."""
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
