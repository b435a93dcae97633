"""RPC clients for services and the gateway: Nameko's `ServiceRpc` and `ClusterRpc` with a
reply listener that survives a call made while the process is still starting, a time limit
on every call, and a reply queue declared once per connection instead of before every request.

Start-up (issue 8). Nameko's reply consumer asks, each time it connects, whether its reply
queue still exists while calls are waiting for replies, and kills the container when it does
not (`ReplyQueueExpiredWithPendingReplies`): after a reconnection, that means replies were
lost. On the very first connection it proves nothing: a call made while the container starts
(the gateway answers `/healthz` as soon as its web server listens, and a load balancer or
`make run` asks at once) may not have declared the queue yet, and nothing can have been lost
before the listener ever consumed. Seen as a gateway that never became healthy on a loaded
machine. After a reconnection (a broker restart, issue 12) the queue is still there: it is
durable and expires only after 5 minutes unused, so the replies sent meanwhile wait in it; its
consumer reconnects soon (tradecert/amqp.py).

No call hangs (issue 12). Nameko's `RpcCall.result()` waits for its reply without a limit,
so a request to a stopped service kept a gateway worker (and the browser) waiting forever.
Here every call has a timeout, read from the configuration at the call: `RPC.timeout_s` in a
service, `GATEWAY.rpc_timeout_s` in the gateway, and the `slow_timeout_s` keys for the calls
the target's interfaces list in `SLOW_CALLS` (they render PDFs or hash a password per new
ID). The request carries the same time as its AMQP `expiration`, so RabbitMQ drops a request
that nobody took in time instead of a restarted service executing it after the caller gave
up; that costs no extra round trip. When the time is up the call forgets its reply (a late
one is dropped quietly: the listener knows no such call) and raises `ServiceUnavailable`
naming the service, which is 503 with Retry-After at the gateway; a service whose queue does
not exist (never started) is the same error at once.

Both also count and time every call their worker makes (issue 12: tradecert/metrics.py).

Issue 12: Nameko's client declares its reply queue before publishing each request, and kombu
does not remember the declaration of a queue that expires (`x-expires`), so every RPC cost
three more round trips to the broker (exchange.declare, queue.declare, queue.bind) before its
publish (16 % of a py-spy profile of the gateway under `make load`: the broker's work and
each call's wait more than the gateway's CPU time, whose change `make load` could not tell
from this machine's noise; docs/DECISIONS.md, issue 12). The queue is the reply listener's
own: it declares it whenever it (re)connects and consumes from it for the life of the
process, so the queue cannot expire while the process runs; the publisher now declares it
once per connection (again after a reconnection) as kombu does for any durable queue."""
import time
import uuid
from functools import partial

from kombu import Queue
from nameko import rpc
from nameko.amqp.publish import UndeliverableMessage
from nameko.messaging import encode_to_headers

from tradecert import config
from tradecert.amqp import BROKER_UNREACHABLE, ReconnectingSoon, transport_options
from tradecert.errors import ServiceUnavailable
from tradecert.logs import get_logger
from tradecert.metrics import metered_client

log = get_logger(__name__)

#: What a key that config.yaml does not set means (seconds).
DEFAULTS = {"timeout_s": 8.0, "slow_timeout_s": 25.0, "retry_after_s": 5,
            "rpc_timeout_s": 10.0, "rpc_slow_timeout_s": 30.0, "health_timeout_s": 2.0}


class ReplyTimeout(TimeoutError):
    """No reply in the call's time (the call answers ServiceUnavailable for it)."""


class ReplyConsumer(ReconnectingSoon, rpc.ReplyListener.ReplyConsumer):
    pass


class ReplyListener(rpc.ReplyListener):
    consumer_cls = ReplyConsumer

    def setup(self):
        super().setup()
        self.consumed_before = False

    def check_for_lost_replies(self):
        if not self.consumed_before:  # the first connection: nothing can have been lost
            self.consumed_before = True
            return
        super().check_for_lost_replies()

    def register_for_reply(self, correlation_id: str):
        """Nameko's, whose waiter takes a timeout (none: as long as it takes). When the time
        is up the call is forgotten and ReplyTimeout raised."""
        wait = super().register_for_reply(correlation_id)  # the Event's wait

        def wait_for_reply(timeout: float | None = None):
            reply = wait(timeout)
            if reply is None:  # Event.wait's answer when the time is up (a reply is a dict)
                self.forget(correlation_id)
                raise ReplyTimeout(correlation_id)
            return reply

        return wait_for_reply

    def forget(self, correlation_id: str) -> None:
        """A call that gave up (or was never sent) waits no more: nothing is kept for it,
        and its reply, should one still come, is dropped as unknown."""
        self.pending.pop(correlation_id, None)


def setting(section: str, key: str) -> float:
    return float(config.section(section).get(key) or DEFAULTS[key])


def unavailable(service: str, message: str) -> ServiceUnavailable:
    return ServiceUnavailable(message=message, params={
        "service": service, "retry_after_s": int(setting("RPC", "retry_after_s"))})


#: A request's publication is tried again once, half a second later (kombu's `ensure`).
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0.5, "interval_step": 0.5,
                        "interval_max": 0.5}


class TimedRpc(rpc.ClusterRpc):
    """Hands each worker our Client. `slow`: the target's methods that take seconds by
    design (its interfaces' SLOW_CALLS), which get the longer timeout."""

    reply_listener = ReplyListener()
    #: The configuration's section, and its keys for any call and for a slow one.
    timeouts = ("RPC", "timeout_s", "slow_timeout_s")

    def __init__(self, slow=(), **publisher_options):
        super().__init__(**publisher_options)
        self.slow = frozenset(slow)

    def setup(self):
        super().setup()
        # Issue 12: while the broker is away a request fails within about a second (503,
        # Retry-After), where Nameko's publisher kept trying (its pauses 2, 3, 4 s: 5 s
        # against a closed port here, more while the broker restarts). The gateway's
        # workers, all held by such tries, could not even answer /healthz: `make chaos`
        # saw it back 13-16 s after the broker, now 2 s.
        self.publisher.transport_options = transport_options()
        self.publisher.retry_policy = PUBLISH_RETRY_POLICY

    def timeout(self, method: str) -> float:
        section, key, slow_key = self.timeouts
        return setting(section, slow_key if method in self.slow else key)

    def get_dependency(self, worker_ctx):
        return Client(self.publisher.publish, self.reply_listener.register_for_reply,
                      worker_ctx.context_data, listener=self.reply_listener,
                      timeout=self.timeout)


class ReplyQueue(Queue):
    """A reply queue whose declaration kombu remembers per connection (see above)."""

    @property
    def can_cache_declaration(self) -> bool:
        return True


def declared_once(queue: Queue) -> ReplyQueue:
    return ReplyQueue(queue.name, exchange=queue.exchange, routing_key=queue.routing_key,
                      queue_arguments=queue.queue_arguments)


class DeclaresReplyQueueOnce:
    """For an RPC client (ClusterRpc, ServiceRpc): its publisher declares the reply queue
    once per connection."""

    def setup(self):
        super().setup()
        self.publisher.declare = [declared_once(queue) for queue in self.publisher.declare]


class Metered:
    """Mixin for the RPC clients: the client a worker gets counts and times its calls, by
    target service and method, labelled with the calling service."""

    def get_dependency(self, worker_ctx):
        return metered_client(super().get_dependency(worker_ctx), self.container.service_name)


class ClusterRpc(Metered, DeclaresReplyQueueOnce, TimedRpc):
    """A client to any service: `self.cluster[service].method(...)`."""


class ServiceRpc(Metered, DeclaresReplyQueueOnce, TimedRpc):
    """As Nameko's `ServiceRpc`: a client with its target service fixed."""

    def __init__(self, target_service: str, slow=(), **publisher_options):
        self.target_service = target_service
        super().__init__(slow=slow, **publisher_options)

    def get_dependency(self, worker_ctx):
        return getattr(super().get_dependency(worker_ctx), self.target_service)


class Client(rpc.Client):
    """Nameko's client, each call with its time limit (`timeout(method)`, in seconds)."""

    def __init__(self, publish, register_for_reply, context_data, service_name=None,
                 method_name=None, *, listener: ReplyListener, timeout):
        super().__init__(publish, register_for_reply, context_data, service_name,
                         method_name)
        self.listener, self.timeout = listener, timeout

    def __getattr__(self, name):
        if self.method_name is not None:
            raise AttributeError(name)
        service, method = (self.service_name, name) if self.service_name else (name, None)
        return Client(self.publish, self.register_for_reply, self.context_data, service,
                      method, listener=self.listener, timeout=self.timeout)

    def _call(self, *args, **kwargs):
        """Nameko's `_call`, with the expiration on the request and the pending reply
        forgotten when the request could not be delivered."""
        if not self.fully_specified:
            raise ValueError(f"Cannot call unspecified method {self.identifier}")
        timeout = self.timeout(self.method_name)
        correlation_id = str(uuid.uuid4())
        send_request = partial(
            self.publish, routing_key=self.identifier, mandatory=True, expiration=timeout,
            correlation_id=correlation_id, extra_headers=encode_to_headers(self.context_data))
        call = RpcCall(correlation_id, send_request, self.register_for_reply(correlation_id),
                       self, timeout)
        try:
            call.send_request(*args, **kwargs)
        except UndeliverableMessage:  # no queue for the service: it was never started here
            self.listener.forget(correlation_id)
            raise unavailable(self.service_name,
                              f"no {self.service_name} service is running") from None
        except BROKER_UNREACHABLE as exc:
            # The broker restarting (make chaos): the request did not leave, or (the
            # connection lost before its confirm) may have; either way the caller may send it
            # again, as after a timeout (state-changing calls are safe to repeat, issue 12).
            # A 503 with Retry-After says so, where it was a 500.
            self.listener.forget(correlation_id)
            log.warning("rpc_broker_unreachable", target=self.service_name,
                        method=self.method_name, error=str(exc))
            raise unavailable(self.service_name,
                              "the message broker is not reachable") from None
        except BaseException:
            self.listener.forget(correlation_id)
            raise
        return call


class RpcCall(rpc.RpcCall):
    """Waits for the reply until the call's deadline (counted from the request), then
    raises ServiceUnavailable naming the service."""

    def __init__(self, correlation_id, send_request, get_response, client: Client,
                 timeout: float):
        super().__init__(correlation_id, send_request, get_response)
        self.client, self.timeout = client, timeout
        self.deadline = time.monotonic() + timeout

    def get_response(self):
        if self._response is None:
            try:
                self._response = self._get_response(max(0.0, self.deadline - time.monotonic()))
            except ReplyTimeout:
                service, method = self.client.service_name, self.client.method_name
                log.warning("rpc_timeout", target=service, method=method,
                            timeout_s=self.timeout)
                raise unavailable(service, f"{service} did not answer {method} within "
                                           f"{self.timeout:g} s") from None
        return self._response
