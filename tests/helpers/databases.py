"""Database chores that more than one layer of tests needs."""
from sqlalchemy import text


def empty_tables(connection) -> None:
    """Every table of the connection's database empty (the schema and alembic_version stay).

    A container killed at the end of an earlier test may have left a connection in the middle
    of a transaction (its outbox relay polls with FOR UPDATE), and its locks would make
    TRUNCATE wait for ever. Those services are gone: their sessions are ended first."""
    connection.execute(text(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    connection.execute(text("SET LOCAL lock_timeout = '20s'"))
    tables = connection.scalars(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
        "AND tablename <> 'alembic_version'")).all()
    if tables:
        connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
