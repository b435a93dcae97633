"""Prometheus metrics (issue 12, "Observability"): what every process counts, and how it is
read. prometheus_client keeps them in its process-wide registry.

- The gateway counts and times every HTTP answer in the one place every request passes
  (gateway/http.py's WSGI app): `http_answered`.
- Every RPC client (tradecert/rpc.py) counts and times the calls its process makes, by
  target service and method, as the caller sees them: `metered_client`.
- `Metrics`, a DependencyProvider every service declares, counts and times each RPC, event
  and timer its workers handle, and reads gauges when Prometheus scrapes (the outbox
  backlog, the service's own numbers such as mails pending, its queues' depth). With
  METRICS.port set it serves the process's metrics there (`make run` gives each service
  process its own port; the gateway answers `/metrics` on its own address).

Every label value comes from the code, never from a request: a route's rule (not the path:
an unknown address is `unmatched`), a method's name, an outcome from OUTCOMES. So what a
stranger sends cannot grow the number of series.
"""
import contextlib
import functools
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import kombu
from amqp.exceptions import NotFound as QueueNotFound
from eventlet.timeout import Timeout as EventletTimeout
from nameko.amqp.publish import UndeliverableMessage
from nameko.constants import AMQP_URI_CONFIG_KEY, DEFAULT_AMQP_URI
from nameko.events import EventHandler
from nameko.exceptions import deserialize
from nameko.extensions import DependencyProvider
from nameko.rpc import RPC_QUEUE_TEMPLATE, Rpc
from nameko.timer import Timer
from prometheus_client import (
    REGISTRY,
    Counter,
    Histogram,
    disable_created_metrics,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector
from sqlalchemy import text
from sqlalchemy.orm import Session

from tradecert import config
from tradecert.db import Database
from tradecert.errors import TradecertError
from tradecert.logs import get_logger

log = get_logger(__name__)

# A `_created` series beside every counter would double what each scrape carries, for a
# start time Prometheus does not need.
disable_created_metrics()

#: Seconds: from a cached answer (a few ms) to a certification with its render (~1 s) and
#: the RPC timeouts.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
#: How a call ended: answered, refused with one of our errors (a 4xx in the gateway), failed
#: otherwise, no answer in time, or no such service (its queue does not exist).
OK, EXPECTED, ERROR, TIMEOUT, UNAVAILABLE = "ok", "expected", "error", "timeout", "unavailable"
OUTCOMES = (OK, EXPECTED, ERROR, TIMEOUT, UNAVAILABLE)
#: The route of a request answered before any route took it: no such address, a method the
#: address does not take, a body refused on its length.
UNMATCHED = "unmatched"
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
#: Gauges read at scrape time must not hold a scrape up (Prometheus waits 10 s by default).
READ_TIMEOUT_S = 1.0

HTTP_LABELS = ("method", "route", "status_class")
HTTP_REQUESTS = Counter("tradecert_http_requests", "HTTP requests the gateway answered",
                        HTTP_LABELS)
HTTP_DURATION = Histogram("tradecert_http_request_duration_seconds",
                          "Time the gateway took to answer, by route rule", HTTP_LABELS,
                          buckets=BUCKETS)
CLIENT_LABELS = ("service", "target", "method", "outcome")
RPC_CLIENT_CALLS = Counter("tradecert_rpc_client_calls",
                           "RPC calls this process made, as the caller saw them", CLIENT_LABELS)
RPC_CLIENT_DURATION = Histogram("tradecert_rpc_client_duration_seconds",
                                "From sending an RPC request to its reply, as the caller saw it",
                                CLIENT_LABELS, buckets=BUCKETS)
HANDLED_LABELS = ("service", "method", "outcome")
RPC_HANDLED = Counter("tradecert_rpc_handled", "RPC calls a service handled", HANDLED_LABELS)
RPC_HANDLED_DURATION = Histogram("tradecert_rpc_handled_duration_seconds",
                                 "Time a service's worker took for an RPC call", HANDLED_LABELS,
                                 buckets=BUCKETS)
EVENTS_HANDLED = Counter("tradecert_events_handled", "Events a service's handlers took",
                         ("service", "source", "event_type", "handler", "outcome"))
TIMER_RUNS = Counter("tradecert_timer_runs", "Runs of a service's timers (delivery, jobs)",
                     HANDLED_LABELS)
READ_ERRORS = Counter("tradecert_metrics_read_errors",
                      "Scrape-time gauges that could not be read (database or broker)",
                      ("service", "source"))


# --- the gateway's HTTP answers ---------------------------------------------------------

def http_answered(method: str, route: str | None, status: int, seconds: float) -> None:
    """One answer of the gateway: `route` is the rule that took it (None: none did)."""
    requests, duration = _series(HTTP_REQUESTS, HTTP_DURATION, (
        method if method in HTTP_METHODS else "other", route or UNMATCHED,
        f"{status // 100}xx"))
    requests.inc()
    duration.observe(seconds)


@functools.cache
def _series(counter: Counter, histogram: Histogram, labels: tuple) -> tuple:
    """The counter's and the histogram's series for these labels, looked up once: `labels()`
    takes a lock and checks its arguments on every call. The labels are bounded, so is this."""
    return counter.labels(*labels), histogram.labels(*labels)


def exposition(accept: str | None) -> tuple[bytes, str]:
    """This process's metrics in the format the scraper asked for, and its content type."""
    encode, content_type = choose_encoder(accept or "")
    return encode(REGISTRY), content_type


# --- RPC calls, as the caller sees them -------------------------------------------------

def metered_client(client, caller: str):
    """Nameko's RPC `Client` with every call it (and each client it hands out for a service
    or a method) makes counted and timed. It calls `register_for_reply(correlation_id)` and
    then `publish(..., routing_key="<service>.<method>", correlation_id=...)` for each call,
    and waits on what the first returned: those three are where a call starts and ends."""
    meter = _ClientMeter(caller, client.publish, client.register_for_reply)
    client.publish, client.register_for_reply = meter.publish, meter.register_for_reply
    return client


class _ClientMeter:
    def __init__(self, caller: str, publish, register_for_reply):
        self.caller, self._publish, self._register = caller, publish, register_for_reply
        self._registered: dict[str, _Call] = {}  # correlation id -> its call, until published

    def register_for_reply(self, correlation_id: str):
        get_response = self._register(correlation_id)
        call = self._registered[correlation_id] = _Call(self.caller)
        return functools.partial(call.wait, get_response)

    def publish(self, payload, **kwargs):
        call = self._registered.pop(kwargs.get("correlation_id"), None) or _Call(self.caller)
        call.addressed(kwargs.get("routing_key", ""))
        try:
            return self._publish(payload, **kwargs)
        except UndeliverableMessage:  # Nameko raises UnknownService for it
            call.ended(UNAVAILABLE)
            raise


@dataclass
class _Call:
    caller: str
    target: str = ""
    method: str = ""
    started: float = field(default_factory=time.perf_counter)
    done: bool = False

    def addressed(self, routing_key: str) -> None:
        self.target, _, self.method = routing_key.partition(".")
        self.started = time.perf_counter()

    def wait(self, get_response):
        try:
            response = get_response()
        except BaseException as exc:  # a timeout, the reply queue lost: counted, passed on
            self.ended(TIMEOUT if isinstance(exc, TimeoutError | EventletTimeout) else ERROR)
            raise
        self.ended(reply_outcome(response))
        return response

    def ended(self, outcome: str) -> None:
        if self.done or not self.target:
            return
        self.done = True
        calls, duration = _series(RPC_CLIENT_CALLS, RPC_CLIENT_DURATION,
                                  (self.caller, self.target, self.method, outcome))
        calls.inc()
        duration.observe(time.perf_counter() - self.started)


def reply_outcome(response: dict) -> str:
    """An RPC reply: its result, one of our errors (an answer such as 404), or a failure."""
    error = response.get("error")
    if not error:
        return OK
    return EXPECTED if isinstance(deserialize(error), TradecertError) else ERROR


# --- what a service handles, and what it reads at scrape time ----------------------------

@dataclass(frozen=True)
class DatabaseGauge:
    """A number a service reads from its own database when Prometheus scrapes (mails
    pending, payments open, the outbox backlog), labelled with the service. `read` should
    use an index: it runs on every scrape, under READ_TIMEOUT_S."""

    name: str
    documentation: str
    read: Callable[[Session], float]


@dataclass(frozen=True)
class Sample:
    name: str
    documentation: str
    labels: dict
    value: float


class ScrapeTimeGauges(Collector):
    """One collector for the gauges of every service container in this process (a test runs
    all six in one): each metric once, with a sample per service, however many containers
    add their readers."""

    def __init__(self):
        self._readers: dict[object, Callable[[], Iterable[Sample]]] = {}

    def add(self, key, read: Callable[[], Iterable[Sample]]) -> None:
        self._readers[key] = read

    def remove(self, key) -> None:
        self._readers.pop(key, None)

    def describe(self):
        return []  # nothing is read when it is registered

    def collect(self):
        families: dict[str, GaugeMetricFamily] = {}
        for read in list(self._readers.values()):
            for sample in read():
                family = families.get(sample.name)
                if family is None:
                    family = families[sample.name] = GaugeMetricFamily(
                        sample.name, sample.documentation, labels=list(sample.labels))
                family.add_metric(list(sample.labels.values()), sample.value)
        return list(families.values())


SCRAPED = ScrapeTimeGauges()
REGISTRY.register(SCRAPED)


class Metrics(DependencyProvider):
    """Counts and times every RPC call, event and timer run the service's workers handle
    (the gateway's HTTP routes are counted in its WSGI app instead), reads its gauges when
    scraped: the `DatabaseGauge`s given here, those of its other dependencies (the outbox's
    backlog), and its queues' depth; and serves them on METRICS.port when it is set."""

    def __init__(self, *gauges: DatabaseGauge):
        self.gauges = gauges
        self.started: dict = {}

    def setup(self):
        self.service = self.container.service_name
        dependencies = self.container.dependencies
        self.database = next((d for d in dependencies if isinstance(d, Database)), None)
        self.all_gauges = [*self.gauges, *(gauge for dependency in dependencies
                                           if not isinstance(dependency, Metrics)
                                           for gauge in getattr(dependency, "gauges", ()))]
        self.queues = QueueDepths(config.get(AMQP_URI_CONFIG_KEY, DEFAULT_AMQP_URI))
        self.server = None

    def start(self):
        self.queues.names = own_queues(self.container)
        SCRAPED.add(self, self.read)
        self.server = serve(config.section("METRICS"))

    def stop(self):
        SCRAPED.remove(self)
        self.queues.close()
        stop_serving(self.server)
        self.server = None

    kill = stop

    def worker_setup(self, worker_ctx):
        self.started[worker_ctx] = time.perf_counter()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        started = self.started.pop(worker_ctx, None)
        if started is not None:
            handled(self.service, worker_ctx.entrypoint, exc_info,
                    time.perf_counter() - started)

    def worker_teardown(self, worker_ctx):
        self.started.pop(worker_ctx, None)

    def read(self) -> Iterator[Sample]:
        yield from self.database_samples()
        yield from self.queues.samples(self.service)

    def database_samples(self) -> list[Sample]:
        if self.database is None or not self.all_gauges:
            return []
        try:
            with self.database.sessionmaker() as session, session.begin():
                session.execute(text(f"SET LOCAL statement_timeout = {int(READ_TIMEOUT_S * 1000)}"))
                values = [(gauge, gauge.read(session)) for gauge in self.all_gauges]
        except Exception as exc:  # noqa: BLE001 — a scrape shows what it can read
            read_failed(self.service, "database", exc)
            return []
        return [Sample(gauge.name, gauge.documentation, {"service": self.service}, value)
                for gauge, value in values]


def handled(service: str, entrypoint, exc_info, seconds: float) -> None:
    outcome = OK if exc_info is None else (
        EXPECTED if isinstance(exc_info[1], entrypoint.expected_exceptions or ()) else ERROR)
    if isinstance(entrypoint, Rpc):
        calls, duration = _series(RPC_HANDLED, RPC_HANDLED_DURATION,
                                  (service, entrypoint.method_name, outcome))
        calls.inc()
        duration.observe(seconds)
    elif isinstance(entrypoint, EventHandler):
        EVENTS_HANDLED.labels(service, entrypoint.source_service, entrypoint.event_type,
                              entrypoint.method_name, outcome).inc()
    elif isinstance(entrypoint, Timer):
        TIMER_RUNS.labels(service, entrypoint.method_name, outcome).inc()


def read_failed(service: str, source: str, exc: Exception) -> None:
    READ_ERRORS.labels(service, source).inc()
    log.warning("metrics_read_failed", source=source, error=repr(exc))


def own_queues(container) -> list[str]:
    """The queues the service consumes: its RPC queue and its event handlers' queues."""
    names = [RPC_QUEUE_TEMPLATE.format(container.service_name)] if any(
        isinstance(entrypoint, Rpc) for entrypoint in container.entrypoints) else []
    return names + sorted(entrypoint.queue.name for entrypoint in container.entrypoints
                          if isinstance(entrypoint, EventHandler))


class QueueDepths:
    """Messages waiting in the service's queues (and how many consumers take them), asked of
    the broker with a passive declare on one connection kept between scrapes: 0.1 ms a
    queue on this machine, where a new connection each scrape took 7.5 ms and RabbitMQ's
    management API 2 ms with figures up to 5 s old (issue 12). When the kept connection
    fails (the broker restarted) the scrape connects once more; failing again, it leaves the
    queues out and the next scrape tries anew."""

    def __init__(self, uri: str):
        self.uri, self.names = uri, []
        self.connection: kombu.Connection | None = None
        self.lock = threading.Lock()  # two scrapes at once would interleave on one channel

    def samples(self, service: str) -> list[Sample]:
        if not self.names:
            return []
        with self.lock:
            try:
                found = self._declare_all()
            except Exception:  # noqa: BLE001 — the kept connection broke (a broker restart)
                self.close()
                try:
                    found = self._declare_all()  # once more, on a new connection
                except Exception as exc:  # noqa: BLE001 — broker away: no sample this time
                    self.close()
                    read_failed(service, "broker", exc)
                    return []
        return [sample for queue, messages, consumers in found for sample in (
            Sample("tradecert_queue_messages", "Messages waiting in a service's queue",
                   {"service": service, "queue": queue}, messages),
            Sample("tradecert_queue_consumers", "Consumers of a service's queue",
                   {"service": service, "queue": queue}, consumers))]

    def _declare_all(self) -> list[tuple[str, int, int]]:
        if self.connection is None:
            self.connection = kombu.Connection(
                self.uri, connect_timeout=READ_TIMEOUT_S,
                transport_options={"read_timeout": READ_TIMEOUT_S,
                                   "write_timeout": READ_TIMEOUT_S})
        found, channel = [], self.connection.channel()
        try:
            for name in self.names:
                try:
                    _, messages, consumers = channel.queue_declare(name, passive=True)
                except QueueNotFound:  # not declared yet: the broker closed the channel
                    channel = self.connection.channel()
                    continue
                found.append((name, messages, consumers))
        finally:
            channel.close()
        return found

    def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(Exception):  # already broken: nothing to close
                self.connection.release()
            self.connection = None


# --- the process's own endpoint ----------------------------------------------------------

_serving: dict[int, object] = {}  # port -> the server this process runs on it


def serve(settings: dict) -> int | None:
    """prometheus_client's HTTP server on METRICS.port (0 or absent: none), one per process;
    under eventlet's monkey patching its threads are green threads. A port already taken is
    logged, and the service runs on without it: metrics never stop a service."""
    port = int(settings.get("port") or 0)
    if not port or port in _serving:
        return None
    address = str(settings.get("address") or "127.0.0.1")
    try:
        server, _ = start_http_server(port, addr=address)
    except OSError as exc:
        log.error("metrics_port_unavailable", address=address, port=port, error=str(exc))
        return None
    _serving[port] = server
    log.info("metrics_serving", address=address, port=port)
    return port


def stop_serving(port: int | None) -> None:
    server = _serving.pop(port, None) if port else None
    if server is not None:
        server.shutdown()
        server.server_close()
