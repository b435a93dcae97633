"""The AMQP consumer every entrypoint and reply listener uses: Nameko's, reconnecting within
a second of the broker's return (issue 12).

Nameko's consumers (kombu's ConsumerMixin) reconnect on their own after RabbitMQ restarts,
but with kombu's default pauses between tries: 2 s, then 4, 6, ... up to 30 s. A broker
that is back after 14 s is found only at the try after 20 s (6 s more with every queue
unserved; measured, docs/DECISIONS.md issue 12), and after a longer outage up to 30 s
late. Here the pause is half a second, then one second: a refused connection costs the
broker next to nothing, and the system answers again as soon as it is back."""
from contextlib import contextmanager

import kombu.exceptions
from amqp.exceptions import ConnectionError as AmqpConnectionError
from nameko.amqp.consume import Consumer as NamekoConsumer
from nameko.constants import DEFAULT_TRANSPORT_OPTIONS

RECONNECT_FIRST_S = 0.5
RECONNECT_STEP_S = 0.5
RECONNECT_MAX_S = 1.0

#: What kombu raises when the broker is not there (down, restarting, the connection closed
#: under it): a state of the broker that passes, not a fault of what was being done.
BROKER_UNREACHABLE = (OSError, kombu.exceptions.OperationalError, AmqpConnectionError)


class ReconnectingSoon:
    """Mixin for any kombu ConsumerMixin: the same reconnection, with short pauses."""

    @contextmanager
    def establish_connection(self):
        with self.create_connection() as conn:
            conn.ensure_connection(self.on_connection_error, self.connect_max_retries,
                                   interval_start=RECONNECT_FIRST_S,
                                   interval_step=RECONNECT_STEP_S,
                                   interval_max=RECONNECT_MAX_S)
            yield conn


class Consumer(ReconnectingSoon, NamekoConsumer):
    """What `consumer_cls` names in tradecert's RPC and event entrypoints."""


def transport_options() -> dict:
    """For a Nameko Publisher that must go on soon after the broker is back (the outbox
    relay): its connection's tries with the same short pauses (Nameko's: 2, 3, 4, 5 s)."""
    return {**DEFAULT_TRANSPORT_OPTIONS, "interval_start": RECONNECT_FIRST_S,
            "interval_step": RECONNECT_STEP_S, "interval_max": RECONNECT_MAX_S}
