"""What every service class shares: an `rpc` that treats TradecertError as an expected
answer (not logged as a crash) and refuses a NUL in any argument, an `event_handler` that
keeps an event another service's silence made fail, and the `health` RPC the gateway's
/healthz asks."""
import functools
import inspect

import eventlet
from nameko import events
from nameko.rpc import rpc as nameko_rpc
from sqlalchemy import text

from tradecert.errors import EXPECTED, Unavailable, validation_failed
from tradecert.logs import get_logger
from tradecert.schemas import nul_fields

log = get_logger(__name__)
#: How long an event whose handler found a service unavailable waits before it is handed
#: out again (so a handler calling a service that is down does not spin).
REQUEUE_PAUSE_S = 1.0


def rpc(fn=None, **options):
    """`@rpc` or `@rpc(...)`, with our errors expected by default, refusing a NUL in any
    argument (an ID from a URL, too): PostgreSQL keeps none, so it would be a 500."""
    options.setdefault("expected_exceptions", EXPECTED)
    decorator = nameko_rpc(**options)

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


class EventHandler(events.EventHandler):
    """Nameko's event handler, except that an event whose handler failed because a service
    it asked did not answer (Unavailable: an RPC timed out, issue 12) goes back to its queue
    after a pause instead of being acked and lost, and is handled when that service is back.
    The handler's transaction rolled back (`once_per_event`), so the next try starts clean.
    Any other failure is acked as Nameko does."""

    def handle_message_processed(self, message, result=None, exc_info=None):
        if exc_info is not None and isinstance(exc_info[1], Unavailable):
            log.warning("event_requeued", method=self.method_name, error=str(exc_info[1]))
            eventlet.sleep(REQUEUE_PAUSE_S)
            self.consumer.requeue_message(message)
            return
        super().handle_message_processed(message, result, exc_info)


event_handler = EventHandler.decorator


class HealthCheck:
    """Mixin: `health` answers only when the service can also reach its own database."""

    @rpc
    def health(self) -> dict:
        self.db.session.execute(text("SELECT 1"))
        return {"service": self.name, "status": "ok"}
