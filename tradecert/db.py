"""SQLAlchemy 2 on PostgreSQL, one database per service, one session per worker.

`Database` is the DependencyProvider every service declares as `db`. A worker reads through
`self.db.session` and changes state only inside `with self.db.transaction() as session:`,
which commits when the block ends and rolls back on any exception, so an entrypoint's
answer is sent only after its change is durable (Nameko replies before `worker_result`,
so committing there would be too late).

`upgrade` migrates one service's database with Alembic; it lives here, beside the
`Database` that runs it on start, so that this module needs nothing above it
(`tradecert.migrations`, the env.py side, uses it and the outbox's tables).
"""
import threading
import zlib
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import eventlet.patcher
import eventlet.semaphore
from alembic import command
from alembic.config import Config
from nameko.extensions import DependencyProvider
from sqlalchemy import DateTime, MetaData, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from tradecert import config
from tradecert.logs import get_logger

log = get_logger(__name__)

if eventlet.patcher.is_monkey_patched("socket"):
    # psycopg2 blocks the whole process on I/O unless it yields to eventlet's hub.
    from psycogreen.eventlet import patch_psycopg

    patch_psycopg()


def utcnow() -> datetime:
    return datetime.now(UTC)


def one_or_raise(session: Session, query, not_found: Exception, *, lock: bool = False):
    """The one row `query` selects, or `not_found` raised (another company's or chamber's
    row is not found either: the query scopes it). `lock` holds the row until the
    transaction ends and reads it afresh (approval, renewal, change requests)."""
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    row = session.scalar(query)
    if row is None:
        raise not_found
    return row


#: Constraint names Alembic can rely on, the same in every service's database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
#: Every `datetime` column stores a time zone.
TYPE_ANNOTATION_MAP = {datetime: DateTime(timezone=True)}


def new_metadata() -> MetaData:
    """Each service declares `class Base(DeclarativeBase)` with `metadata = new_metadata()`
    and `type_annotation_map = TYPE_ANNOTATION_MAP`: its own tables, shared conventions."""
    return MetaData(naming_convention=NAMING_CONVENTION)


def make_engine(url: str, **kwargs):
    # Defect 8: a database error must not carry its bound parameters (password and token
    # hashes) into the exception text, and so into the logs.
    return create_engine(url, pool_pre_ping=True, future=True, hide_parameters=True, **kwargs)


def ensure_database(url: str) -> bool:
    """Create the service's database when it does not exist yet; True if it was created."""
    url = make_url(url)
    admin = make_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                 {"n": url.database})
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{url.database}"'))
                log.info("database_created", database=url.database)
            return not exists
    finally:
        admin.dispose()


def drop_database(url: str) -> None:
    url = make_url(url)
    admin = make_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    finally:
        admin.dispose()


SERVICES_DIR = Path(__file__).resolve().parent.parent / "services"


def alembic_config(service: str, url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SERVICES_DIR / service / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


# Alembic keeps the running migration in module globals (`alembic.context`): two upgrades at
# once in one process (a runner starting two services' containers side by side) would tread
# on each other, so one process migrates one database at a time.
_migrating = (eventlet.semaphore.Semaphore(1) if eventlet.patcher.is_monkey_patched("thread")
              else threading.Lock())


def upgrade(service: str, url: str, revision: str = "head") -> None:
    """Create the database if needed and migrate it. Several processes of one service may
    start at once (documents runs many), so the upgrade holds a PostgreSQL advisory lock."""
    with _migrating:
        _upgrade(service, url, revision)


def _upgrade(service: str, url: str, revision: str) -> None:
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


class WorkerDatabase:
    """What a worker sees as `self.db`."""

    def __init__(self, provider: "Database"):
        self._provider = provider
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = self._provider.sessionmaker()
        return self._session

    @contextmanager
    def transaction(self, commit_on: tuple[type[BaseException], ...] = ()):
        """Commit the block's changes together, or none of them. An exception listed in
        `commit_on` still commits what was written before it (a failed login's count, a
        wrong code's attempt), then goes on to the caller."""
        session = self.session
        try:
            yield session
            session.commit()
        except commit_on:
            session.commit()
            self._provider.committed(session)
            raise
        except BaseException:
            session.rollback()
            raise
        self._provider.committed(session)

    def once_per_key(self, key: str | None, find, answer, create):
        """A create that takes an idempotency key (payments, issue 11; applications, issue
        12): `answer(session, earlier)` for what `find(session, key)` finds, else `create()`
        (which commits and answers). Two at once with one key: the unique index refuses the
        second, which then answers the first's."""
        if key and (earlier := find(self.session, key)):
            return answer(self.session, earlier)
        try:
            return create()
        except IntegrityError:
            earlier = key and find(self.session, key)
            if not earlier:
                raise
            return answer(self.session, earlier)

    def close(self):
        if self._session is not None:
            self._session.close()  # rolls back anything not committed
            self._session = None


class Database(DependencyProvider):
    """Engine built once per container; a fresh session per worker, closed at teardown."""

    def __init__(self, **engine_options):
        self.engine_options = engine_options
        self.workers: dict = {}
        self._commit_listeners: list = []

    def setup(self):
        service = self.container.service_name
        self.url = config.database_url(service)
        if config.get("MIGRATE_ON_START", True):
            upgrade(service, self.url)
        self.engine = make_engine(self.url, **self.engine_options)
        self.sessionmaker = sessionmaker(bind=self.engine, expire_on_commit=False)

    def stop(self):
        self.engine.dispose()

    def kill(self):
        # Also after a start that failed before setup() got here (another dependency's
        # setup raised, e.g. documents' file store check): nothing to dispose then.
        if hasattr(self, "engine"):
            self.engine.dispose()

    def on_commit(self, listener) -> None:
        """Call `listener(session)` after every committed worker transaction (outbox wake-up)."""
        self._commit_listeners.append(listener)

    def committed(self, session: Session) -> None:
        for listener in self._commit_listeners:
            listener(session)

    def get_dependency(self, worker_ctx):
        worker_db = WorkerDatabase(self)
        self.workers[worker_ctx] = worker_db
        return worker_db

    def worker_teardown(self, worker_ctx):
        worker_db = self.workers.pop(worker_ctx, None)
        if worker_db is not None:
            worker_db.close()
