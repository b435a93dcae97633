"""GET /healthz: ask every service at once; answer within the timeout, naming who failed.

Issue 12: while RabbitMQ is down (restarting), sending the question itself fails, after the
publisher's retries (3-5 s): that counts as no answer, within the same timeout, so /healthz
answers 503 naming every service instead of a 500 after seconds."""
import eventlet
from nameko.exceptions import UnknownService

from tradecert import SERVICES, config
from tradecert.amqp import BROKER_UNREACHABLE
from tradecert.errors import ServiceUnavailable
from tradecert.logs import get_logger

log = get_logger(__name__)


def check(cluster, timeout: float | None = None) -> dict:
    """`cluster` is the gateway's HealthRpc, whose calls give up after
    GATEWAY.health_timeout_s (tradecert/rpc.py), which is also `timeout` for the asking
    itself. Every service is asked in parallel, so the answer takes at most that long."""
    if timeout is None:
        timeout = float(config.section("GATEWAY").get("health_timeout_s", 2))

    def ask(name: str) -> str:
        with eventlet.Timeout(timeout, False):  # asking included (issue 12: see below)
            try:
                cluster[name].health.call_async().result()
                return "ok"
            except (ServiceUnavailable, UnknownService):  # no answer in time, or no queue
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
