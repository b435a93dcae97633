"""RPC clients for services and the gateway: Nameko's `ServiceRpc` and `ClusterRpc` with a
reply listener that survives a call made while the process is still starting.

Nameko's reply consumer asks, each time it connects, whether its reply queue still exists
while calls are waiting for replies, and kills the container when it does not
(`ReplyQueueExpiredWithPendingReplies`): after a reconnection, that means replies were lost.
On the very first connection it proves nothing: a call made while the container starts (the
gateway answers `/healthz` as soon as its web server listens, and a load balancer or `make run`
asks at once) may not have declared the queue yet, and nothing can have been lost before the
listener ever consumed. Seen as a gateway that never became healthy on a loaded machine.

Both also count and time every call their worker makes (issue 12: tradecert/metrics.py)."""
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


class Metered:
    """Mixin for Nameko's RPC clients: the client a worker gets counts and times its calls,
    by target service and method, labelled with the calling service."""

    def get_dependency(self, worker_ctx):
        return metered_client(super().get_dependency(worker_ctx), self.container.service_name)


class ClusterRpc(Metered, rpc.ClusterRpc):
    reply_listener = ReplyListener()


class ServiceRpc(Metered, rpc.ServiceRpc):
    reply_listener = ReplyListener()
