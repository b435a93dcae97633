"""RPC clients for services and the gateway: Nameko's `ServiceRpc` and `ClusterRpc` with a
reply listener that survives a call made while the process is still starting, and a reply
queue declared once per connection instead of before every request.

Nameko's reply consumer asks, each time it connects, whether its reply queue still exists
while calls are waiting for replies, and kills the container when it does not
(`ReplyQueueExpiredWithPendingReplies`): after a reconnection, that means replies were lost.
On the very first connection it proves nothing: a call made while the container starts (the
gateway answers `/healthz` as soon as its web server listens, and a load balancer or `make run`
asks at once) may not have declared the queue yet, and nothing can have been lost before the
listener ever consumed. Seen as a gateway that never became healthy on a loaded machine.

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
from kombu import Queue
from nameko import rpc

from tradecert.metrics import metered_client


class ReplyListener(rpc.ReplyListener):
    def setup(self):
        super().setup()
        self.consumed_before = False

    def check_for_lost_replies(self):
        if not self.consumed_before:  # the first connection: nothing can have been lost
            self.consumed_before = True
            return
        super().check_for_lost_replies()


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
    """Mixin for Nameko's RPC clients: the client a worker gets counts and times its calls,
    by target service and method, labelled with the calling service."""

    def get_dependency(self, worker_ctx):
        return metered_client(super().get_dependency(worker_ctx), self.container.service_name)


class ClusterRpc(Metered, DeclaresReplyQueueOnce, rpc.ClusterRpc):
    reply_listener = ReplyListener()


class ServiceRpc(Metered, DeclaresReplyQueueOnce, rpc.ServiceRpc):
    reply_listener = ReplyListener()
