"""GET /healthz: ask every service at once; answer within the timeout, naming who failed.

Issue 12: while RabbitMQ is down (restarting), sending the question itself fails, after the
publisher's retries (3-5 s): that counts as no answer, within the same timeout, so /healthz
answers 503 naming every service instead of a 500 after seconds."""
import eventlet
from nameko.exceptions import UnknownService

from tradecert import SERVICES
from tradecert.amqp import BROKER_UNREACHABLE
from tradecert.logs import get_logger

log = get_logger(__name__)


def check(cluster, timeout: float) -> dict:
    """`cluster` is a Nameko RPC client to the whole cluster (ClusterRpc). Every service is
    asked in parallel, each with the same timeout, so the answer takes at most `timeout`."""

    def ask(name: str) -> str:
        with eventlet.Timeout(timeout, False):  # asking included (issue 12: see below)
            try:
                cluster[name].health.call_async().result()
                return "ok"
            except UnknownService:  # its queue does not exist: never started here
                return "unavailable"
            except BROKER_UNREACHABLE as exc:  # the question could not even be sent
                log.warning("health_check_failed", service=name, error=repr(exc))
                return "unavailable"
            except Exception as exc:  # noqa: BLE001 — any failure means not healthy
                log.warning("health_check_failed", service=name, error=repr(exc))
                return "error"
        return "unavailable"  # no answer in time

    pool = eventlet.GreenPool(len(SERVICES))
    states = dict(zip(SERVICES, pool.imap(ask, SERVICES), strict=True))
    failing = [name for name in SERVICES if states[name] != "ok"]
    return {"status": "unavailable" if failing else "ok", "services": states,
            "failing": failing}
