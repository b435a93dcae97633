"""No RPC waits forever (issue 12, tradecert/rpc.py): a call gives up after its timeout with
ServiceUnavailable naming the service, forgets its reply (a late one is dropped quietly),
and its request expires in RabbitMQ after as long, so a service started later never
executes it. A service never started is the same error at once; the slow calls wait longer;
an event whose handler met such an error is handled again, not lost."""
import time

import eventlet
import nameko
import pytest
from nameko.standalone.events import event_dispatcher
from nameko.testing.services import entrypoint_hook

from tests.conftest import wait_for
from tradecert import metrics
from tradecert.entrypoints import event_handler, rpc
from tradecert.errors import ServiceUnavailable
from tradecert.rpc import ReplyListener, ServiceRpc

EXECUTED: list = []
HANDLED: list = []
TIMEOUTS = {"timeout_s": 0.5, "slow_timeout_s": 3, "retry_after_s": 7}


class Slow:
    name = "slow"

    @rpc
    def wait(self, seconds):
        EXECUTED.append(("wait", seconds))
        eventlet.sleep(seconds)
        return seconds

    @rpc
    def render(self, seconds):
        eventlet.sleep(seconds)
        return "rendered"


class Caller:
    name = "caller"
    slow = ServiceRpc("slow", slow={"render"})
    nobody = ServiceRpc("nobody")

    @rpc
    def ask(self, method, *args):
        return getattr(self.slow, method)(*args)

    @rpc
    def ask_nobody(self):
        return self.nobody.anything()

    @event_handler("tests", "ping")
    def on_ping(self, payload):
        """Fails like a handler whose RPC timed out, the first time only."""
        HANDLED.append(payload)
        if len(HANDLED) == 1:
            raise ServiceUnavailable(message="slow did not answer",
                                     params={"service": "slow", "retry_after_s": 5})


@pytest.fixture(autouse=True)
def short_timeouts():
    EXECUTED.clear()
    HANDLED.clear()
    with nameko.config.patch({"RPC": TIMEOUTS}):
        yield


@pytest.fixture
def caller(container_factory):
    container = container_factory(Caller)
    container.start()
    return container


def timeouts_counted() -> float:
    return metrics.REGISTRY.get_sample_value("tradecert_rpc_client_calls_total", {
        "service": "caller", "target": "slow", "method": "wait", "outcome": "timeout"}) or 0


def listener_of(container) -> ReplyListener:
    return next(ext for ext in container.subextensions if isinstance(ext, ReplyListener))


def test_a_call_gives_up_after_its_timeout_and_a_late_reply_is_dropped(caller,
                                                                         container_factory):
    container_factory(Slow).start()
    counted_before = timeouts_counted()

    started = time.monotonic()
    with entrypoint_hook(caller, "ask") as ask, pytest.raises(ServiceUnavailable) as raised:
        ask("wait", 1.5)
    waited = time.monotonic() - started

    assert 0.5 <= waited < 1.0
    assert raised.value.code == "service_unavailable"
    assert raised.value.params == {"service": "slow", "retry_after_s": 7}
    assert listener_of(caller).pending == {}  # nothing kept for the call that gave up
    assert timeouts_counted() == counted_before + 1  # tradecert/metrics.py sees it too
    eventlet.sleep(1.5)  # the late reply arrives: dropped, nothing breaks
    with entrypoint_hook(caller, "ask") as ask:
        assert ask("wait", 0) == 0
    assert listener_of(caller).pending == {}


def test_a_slow_call_waits_the_slow_timeout(caller, container_factory):
    container_factory(Slow).start()

    with entrypoint_hook(caller, "ask") as ask:
        assert ask("render", 1) == "rendered"  # longer than timeout_s, within slow_timeout_s


def test_a_request_nobody_took_in_time_expires_in_its_queue(caller, container_factory,
                                                            get_message_from_queue):
    """The service's queue exists but nobody consumes it (the service is stopped): the
    request carries the timeout as its expiration, and RabbitMQ drops it then, so the
    service started again does not execute it."""
    slow = container_factory(Slow)
    slow.start()
    slow.stop()  # the durable queue stays

    def ask_in_the_background():
        with entrypoint_hook(caller, "ask") as ask:
            return ask("wait", 0)

    with nameko.config.patch({"RPC": {**TIMEOUTS, "timeout_s": 2}}):
        call = eventlet.spawn(ask_in_the_background)
        message = get_message_from_queue("rpc-slow", ack=False, timeout=1.5)
        assert message.properties["expiration"] == "2000"
        with pytest.raises(ServiceUnavailable):
            call.wait()

    container_factory(Slow).start()
    with entrypoint_hook(caller, "ask") as ask:
        assert ask("wait", 0.1) == 0.1  # behind the expired one, were it still queued
    assert EXECUTED == [("wait", 0.1)]  # only the call made after the start


def test_a_service_never_started_is_unavailable_at_once(caller):
    started = time.monotonic()
    with entrypoint_hook(caller, "ask_nobody") as ask, \
            pytest.raises(ServiceUnavailable) as raised:
        ask()

    assert time.monotonic() - started < 0.5
    assert raised.value.params["service"] == "nobody"
    assert listener_of(caller).pending == {}


def test_an_event_whose_handler_met_an_unavailable_service_is_handled_again(caller):
    event_dispatcher()("tests", "ping", {"n": 1})

    wait_for(lambda: len(HANDLED) == 2, timeout=5, message="the event handled again")
    assert HANDLED == [{"n": 1}, {"n": 1}]


def test_a_request_the_broker_cannot_take_is_unavailable_within_seconds(caller):
    """The broker away (restarting): Nameko's publisher kept trying for 5 s and more, holding
    the worker (the gateway's workers, so its /healthz too); ours gives up in about a second,
    and the answer says when to ask again. The publisher is pointed at a port where no
    broker listens, the nearest real thing to RabbitMQ being down for this one client."""
    from tests.conftest import free_port

    publisher = next(ext for ext in caller.dependencies
                     if isinstance(ext, ServiceRpc) and ext.target_service == "slow").publisher
    publisher.amqp_uri = f"pyamqp://guest:guest@127.0.0.1:{free_port()}/"

    started = time.monotonic()
    with entrypoint_hook(caller, "ask") as ask, pytest.raises(ServiceUnavailable) as raised:
        ask("wait", 0)

    assert time.monotonic() - started < 2.5  # 0.5 s here; Nameko's own publisher: 5.0 s
    assert raised.value.message == "the message broker is not reachable"
    assert raised.value.params == {"service": "slow", "retry_after_s": 7}
    assert listener_of(caller).pending == {}
    assert EXECUTED == []
