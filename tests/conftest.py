"""Test set-up shared by every layer.

Every run gets throw-away databases (`tctest_<run>_<service>`) and a temporary var/ folder;
Nameko's `rabbit_config` gives each test its own RabbitMQ vhost. Nothing is faked: the
services run against the real brokers on this machine.
"""

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import nameko
import pytest

RUN_ID = uuid.uuid4().hex[:8]
VAR_DIR = Path(tempfile.mkdtemp(prefix=f"tradecert-test-{RUN_ID}-"))

# Before anything reads the configuration.
os.environ["TRADECERT_DATABASE_URL"] = (
    f"postgresql+psycopg2://postgres@127.0.0.1:5432/tctest_{RUN_ID}_<service>")
os.environ["TRADECERT_VAR_DIR"] = str(VAR_DIR)
os.environ["TRADECERT_OUTBOX_POLL_S"] = "0.2"
os.environ["TRADECERT_SMTP_BACKOFF_S"] = "0.2"
os.environ.pop("TRADECERT_MAILDIR", None)
# argon2id's cheapest costs (config.yaml PASSWORDS), in this process and every `tradecert run`
# a test starts: the suite hashes and checks thousands of throw-away passwords, each ~0.25 s
# of CPU at the real costs (tests/unit/test_passwords.py checks those are the defaults).
os.environ.update({"TRADECERT_ARGON2_TIME_COST": "1", "TRADECERT_ARGON2_MEMORY_KIB": "8",
                   "TRADECERT_ARGON2_PARALLELISM": "1"})

from nameko.standalone.rpc import ClusterRpcClient  # noqa: E402

from tests.helpers.databases import empty_tables  # noqa: E402
from tradecert import SERVICES, config  # noqa: E402
from tradecert.db import drop_database, make_engine, upgrade  # noqa: E402

config.load()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_port_range(count: int) -> int:
    """The first of `count` consecutive ports free on loopback now (METRICS.base_port)."""
    import random

    for _ in range(200):
        base = random.randrange(20000, 60000)
        with contextlib.ExitStack() as stack:
            try:
                for port in range(base, base + count):
                    stack.enter_context(socket.socket()).bind(("127.0.0.1", port))
            except OSError:
                continue
        return base
    raise RuntimeError(f"no {count} consecutive free ports")


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.05, message: str = ""):
    """Poll until `predicate()` is truthy; return its value or fail the test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {message or predicate}")


#: One engine per service's database for the whole run, made (and the database migrated)
#: on first use by `fresh_databases`.
_fresh_engines = {}


@pytest.fixture(scope="session", autouse=True)
def test_databases():
    """Created on first use by each service's migration; dropped when the run ends."""
    yield
    for engine in _fresh_engines.values():
        engine.dispose()
    for service in SERVICES:
        drop_database(config.database_url(service))


@pytest.fixture(autouse=True)
def logging_left_as_found():
    """The loggers config.yaml's LOGGING sets as the test found them, afterwards: the CLI's
    commands (tests/system/test_cli.py, in this process) apply it, which quiets `nameko` to
    ERROR and gives the root a handler, and a later test that reads the services' log lines
    saw none of Nameko's."""
    import logging

    names = ["", *(config.get("LOGGING") or {}).get("loggers", {})]
    saved = {name: (logger := logging.getLogger(name), logger.level, list(logger.handlers),
                    logger.disabled, logger.propagate) for name in names}
    yield
    for logger, level, handlers, disabled, propagate in saved.values():
        logger.setLevel(level)
        logger.handlers[:] = handlers
        logger.disabled, logger.propagate = disabled, propagate


@pytest.fixture
def fresh_databases():
    """Every table empty (the schema stays), so a test starts from nothing."""
    empty_databases()


def database_engines() -> dict:
    """The run's engine per service's database (made by `empty_databases`)."""
    return dict(_fresh_engines)


def empty_databases() -> None:
    """Every service's database migrated (on first use) and its tables emptied."""
    for service in SERVICES:
        if service not in _fresh_engines:
            url = config.database_url(service)
            upgrade(service, url)
            _fresh_engines[service] = make_engine(url)
        with _fresh_engines[service].begin() as conn:
            empty_tables(conn)


@pytest.fixture
def db_session():
    """`db_session(service)`: a plain session on that service's database, for assertions."""
    from sqlalchemy.orm import Session

    engines, sessions = {}, {}

    def open_session(service: str) -> Session:
        """One session per service and test; asking again gives the same, expired (fresh
        reads), so a test can call it in a loop without opening connections."""
        if service not in sessions:
            engines[service] = make_engine(config.database_url(service))
            sessions[service] = Session(engines[service])
        sessions[service].expire_all()
        return sessions[service]

    yield open_session
    for session in sessions.values():
        session.close()
    for engine in engines.values():
        engine.dispose()


@pytest.fixture
def smtp_sink():
    """A real SMTP server (our sink, as its own process) on a free port, for one test."""
    port, maildir = free_port(), VAR_DIR / f"mail-{uuid.uuid4().hex[:6]}"
    process = subprocess.Popen(
        [sys.executable, "-m", "operations.mailsink", "--port", str(port),
         "--maildir", str(maildir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: _listening(port), 30, message="the SMTP sink")
        smtp = {**config.section("SMTP"), "port": port}
        with nameko.config.patch({"SMTP": smtp, "MAILDIR": str(maildir)}):
            yield Sink(port, maildir, process)
    finally:
        process.terminate()
        process.wait(10)


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


class Sink:
    def __init__(self, port, maildir, process):
        self.port, self.maildir, self.process = port, maildir, process

    def messages(self):
        from operations.mailsink import read

        return read(self.maildir) if (self.maildir / "new").exists() else []

    def wait_for_messages(self, count: int, timeout: float = 10.0):
        return wait_for(lambda: len(self.messages()) >= count and self.messages(), timeout,
                        message=f"{count} mail(s) in {self.maildir}")


@pytest.fixture
def localstripe(web_config_port):
    """A real local Stripe server (localstripe, as its own process) on a free loopback port
    with its own state file, for one test; PAYMENT.stripe points at it and its webhook at
    the gateway under test (API.md "Local Stripe": nothing calls the real Stripe)."""
    from operations.localstripe import WEBHOOK_PATH, register_webhook

    port, state = free_port(), VAR_DIR / f"localstripe-{uuid.uuid4().hex[:6]}.pickle"
    process = subprocess.Popen(
        [sys.executable, "-m", "operations.localstripe", "--port", str(port),
         "--state", str(state)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: _listening(port), 30, message="localstripe")
        base = f"http://127.0.0.1:{port}"
        settings = {"api_base": base, "secret_key": "sk_test_local",
                    "publishable_key": "pk_test_local",
                    "webhook_secret": f"whsec_{uuid.uuid4().hex}",
                    "js_url": f"{base}/js.stripe.com/v3/"}
        register_webhook(base, f"http://127.0.0.1:{web_config_port}{WEBHOOK_PATH}",
                         settings["webhook_secret"])
        payment = {**config.section("PAYMENT"), "stripe": settings}
        with nameko.config.patch({"PAYMENT": payment}):
            yield settings
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def rpc_client(rabbit_config):
    """A standalone RPC client on this test's vhost. One per test, never shared."""
    with ClusterRpcClient(uri=config.get("AMQP_URI")) as client:
        yield client





@pytest.fixture
def running_system(rabbit_uri, fresh_databases, tmp_path):
    """`tradecert run` (the end of `make run`) as its own process, on free ports, this test's
    vhost and the run's databases. Yields (process, url, healthz, var_dir, output file)."""
    system = start_system(rabbit_uri, tmp_path)
    yield system
    stop_system(system)


def start_system(rabbit_uri: str, var_dir: Path) -> tuple:
    """`tradecert run` started (not yet healthy): (process, url, healthz, var_dir, output)."""
    import requests

    port = free_port()
    env = {**os.environ, "TRADECERT_AMQP_URI": rabbit_uri,
           "TRADECERT_GATEWAY_ADDRESS": f"127.0.0.1:{port}",
           "TRADECERT_PUBLIC_URL": f"http://127.0.0.1:{port}",
           "TRADECERT_SMTP_PORT": str(free_port()), "TRADECERT_VAR_DIR": str(var_dir),
           # the local Stripe server `tradecert run` starts, on a port of its own
           "TRADECERT_STRIPE_API_BASE": f"http://127.0.0.1:{free_port()}",
           # issue 12: each service process's metrics on base + n
           "TRADECERT_METRICS_BASE_PORT": str(free_port_range(8)),
           # one rendering process is plenty for one test, and starts sooner
           "TRADECERT_DOCUMENTS_PROCESSES": os.environ.get("TRADECERT_DOCUMENTS_PROCESSES",
                                                           "1")}
    output = open(var_dir / "run.out", "w+")  # noqa: SIM115 — read back by the test
    process = subprocess.Popen([sys.executable, "-m", "operations.cli", "run"], env=env,
                               stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def healthz():
        try:
            return requests.get(f"{url}/healthz", timeout=5)
        except requests.RequestException:
            return None

    return process, url, healthz, var_dir, output


def stop_system(system: tuple) -> None:
    process, *_, output = system
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
    output.close()


def wait_until_healthy(healthz, timeout: float = 120):
    return wait_for(lambda: (r := healthz()) is not None and r.status_code == 200 and r,
                    timeout, interval=0.5, message="/healthz 200")
