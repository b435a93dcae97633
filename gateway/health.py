"""GET /healthz: ask every service at once; answer within the timeout, naming who failed."""
import eventlet

from tradecert import SERVICES
from tradecert.errors import ServiceUnavailable
from tradecert.logs import get_logger

log = get_logger(__name__)


def check(cluster) -> dict:
    """`cluster` is the gateway's HealthRpc, whose calls give up after
    GATEWAY.health_timeout_s (tradecert/rpc.py). Every service is asked in parallel, so the
    answer takes at most that long."""

    def ask(name: str) -> str:
        try:
            cluster[name].health()
            return "ok"
        except ServiceUnavailable:  # no answer in time, or its queue does not exist
            return "unavailable"
        except Exception as exc:  # noqa: BLE001 — any failure means not healthy
            log.warning("health_check_failed", service=name, error=repr(exc))
            return "error"

    pool = eventlet.GreenPool(len(SERVICES))
    states = dict(zip(SERVICES, pool.imap(ask, SERVICES), strict=True))
    failing = [name for name in SERVICES if states[name] != "ok"]
    return {"status": "unavailable" if failing else "ok", "services": states,
            "failing": failing}
