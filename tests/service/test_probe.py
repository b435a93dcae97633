"""Issue 13: the probe Kubernetes runs in each service's pod (`python -m operations.probe`,
deploy/k8s/base): exit 0 when the service answers its health (or echo) RPC in time, 1 when it
does not, within the timeout, and no reply queue left behind in the broker."""
import time

from kombu import Connection, Exchange, Queue
from kombu.utils.url import parse_url

from operations import probe
from services.notify.service import NotifyService
from tradecert import config


def test_a_running_service_passes_both_probes(runner_factory, capsys):
    runner_factory(NotifyService).start()

    assert probe.main(["notify", "--uri", config.get("AMQP_URI")]) == 0
    assert "notify.health" in capsys.readouterr().out
    assert probe.main(["notify", "--echo", "--uri", config.get("AMQP_URI")]) == 0
    assert "notify.echo" in capsys.readouterr().out


def test_a_service_that_is_not_running_fails_within_the_timeout(capsys):
    started = time.monotonic()

    ok, message = probe.ask("documents", uri=config.get("AMQP_URI"), timeout=1)

    assert not ok
    assert message.startswith("documents.health: ")
    assert time.monotonic() - started < 5
    assert probe.main(["documents", "--timeout", "1", "--uri", config.get("AMQP_URI")]) == 1
    assert "documents.health" in capsys.readouterr().err


def test_a_silent_service_fails_on_the_timeout_and_leaves_no_reply_queue(rabbit_uri,
                                                                        rabbit_manager):
    """A queue that exists but nobody consumes (a service whose workers hang): the question
    waits, the probe gives up after its timeout, the question expires, its reply queue goes."""
    uri, vhost = rabbit_uri, parse_url(rabbit_uri)["virtual_host"]
    with Connection(uri) as connection:
        Queue("rpc-payment", Exchange("nameko-rpc", type="topic"), routing_key="payment.*")(
            connection.channel()).declare()
    started = time.monotonic()

    ok, message = probe.ask("payment", uri=uri, timeout=1)

    assert not ok and "Timeout" in message, message
    assert 1 <= time.monotonic() - started < 5
    queues = [queue["name"] for queue in rabbit_manager.get_queues(vhost)]
    assert queues == ["rpc-payment"], queues
