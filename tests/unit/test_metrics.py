"""Issue 12: what tradecert/metrics.py counts, without a broker: the RPC client's outcomes as
the caller sees them, the HTTP labels' bounds, and that every service declares `Metrics`."""
import eventlet
import pytest
from nameko.amqp.publish import UndeliverableMessage
from nameko.exceptions import RemoteError, UnknownService, serialize
from nameko.rpc import Client

from tests.helpers.services import service_class
from tradecert import SERVICES, metrics
from tradecert.errors import NotFound
from tradecert.metrics import DatabaseGauge, Metrics


def calls(outcome: str, caller="caller", target="target", method="method") -> float:
    return metrics.RPC_CLIENT_CALLS.labels(caller, target, method, outcome)._value.get()


def client(reply=None, publish_raises=None, wait_raises=None):
    """A Nameko RPC Client whose broker is a stand-in: `reply` is what comes back."""

    def publish(payload, **kwargs):
        if publish_raises:
            raise publish_raises

    def register_for_reply(correlation_id):
        def get_response():
            if wait_raises:
                raise wait_raises
            return reply
        return get_response

    return metrics.metered_client(Client(publish, register_for_reply, {}), "caller")


@pytest.mark.parametrize(("kwargs", "outcome", "raised"), [
    ({"reply": {"result": 1, "error": None}}, metrics.OK, None),
    ({"reply": {"result": None, "error": serialize(NotFound(message="none"))}},
     metrics.EXPECTED, NotFound),
    ({"reply": {"result": None, "error": serialize(KeyError("x"))}}, metrics.ERROR,
     RemoteError),
    ({"wait_raises": TimeoutError()}, metrics.TIMEOUT, TimeoutError),
    ({"wait_raises": eventlet.Timeout()}, metrics.TIMEOUT, eventlet.Timeout),
    ({"publish_raises": UndeliverableMessage()}, metrics.UNAVAILABLE, UnknownService),
])
def test_each_rpc_call_is_counted_once_with_its_outcome(kwargs, outcome, raised):
    """The caller gets what it got before (the result, or the same exception)."""
    before = {o: calls(o) for o in metrics.OUTCOMES}

    if raised is None:
        assert client(**kwargs).target.method(1) == 1
    else:
        with pytest.raises(raised):
            client(**kwargs).target.method(1)

    assert {o: calls(o) - before[o] for o in metrics.OUTCOMES} == {
        o: int(o == outcome) for o in metrics.OUTCOMES}


def test_http_labels_are_bounded_whatever_the_request():
    metrics.http_answered("BREW", None, 418, 0.001)
    metrics.http_answered("GET", "/api/v1/chambers/<cci_code>", 200, 0.001)

    families = {family.name: family for family in metrics.HTTP_REQUESTS.collect()}
    labels = {tuple(sample.labels.values()) for sample in families["tradecert_http_requests"]
              .samples}
    assert ("other", "unmatched", "4xx") in labels
    assert ("GET", "/api/v1/chambers/<cci_code>", "2xx") in labels
    assert not any("BREW" in label for label in labels)


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_declares_metrics(service):
    declared = [value for value in vars(service_class(service)).values()
                if isinstance(value, Metrics)]
    assert len(declared) == 1


def test_the_outbox_gives_its_backlog_gauge_to_metrics():
    from tradecert.outbox import BACKLOG, OutboxRelay

    assert OutboxRelay.gauges == (BACKLOG,)
    assert isinstance(BACKLOG, DatabaseGauge) and BACKLOG.name == "tradecert_outbox_pending"
