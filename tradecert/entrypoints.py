"""What every service class shares: an `rpc` that treats TradecertError as an expected
answer (not logged as a crash), and the `health` RPC the gateway's /healthz asks."""
from nameko.rpc import rpc as nameko_rpc
from sqlalchemy import text

from tradecert.errors import EXPECTED


def rpc(fn=None, **options):
    """`@rpc` or `@rpc(...)`, with our errors expected by default."""
    options.setdefault("expected_exceptions", EXPECTED)
    decorator = nameko_rpc(**options)
    return decorator(fn) if fn is not None else decorator


class HealthCheck:
    """Mixin: `health` answers only when the service can also reach its own database."""

    @rpc
    def health(self) -> dict:
        self.db.session.execute(text("SELECT 1"))
        return {"service": self.name, "status": "ok"}
