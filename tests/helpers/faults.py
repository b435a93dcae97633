"""Faults the brokers would cause, caused without touching the machine's RabbitMQ or PostgreSQL
(issue 12): what a restart of either does to the services' connections, done to this test's
own connections only.

- `close_broker_connections`: RabbitMQ's management API closes every connection of the test's
  vhost, as a broker that restarts closes them all (CONNECTION_FORCED).
- `BrokerProxy`: the services reach RabbitMQ through it; `down()` drops every connection and
  refuses new ones (ECONNREFUSED) until `up()`, as a broker that is stopped, then started.
- `terminate_database_connections`: `pg_terminate_backend` on the connections to this run's
  databases (`tctest_<run>_<service>`), as a PostgreSQL restart ends them all."""
import contextlib
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, urlsplit

import requests
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tradecert import SERVICES, config
from tradecert.db import make_engine


def vhost_of(amqp_uri: str) -> str:
    return urlsplit(amqp_uri).path.lstrip("/")


def broker_connections(api_uri: str, vhost: str) -> list[str]:
    """The names of the vhost's connections, as the management API lists them (its list
    lags a few seconds behind: a connection opened just now may not be in it yet)."""
    answer = requests.get(f"{api_uri.rstrip('/')}/api/vhosts/{quote(vhost, safe='')}/connections",
                          timeout=10)
    answer.raise_for_status()
    return [c["name"] for c in answer.json()]


#: RabbitMQ's statistics interval (collect_statistics_interval, 5 s by default) and a margin.
STATISTICS_LAG_S = 6


def settled_broker_connections(api_uri: str, vhost: str, timeout: float = 30) -> list[str]:
    """The vhost's connections once the management API's list has not changed for longer
    than its statistics lag: then every connection open now is in it."""
    deadline = time.monotonic() + timeout
    names, since = broker_connections(api_uri, vhost), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(1)
        now = broker_connections(api_uri, vhost)
        if now != names:
            names, since = now, time.monotonic()
        elif names and time.monotonic() - since >= STATISTICS_LAG_S:
            return names
    raise TimeoutError(f"the connections of {vhost} did not settle in {timeout} s")


def close_broker_connections(api_uri: str, vhost: str, names: list[str] | None = None) -> int:
    """Close every connection of `vhost` (never another vhost's), or those `names` of it
    (from `settled_broker_connections`: all of them), all at once as a restart does; how
    many were closed."""
    names = broker_connections(api_uri, vhost) if names is None else names

    def close(name):
        requests.delete(f"{api_uri.rstrip('/')}/api/connections/{quote(name, safe='')}",
                        headers={"X-Reason": "tradecert test: broker restart"}, timeout=10)

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(close, names))
    return len(names)


def terminate_database_connections(services=SERVICES) -> int:
    """End every connection to this run's databases (of `services`) but our own; how many
    were ended."""
    databases = [make_url(config.database_url(service)).database for service in services]
    admin = make_engine(make_url(config.database_url(SERVICES[0])).set(database="postgres"),
                        isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            return conn.scalar(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = ANY(:databases) AND pid <> pg_backend_pid()"),
                {"databases": databases})
    finally:
        admin.dispose()


class BrokerProxy:
    """A TCP relay on a loopback port of its own to RabbitMQ's port, for one test: point the
    services' AMQP URI at `uri(vhost)`. Threads (green ones under `nameko test`) copy bytes
    both ways; the listening socket is only ever touched by its own thread (eventlet allows
    one reader per socket)."""

    def __init__(self, target=("127.0.0.1", 5672)):
        self.target = target
        self.sockets: set[socket.socket] = set()
        self.port = 0
        self.up()

    def uri(self, vhost: str) -> str:
        return f"pyamqp://guest:guest@127.0.0.1:{self.port}/{vhost}"

    def up(self) -> None:
        """The broker is there (again), on the same port."""
        listener = socket.create_server(("127.0.0.1", self.port))
        self.port = listener.getsockname()[1]
        self.serving = True
        self.acceptor = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self.acceptor.start()

    def down(self) -> None:
        """The broker stops: new connections are refused, and every open one is cut."""
        self.serving = False
        self.acceptor.join()
        for sock in list(self.sockets):
            self._close(sock)

    def _accept(self, listener) -> None:
        listener.settimeout(0.05)
        with listener:
            while self.serving:
                try:
                    client, _ = listener.accept()
                except TimeoutError:
                    continue
                client.settimeout(None)
                try:
                    broker = socket.create_connection(self.target)
                except OSError:
                    client.close()
                    continue
                self.sockets |= {client, broker}
                for source, sink in ((client, broker), (broker, client)):
                    threading.Thread(target=self._copy, args=(source, sink), daemon=True).start()

    def _copy(self, source, sink) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            self._close(sink)
            source.close()

    def _close(self, sock) -> None:
        """Shut down, which ends the thread reading it (which then closes it)."""
        self.sockets.discard(sock)
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
