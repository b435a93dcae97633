"""RPC clients for services and the gateway: Nameko's `ServiceRpc` and `ClusterRpc` with a
reply listener that survives a call made while the process is still starting.

Nameko's reply consumer asks, each time it connects, whether its reply queue still exists
while calls are waiting for replies, and kills the container when it does not
(`ReplyQueueExpiredWithPendingReplies`): after a reconnection, that means replies were lost.
On the very first connection it proves nothing: a call made while the container starts (the
gateway answers `/healthz` as soon as its web server listens, and a load balancer or `make run`
asks at once) may not have declared the queue yet, and nothing can have been lost before the
listener ever consumed. Seen as a gateway that never became healthy on a loaded machine.

After a reconnection (a broker restart, issue 12) the queue is still there: it is durable and
expires only after 5 minutes unused, so the replies sent meanwhile wait in it. Its consumer
reconnects soon (tradecert/amqp.py)."""
from nameko import rpc

from tradecert.amqp import ReconnectingSoon


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


class ClusterRpc(rpc.ClusterRpc):
    reply_listener = ReplyListener()


class ServiceRpc(rpc.ServiceRpc):
    reply_listener = ReplyListener()
