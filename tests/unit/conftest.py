"""Unit tests of the rules that run without a broker: the domain functions take a SQLAlchemy
Session, given here on the service's real PostgreSQL database (the run's throw-away one, see
tests/conftest.py). No RabbitMQ, no Nameko container.

Each test works inside one outer transaction that starts by emptying the service's tables
(what API and service tests of the same run left there) and is rolled back at its end; the
code under test may flush and commit (a commit ends a SAVEPOINT, not the transaction), and
nothing it wrote outlives the test."""
import pytest
from sqlalchemy.orm import Session

from tests.helpers.databases import empty_tables
from tests.helpers.identity import Registered, add_test_chamber
from tradecert import config
from tradecert.db import make_engine

_engines = {}


def _engine(service: str):
    if service not in _engines:
        from tradecert import migrations

        url = config.database_url(service)
        migrations.upgrade(service, url)
        _engines[service] = make_engine(url)
    return _engines[service]


@pytest.fixture(scope="session", autouse=True)
def _dispose_engines():
    yield
    for engine in _engines.values():
        engine.dispose()


@pytest.fixture
def domain_session():
    """`domain_session(service)`: a Session on that service's database for this test, its
    writes rolled back afterwards. Asking again for the same service gives the same one."""
    opened = {}

    def open_session(service: str) -> Session:
        if service not in opened:
            connection = _engine(service).connect()
            transaction = connection.begin()
            empty_tables(connection)
            session = Session(bind=connection, join_transaction_mode="create_savepoint",
                              expire_on_commit=False)
            opened[service] = (connection, transaction, session)
        return opened[service][2]

    yield open_session
    for connection, transaction, session in opened.values():
        session.close()
        if transaction.is_active:
            transaction.rollback()
        connection.close()


# --- identity: a chamber and an approved registration's accounts -------------------------------

@pytest.fixture
def identity(domain_session):
    """identity's database session. (Passwords are hashed with argon2id's cheapest costs in
    every test: tests/conftest.py sets config.yaml's PASSWORDS low.)"""
    return domain_session("identity")


@pytest.fixture
def chamber(identity):
    return add_test_chamber(identity)


@pytest.fixture
def registered(identity, chamber):
    return Registered(identity)
