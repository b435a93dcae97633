"""A call made while a process starts must not kill it (tradecert/rpc.py): the reply
listener's check for lost replies means something only after a reconnection."""
import uuid

import pytest
from eventlet.event import Event
from kombu import Queue
from nameko import rpc as nameko_rpc
from nameko.exceptions import ReplyQueueExpiredWithPendingReplies

from tradecert.entrypoints import rpc
from tradecert.rpc import ReplyListener, ServiceRpc


class Caller:
    name = "caller"
    other = ServiceRpc("other")

    @rpc
    def noop(self):
        return None


def listener_of(container):
    return next(ext for ext in container.subextensions if isinstance(ext, nameko_rpc.ReplyListener))


def waiting_on_an_undeclared_queue(listener):
    """What a call made during start-up looks like to the listener: a reply awaited, and its
    queue not declared yet (the call's publish declares it)."""
    listener.queue = Queue(f"rpc.reply-not-declared-{uuid.uuid4()}",
                           exchange=listener.queue.exchange)
    listener.pending["correlation-1"] = Event()


def test_the_first_connection_with_a_call_waiting_does_not_kill_the_process(container_factory):
    container = container_factory(Caller)
    container.start()
    listener = listener_of(container)
    assert isinstance(listener, ReplyListener)

    listener.consumed_before = False  # as at the first connection
    waiting_on_an_undeclared_queue(listener)
    listener.check_for_lost_replies()  # nothing can have been lost yet
    # after a reconnection a missing queue does mean lost replies: the container must know
    with pytest.raises(ReplyQueueExpiredWithPendingReplies):
        listener.check_for_lost_replies()
    listener.pending.clear()


def test_nameko_s_own_listener_would_kill_the_process_at_its_first_connection(container_factory):
    """The case above on Nameko's listener: why tradecert.rpc exists."""

    class PlainCaller(Caller):
        other = nameko_rpc.ServiceRpc("other")

    container = container_factory(PlainCaller)
    container.start()
    listener = listener_of(container)
    assert type(listener) is nameko_rpc.ReplyListener
    waiting_on_an_undeclared_queue(listener)
    with pytest.raises(ReplyQueueExpiredWithPendingReplies):
        listener.check_for_lost_replies()
    listener.pending.clear()
