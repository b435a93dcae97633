"""tradecert/rpc.py's client when its request cannot leave: the broker away (a restart,
`make chaos`) is a 503 the caller may repeat, not a 500."""
import kombu.exceptions
import pytest
from amqp.exceptions import ConnectionForced
from nameko.amqp.publish import UndeliverableMessage

from tradecert.errors import ServiceUnavailable
from tradecert.rpc import Client


class Listener:
    """Stands in for tradecert.rpc.ReplyListener: which pending replies were forgotten."""

    def __init__(self):
        self.forgotten = []

    def forget(self, correlation_id):
        self.forgotten.append(correlation_id)


def calling(raised):
    listener = Listener()

    def publish(payload, **kwargs):
        raise raised

    def register_for_reply(correlation_id):
        return lambda timeout=None: pytest.fail("no reply was awaited")

    client = Client(publish, register_for_reply, {}, "identity", "authorize",
                    listener=listener, timeout=lambda method: 8.0)
    return client, listener


@pytest.mark.parametrize(("raised", "message"), [
    (kombu.exceptions.OperationalError("[Errno 111] ECONNREFUSED"),
     "the message broker is not reachable"),
    (ConnectionRefusedError(111, "ECONNREFUSED"), "the message broker is not reachable"),
    (ConnectionForced("broker forced connection closure"),
     "the message broker is not reachable"),
    (UndeliverableMessage(), "no identity service is running"),
])
def test_a_request_that_could_not_leave_is_unavailable_and_forgotten(raised, message):
    client, listener = calling(raised)
    with pytest.raises(ServiceUnavailable) as refused:
        client("token", "applications.list")
    assert refused.value.message == message
    assert refused.value.params["service"] == "identity"
    assert refused.value.params["retry_after_s"] > 0
    assert len(listener.forgotten) == 1  # no reply waits for ever


def test_any_other_failure_to_send_is_not_called_unavailable():
    client, listener = calling(ValueError("a bug"))
    with pytest.raises(ValueError):
        client("token", "applications.list")
    assert len(listener.forgotten) == 1
