"""Database chores that more than one layer of tests needs."""
from sqlalchemy import text


def empty_tables(connection) -> None:
    """Every table of the connection's database empty (the schema and alembic_version stay)
    and its sequences restarted.

    A container killed at the end of an earlier test may have left a connection in the middle
    of a transaction (its outbox relay polls with FOR UPDATE), and its locks would make
    the deletes wait for ever. Those services are gone: their sessions are ended first.

    DELETE, not TRUNCATE: a test leaves a few rows, and TRUNCATE gives every table a new
    file (measured: 1.5 s for the six databases against 0.1-0.2 s). Foreign keys are not
    checked while emptying (every table goes), then checked again for the rest of the
    transaction, which a unit test goes on using."""
    connection.execute(text(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    connection.execute(text("SET LOCAL lock_timeout = '20s'"))
    connection.execute(text("SET LOCAL session_replication_role = replica"))
    tables = connection.scalars(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
        "AND tablename <> 'alembic_version'")).all()
    for table in tables:
        connection.execute(text(f'DELETE FROM "{table}"'))
    for sequence in connection.scalars(text(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")).all():
        connection.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART'))
    connection.execute(text("SET LOCAL session_replication_role = DEFAULT"))


def plan_without_table_scans(session, query) -> str:
    """PostgreSQL's plan of the query (a SQLAlchemy select) with table and bitmap scans
    ruled out for the rest of the transaction: on the few rows of a test the planner would
    read the table anyway, so an index shows in the plan only when one covers the query
    (issue 10's lists, issue 13's 500,000 IDs)."""
    from sqlalchemy.dialects import postgresql

    sql = str(query.compile(dialect=postgresql.dialect(),
                            compile_kwargs={"literal_binds": True}))
    session.execute(text("SET LOCAL enable_seqscan = off"))
    session.execute(text("SET LOCAL enable_bitmapscan = off"))
    return "\n".join(session.scalars(text(f"EXPLAIN {sql}")))
