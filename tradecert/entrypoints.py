"""What every service class shares: an `rpc` that treats TradecertError as an expected
answer (not logged as a crash) and refuses a NUL in any argument, an `event_handler` that
keeps an event a transient failure made fail (a database or broker connection lost, another
service's silence), and the `health` RPC the gateway's /healthz asks.

Both entrypoints are Nameko's with tradecert's AMQP consumer (tradecert/amqp.py: back within
about a second of a broker restart, issue 12). Every RPC entrypoint of a service must be
this `rpc`: its consumer is shared by the service's RPC entrypoints, and a second kind would
consume the same queue without knowing the other's methods."""
import functools
import inspect

import eventlet
import kombu.exceptions
from amqp.exceptions import ConnectionError as AmqpConnectionError
from nameko import events as nameko_events
from nameko import rpc as nameko_rpc
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from tradecert.amqp import Consumer
from tradecert.errors import EXPECTED, Unavailable, validation_failed
from tradecert.logs import get_logger
from tradecert.schemas import nul_fields

log = get_logger(__name__)


class RpcConsumer(nameko_rpc.RpcConsumer):
    consumer_cls = Consumer


class Rpc(nameko_rpc.Rpc):
    rpc_consumer = RpcConsumer()


#: A handler that failed on one of these may well succeed in a moment (issue 12): the
#: database's connection was ended (PostgreSQL restarted), a deadlock or lock timeout,
#: too many clients (DBAPI's OperationalError), the connection to the broker or to
#: another server was lost meanwhile, or a service it asked did not answer in time
#: (Unavailable: an RPC timed out, tradecert/rpc.py).
TRANSIENT = (OperationalError, ConnectionError, kombu.exceptions.OperationalError,
             AmqpConnectionError, Unavailable)
#: How long a handler that failed on one waits before its event goes back to the queue: a
#: database that is down is not asked again and again in a tight loop.
REQUEUE_PAUSE_S = 1.0


class EventHandler(nameko_events.EventHandler):
    """Nameko's: the message is acknowledged only after the handler's worker has finished,
    so a process that dies in a handler leaves the event to be delivered again
    (`tradecert.outbox.once_per_event` makes the second delivery of a finished one a no-op).

    A handler that failed on a TRANSIENT error (its transaction rolled back) puts the event
    back in the queue after a pause instead of acknowledging it, which would lose it;
    any other failure is a bug in the handler or the event, acknowledged and logged as
    Nameko does (put back, it would fail again for ever)."""

    consumer_cls = Consumer

    def handle_message_processed(self, message, result=None, exc_info=None):
        if exc_info is not None and isinstance(exc_info[1], TRANSIENT):
            log.warning("event_requeued", handler=self.method_name,
                        source=self.source_service, event_type=self.event_type,
                        error=repr(exc_info[1])[:500])
            eventlet.sleep(REQUEUE_PAUSE_S)
            self.consumer.requeue_message(message)
            return
        super().handle_message_processed(message, result, exc_info)


event_handler = EventHandler.decorator


def rpc(fn=None, **options):
    """`@rpc` or `@rpc(...)`, with our errors expected by default, refusing a NUL in any
    argument (an ID from a URL, too): PostgreSQL keeps none, so it would be a 500."""
    options.setdefault("expected_exceptions", EXPECTED)
    decorator = Rpc.decorator(**options)

    def apply(method):
        return decorator(refusing_nul(method))

    return apply(fn) if fn is not None else apply


def refusing_nul(method):
    signature = inspect.signature(method)

    @functools.wraps(method)
    def entrypoint(self, *args, **kwargs):
        arguments = signature.bind(self, *args, **kwargs).arguments
        arguments.pop("self")
        # a body (a dict) names its own fields; any other argument is named itself
        refused = {path: messages for name, value in arguments.items()
                   for path, messages in nul_fields(
                       value if isinstance(value, dict) else {name: value})}
        if refused:
            raise validation_failed(refused)
        return method(self, *args, **kwargs)

    entrypoint.__signature__ = signature  # Nameko checks the call against it
    return entrypoint


class HealthCheck:
    """Mixin: `health` answers only when the service can also reach its own database."""

    @rpc
    def health(self) -> dict:
        self.db.session.execute(text("SELECT 1"))
        return {"service": self.name, "status": "ok"}

    @rpc
    def echo(self) -> dict:
        """Answers at once, touching nothing: `GET /api/v1/echo` asks it to measure what one
        RPC through the gateway costs on its own (`make load`'s ceiling, issue 12)."""
        return {"service": self.name, "ok": True}
